"""Text-to-speech: the interface, a threaded base class, and the piper backend with exact phoneme alignments.

piper-tts is GPL-3.0-or-later; it stays behind this interface (README, "Licence"). Lip-sync is built on the
decoder's real phoneme durations: the voice is loaded with its duration tensor (a ``Ceil`` node) exposed as an
extra output, patched in memory as piper itself does, so every clause comes with exact per-phoneme timings.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from companion.core.errors import ModelMissingError
from companion.core.worker import ModelWorker
from companion.speech.types import SpeechAudio, TimedPhoneme

log = logging.getLogger(__name__)


@runtime_checkable
class TextToSpeech(Protocol):
    sample_rate: int

    async def synthesize(self, text: str) -> SpeechAudio:
        """Audio and phoneme timings for one clause."""
        ...

    async def warm_up(self) -> None: ...

    async def close(self) -> None: ...


class ThreadedTextToSpeech:
    """Runs ``_synthesize`` in the voice's own worker thread. A new backend implements ``_load``/``_synthesize``."""

    sample_rate = 22050

    def __init__(self, name: str) -> None:
        self._worker = ModelWorker(f"tts-{name}")
        self._loaded = False

    def _load(self) -> None:
        raise NotImplementedError

    def _synthesize(self, text: str) -> SpeechAudio:
        raise NotImplementedError

    def _call(self, text: str) -> SpeechAudio:
        if not self._loaded:
            self._load()
            self._loaded = True
        return self._synthesize(text)

    async def synthesize(self, text: str) -> SpeechAudio:
        return await self._worker.run(self._call, text)

    async def warm_up(self) -> None:
        await self.synthesize("Hello.")

    async def close(self) -> None:
        self._worker.shutdown()


class PiperTTS(ThreadedTextToSpeech):
    def __init__(self, voice_path: Path, threads: int = 1, length_scale: float | None = None) -> None:
        super().__init__("piper")
        config_path = Path(f"{voice_path}.json")
        if not voice_path.is_file() or not config_path.is_file():
            raise ModelMissingError(
                "piper voice", [voice_path, config_path], "run `companion models fetch` (or set models.tts.path)"
            )
        self.voice_path = voice_path
        self._config_dict = json.loads(config_path.read_text(encoding="utf-8"))
        self.sample_rate = int(self._config_dict["audio"]["sample_rate"])
        self._threads = threads
        self._length_scale = length_scale

    def _load(self) -> None:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig, SynthesisConfig

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            self._model_bytes_with_alignments(), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._voice = PiperVoice(session=session, config=PiperConfig.from_dict(self._config_dict))
        self._syn_config = SynthesisConfig(length_scale=self._length_scale)

    def _model_bytes_with_alignments(self) -> bytes | str:
        """The voice with its duration tensor exposed (piper's own patch, done in memory)."""
        try:
            import onnx
            from piper.patch_voice_with_alignment import add_alignment_output
        except ImportError:
            log.warning("the onnx package is missing: no exact lip-sync timings (pip install 'piper-tts[alignment]')")
            return str(self.voice_path)
        model = onnx.load(str(self.voice_path))
        try:
            add_alignment_output(model)
        except ValueError as error:  # already patched on disk, or no duration tensor to expose
            log.debug("voice not patched for alignments: %s", error)
        return model.SerializeToString()

    def _synthesize(self, text: str) -> SpeechAudio:
        pieces: list[np.ndarray] = []
        phonemes: list[TimedPhoneme] = []
        offset = 0  # samples
        for chunk in self._voice.synthesize(text, self._syn_config, include_alignments=True):
            audio = np.asarray(chunk.audio_float_array, dtype=np.float32).reshape(-1)
            if chunk.phoneme_alignments:
                position = offset
                for alignment in chunk.phoneme_alignments:
                    start = position / self.sample_rate
                    position += int(alignment.num_samples)
                    phonemes.append(TimedPhoneme(alignment.phoneme, start, position / self.sample_rate))
            else:
                phonemes.extend(_spread_evenly(chunk.phonemes, offset, len(audio), self.sample_rate))
            pieces.append(audio)
            offset += len(audio)
        samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
        return SpeechAudio(text=text, samples=samples, sample_rate=self.sample_rate, phonemes=phonemes)


def _spread_evenly(symbols: list[str], offset: int, length: int, rate: int) -> list[TimedPhoneme]:
    """Fallback for a voice without alignments: equal time per phoneme. Lip-sync is approximate then."""
    if not symbols or length == 0:
        return []
    step = length / len(symbols)
    return [
        TimedPhoneme(symbol, (offset + i * step) / rate, (offset + (i + 1) * step) / rate)
        for i, symbol in enumerate(symbols)
    ]
