"""Reading the peer benchmark's workload, and the peer STT's words for audio that ends mid-question."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from companion.core.errors import InputError
from companion.speech.types import Transcript
from companion.tools.bench.known_words import KnownWords, heard_words
from companion.tools.bench.peer_workload import PeerQuestion, load_peer_workload

COMMON = """
SYSTEM_PROMPT = ("You are Robo, a friendly robot. "
                 "Answer in one short sentence.")
REPLY_PIECES = ["Sure", ".", " Come", " in", "."]
REPLY_TEXT = "".join(REPLY_PIECES)
"""


def write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes((samples * 32767).astype("<i2").tobytes())


def make_peer(root: Path) -> tuple[Path, Path]:
    peer, harness = root / "peer", root / "harness"
    for folder in ("models/whisper-tiny-ct2", "models/llm-qwen2.5-0.5b", "models/piper-voice", "inputs"):
        (peer / folder).mkdir(parents=True)
    (peer / "models/whisper-tiny-ct2/model.bin").write_bytes(b"x")
    (peer / "models/llm-qwen2.5-0.5b/config.json").write_text("{}")
    (peer / "models/piper-voice/en_US-random-low.onnx").write_bytes(b"x")
    rng = np.random.default_rng(0)
    audio = np.concatenate([np.zeros(4800), rng.uniform(-0.5, 0.5, 32000), np.zeros(8000)]).astype(np.float32)
    write_wav(peer / "inputs/q0.wav", audio)
    entry = {"file": "/elsewhere/q0.wav", "text": "one two three four", "speech_start": 0.3, "speech_end": 2.3,
             "whisper_tokens": 8}  # fmt: skip
    (peer / "inputs/manifest.json").write_text(json.dumps([entry]))
    harness.mkdir()
    (harness / "common.py").write_text(COMMON)
    return peer, harness


def test_the_workload_is_read_without_running_the_harness(tmp_path: Path) -> None:
    peer, harness = make_peer(tmp_path)
    workload = load_peer_workload(peer, harness)
    assert workload.system_prompt == "You are Robo, a friendly robot. Answer in one short sentence."
    assert workload.reply == "Sure. Come in."
    (question,) = workload.questions
    assert question.text == "one two three four" and question.stt_tokens == 8
    assert len(question.audio) == 44800 and question.speech_end_s == 2.3


def test_a_missing_part_is_named_with_how_to_build_it(tmp_path: Path) -> None:
    peer, harness = make_peer(tmp_path)
    (peer / "inputs/manifest.json").unlink()
    with pytest.raises(InputError, match="missing questions") as caught:
        load_peer_workload(peer, harness)
    assert "make_inputs.py" in caught.value.hint


def test_a_draft_hears_the_words_its_audio_covers(tmp_path: Path) -> None:
    peer, harness = make_peer(tmp_path)
    question: PeerQuestion = load_peer_workload(peer, harness).questions[0]
    audio = question.audio
    # The session's utterance audio starts a little before the speech; where it ends is what counts.
    assert heard_words(question, audio[3000 : 4800 + 16000]) == "one two"  # half the speech
    assert heard_words(question, audio[3000 : 4800 + 8000]) == "one"
    assert heard_words(question, audio[3000:]) == "one two three four"
    assert heard_words(question, np.zeros(16000, np.float32)) == ""


class CountingSTT:
    """Stands in for a random-weight model: costs a call, writes nonsense."""

    busy = True

    def __init__(self) -> None:
        self.calls = 0

    async def transcribe(self, audio: np.ndarray, *, partial: bool = False) -> Transcript:
        self.calls += 1
        return Transcript(text="w123 w456 w789", is_final=not partial)


async def test_known_words_run_the_model_and_answer_with_the_question(tmp_path: Path) -> None:
    peer, harness = make_peer(tmp_path)
    question = load_peer_workload(peer, harness).questions[0]
    inner = CountingSTT()
    stt = KnownWords(inner)  # type: ignore[arg-type]
    stt.question = question
    draft = await stt.transcribe(question.audio[: 4800 + 8000], partial=True)
    final = await stt.transcribe(question.audio)
    assert (draft.text, draft.is_final) == ("one", False)
    assert (final.text, final.is_final) == ("one two three four", True)
    assert inner.calls == 2 and stt.busy
