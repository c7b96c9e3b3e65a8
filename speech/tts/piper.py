"""The piper backend (the default text-to-speech), with the decoder's exact phoneme timings.

piper-tts is GPL-3.0-or-later; it stays behind the TTS interface (README, "Licence"). The voice is loaded with
its duration tensor (a ``Ceil`` node) exposed as an extra output, patched in memory as piper itself does, so
every sentence comes with exact per-phoneme timings. A clause is synthesized sentence by sentence (piper's own
unit), each sentence one chunk; a cancelled clause aborts the ONNX run in progress (``RunOptions.terminate``), so
the voice is free for the next reply within milliseconds.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from companion.core.errors import ConfigError
from companion.core.models import MAKE_TINY_HINT, HubSource, ModelNeed, hf_cache_snapshot
from companion.core.registry import BuildContext, require
from companion.core.worker import CancelledInWorkerError, CancelToken
from companion.face.phonemes import TimedPhoneme
from companion.speech.tts.base import ThreadedTextToSpeech
from companion.speech.types import SpeechAudio

log = logging.getLogger(__name__)

VOICES_REPO = "rhasspy/piper-voices"


class PiperOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    voice: str = Field("en_US-lessac-medium", description="a piper voice name; a persona's `voice` overrides it")
    path: Path | None = Field(None, description="a local .onnx voice (its .onnx.json beside it); overrides `voice`")
    threads: int = Field(1, ge=1, le=64)
    length_scale: float | None = Field(None, gt=0.1, le=5.0, description="speaking rate: < 1 faster, > 1 slower")


def voice_file(voice: str) -> str:
    """The ``.onnx`` file of a voice in ``rhasspy/piper-voices``: ``en_US-lessac-medium`` ->
    ``en/en_US/lessac/medium/en_US-lessac-medium.onnx``."""
    parts = voice.split("-")
    if len(parts) != 3 or "_" not in parts[0] or not all(parts):
        raise ConfigError(
            f"piper voice name {voice!r} is not of the form <lang>_<REGION>-<name>-<quality>",
            "for example en_US-lessac-medium; the voices are listed at https://huggingface.co/rhasspy/piper-voices",
        )
    region, name, quality = parts
    language = region.split("_")[0]
    return f"{language}/{region}/{name}/{quality}/{voice}.onnx"


def is_voice(path: Path) -> bool:
    return path.suffix == ".onnx" and path.is_file() and Path(f"{path}.json").is_file()


def model_need(
    options: PiperOptions, models_dir: Path, persona_voice: str | None = None, hf_cache: Path | None = None
) -> ModelNeed:
    """Where the voice is: an explicit ``path`` wins over any name; else the persona's voice, else ``voice``."""
    if options.path is not None:
        return ModelNeed(
            "tts", str(options.path), [options.path], is_voice,
            "fix models.tts.path (or $COMPANION_TTS_VOICE) to point at a piper .onnx voice, "
            "or remove it to use the voice name from models.dir",
            explicit=True,
            describe=f"piper voice at models.tts.path ({options.path}, an .onnx file with its .onnx.json beside it)",
        )  # fmt: skip
    name = persona_voice or options.voice
    target = models_dir / "tts" / f"{name}.onnx"
    candidates = [target]
    source = None
    with contextlib.suppress(ConfigError):  # not a published voice name: only the layout folder can hold it
        published = voice_file(name)
        candidates.append(hf_cache_snapshot(VOICES_REPO, hf_cache) / published)
        files = (published, published + ".json")
        source = HubSource(VOICES_REPO, target, files=files, licence="see the voice's MODEL_CARD")
    return ModelNeed(
        "tts", name, candidates, is_voice,
        f"run `companion models fetch --only tts`, {MAKE_TINY_HINT}, "
        "or set models.tts.path ($COMPANION_TTS_VOICE) to a piper .onnx voice",
        source=source,
        describe=f"piper voice {name!r} (an .onnx file with its .onnx.json)",
    )  # fmt: skip


class PiperTTS(ThreadedTextToSpeech):
    Options = PiperOptions

    @classmethod
    def model_needs(cls, options: PiperOptions, context: BuildContext) -> list[ModelNeed]:
        return [model_need(options, context.models_dir, context.voice)]

    @classmethod
    def from_config(cls, options: PiperOptions, context: BuildContext) -> PiperTTS:
        # The library first: a missing extra says so, before any model file is looked for.
        require("piper", extra="speech", what="the piper text-to-speech backend")
        path = model_need(options, context.models_dir, context.voice).locate()
        return cls(path, threads=options.threads, length_scale=options.length_scale)

    def __init__(self, voice_path: Path, threads: int = 1, length_scale: float | None = None) -> None:
        super().__init__("piper")
        model_need(PiperOptions(path=voice_path), voice_path.parent).locate()
        self.voice_path = voice_path
        self._config_dict = json.loads(Path(f"{voice_path}.json").read_text(encoding="utf-8"))
        self.sample_rate = int(self._config_dict["audio"]["sample_rate"])
        self.language = str(self._config_dict.get("espeak", {}).get("voice", "en-us"))
        self._threads = threads
        self._length_scale = length_scale

    def _load(self) -> None:
        onnxruntime = require("onnxruntime", extra="speech", what="the piper voice")
        piper = require("piper", extra="speech", what="the piper backend")
        from piper.config import PiperConfig, SynthesisConfig

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            self._model_bytes_with_alignments(), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._session = _TerminableSession(session, onnxruntime)
        self._voice = piper.PiperVoice(session=self._session, config=PiperConfig.from_dict(self._config_dict))
        self._syn_config = SynthesisConfig(length_scale=self._length_scale)

    def _model_bytes_with_alignments(self) -> bytes | str:
        """The voice with its duration tensor exposed (piper's own patch, done in memory)."""
        try:
            import onnx
            from piper.patch_voice_with_alignment import add_alignment_output
        except ImportError:
            log.warning("no onnx package: lip-sync timings are estimated (pip install 'piper-tts[alignment]')")
            return str(self.voice_path)
        model = onnx.load(str(self.voice_path))
        try:
            add_alignment_output(model)
        except ValueError as error:  # already patched on disk, or no duration tensor to expose
            log.debug("voice not patched for alignments: %s", error)
        return model.SerializeToString()

    def _synthesize(self, text: str, cancel: CancelToken) -> Iterator[SpeechAudio]:
        self._session.watch(cancel)
        try:
            for chunk in self._voice.synthesize(text, self._syn_config, include_alignments=True):
                audio = np.asarray(chunk.audio_float_array, dtype=np.float32).reshape(-1)
                phonemes: list[TimedPhoneme] = []  # empty: the base class estimates them
                if chunk.phoneme_alignments:
                    position = 0
                    for alignment in chunk.phoneme_alignments:
                        start = position / self.sample_rate
                        position += int(alignment.num_samples)
                        phonemes.append(TimedPhoneme(alignment.phoneme, start, position / self.sample_rate))
                yield SpeechAudio(text=text, samples=audio, sample_rate=self.sample_rate, phonemes=phonemes)
                if cancel.cancelled:
                    return
        except CancelledInWorkerError:
            return
        except Exception:
            if cancel.cancelled:  # the ONNX run was terminated on purpose
                return
            raise
        finally:
            self._session.watch(None)


class _TerminableSession:
    """piper's ONNX session, run with ``RunOptions`` so a cancelled clause can abort the run in progress."""

    def __init__(self, session: Any, onnxruntime: Any) -> None:
        self._session = session
        self._onnxruntime = onnxruntime
        self._lock = threading.Lock()
        self._cancel: CancelToken | None = None
        self._running: Any = None

    def watch(self, cancel: CancelToken | None) -> None:
        self._cancel = cancel
        if cancel is not None:
            cancel.on_cancel(self._terminate)

    def _terminate(self) -> None:
        with self._lock:
            if self._running is not None:
                self._running.terminate = True

    def run(self, output_names: Any, feed: Any) -> Any:
        options = self._onnxruntime.RunOptions()
        with self._lock:
            if self._cancel is not None and self._cancel.cancelled:
                raise CancelledInWorkerError
            self._running = options
        try:
            return self._session.run(output_names, feed, run_options=options)
        finally:
            with self._lock:
                self._running = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)
