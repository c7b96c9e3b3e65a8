"""The peer benchmark's workload (``../shared/peer-bench``), so companion runs exactly what Pipecat was timed on.

``companion bench latency --peer /tmp/peer`` reads what the peer harness built there (its ``run_all.sh`` or
``build_models.py`` and ``make_inputs.py``): the real-size random Whisper tiny (CTranslate2), the Qwen2.5-0.5B-size
LLM, the piper low-size voice, and the four espeak questions with their measured speech ends. The system prompt and
the fixed reply come from the harness's ``common.py``, read as data (never executed). The language model is the
peer's own OpenAI-compatible server (``--llm-url``, started with the harness's ``llm_server.py``) so both
frameworks ask one server, or the same checkpoint in-process, forced to the same reply.

Speech-to-text is held to the peer's accommodation for random weights: one temperature-0 pass (Pipecat's beam 5
unless ``--stt-beam`` says otherwise) that decodes exactly the question's estimated token count with
end-of-text suppressed; the words come from ``KnownWords`` (known_words.py), as the harness answers with the
question's text.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from companion.core.errors import InputError
from companion.core.worker import CancelToken
from companion.speech.sources import read_audio_file
from companion.speech.stt.faster_whisper import FasterWhisperSTT
from companion.speech.stt.moonshine import MoonshineSTT
from companion.speech.types import Transcript
from companion.tools.bench.known_words import SpokenQuestion

END_OF_TEXT = 50257  # Whisper's <|endoftext|>, suppressed as the peer harness does


@dataclass(frozen=True)
class PeerQuestion(SpokenQuestion):
    """One of the harness's questions; its speech end is the energy-threshold one (the peer's t_eos)."""

    stt_tokens: int = 12  # what real Whisper would emit for it (the peer's estimate)


@dataclass(frozen=True)
class PeerWorkload:
    stt: Path
    llm: Path
    tts: Path
    questions: list[PeerQuestion]
    system_prompt: str
    reply: str


def _constants(common: Path) -> dict[str, object]:
    """The literal assignments of a Python file, read without running it."""
    values: dict[str, object] = {}
    for node in ast.parse(common.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue  # not a literal (REPLY_TEXT = "".join(...))
    return values


def load_peer_workload(peer_dir: Path, harness_dir: Path) -> PeerWorkload:
    """The workload under ``peer_dir`` (models/, inputs/) with the prompt and reply of ``harness_dir/common.py``."""
    models, inputs = peer_dir / "models", peer_dir / "inputs"
    paths = {
        "speech-to-text model": models / "whisper-tiny-ct2" / "model.bin",
        "language model": models / "llm-qwen2.5-0.5b" / "config.json",
        "voice": models / "piper-voice" / "en_US-random-low.onnx",
        "questions": inputs / "manifest.json",
        "system prompt and reply": harness_dir / "common.py",
    }
    missing = [f"{what} ({path})" for what, path in paths.items() if not path.is_file()]
    if missing:
        raise InputError(
            "the peer workload is incomplete: missing " + ", ".join(missing),
            f"build it with the harness: cd {harness_dir} && python build_models.py --out {models} && "
            f"python make_inputs.py --out {inputs} (README there)",
        )
    constants = _constants(paths["system prompt and reply"])
    pieces = constants.get("REPLY_PIECES")
    prompt = constants.get("SYSTEM_PROMPT")
    if not isinstance(prompt, str) or not isinstance(pieces, list):
        raise InputError(f"{paths['system prompt and reply']} has no SYSTEM_PROMPT string or REPLY_PIECES list")
    manifest = json.loads(paths["questions"].read_text(encoding="utf-8"))
    questions = [
        PeerQuestion(
            text=entry["text"],
            audio=read_audio_file(inputs / Path(entry["file"]).name),
            speech_start_s=float(entry["speech_start"]),
            speech_end_s=float(entry["speech_end"]),
            stt_tokens=int(entry["whisper_tokens"]),
        )
        for entry in manifest
    ]
    return PeerWorkload(
        stt=models / "whisper-tiny-ct2",
        llm=models / "llm-qwen2.5-0.5b",
        tts=paths["voice"],
        questions=questions,
        system_prompt=prompt,
        reply="".join(str(p) for p in pieces),
    )


class PeerWhisper(FasterWhisperSTT):
    """faster-whisper on the peer's random Whisper, held to the peer harness's settings (module docstring).
    ``question`` is the one being asked now."""

    question: PeerQuestion | None = None

    def decode_options(self, audio: np.ndarray) -> dict[str, Any]:
        tokens = self.question.stt_tokens if self.question is not None else 12
        return {
            **super().decode_options(audio),
            "language": "en",
            "temperature": 0.0,
            "max_new_tokens": tokens,
            "suppress_tokens": [-1, END_OF_TEXT],  # exactly ``tokens``; KnownWords supplies the words
        }


class PeerMoonshine(MoonshineSTT):
    """Moonshine (the bench's moonshine-tiny-size model) held to the same rules as ``PeerWhisper``: exactly the
    question's estimated token count, the known words its audio covers."""

    question: PeerQuestion | None = None

    def _transcribe(self, audio: np.ndarray, partial: bool, cancel: CancelToken) -> Transcript:
        if self.question is not None:
            self._max_new_tokens = self.question.stt_tokens
        return super()._transcribe(audio, partial, cancel)  # KnownWords supplies the words
