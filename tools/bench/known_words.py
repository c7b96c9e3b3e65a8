"""What a trained speech-to-text model would have heard, for benchmarks on random weights.

A random-weight model costs what the real one does but writes nonsense, and nonsense of another length than the
question: the language model would then prefill a different prompt for each backend. ``KnownWords`` runs the real
model (its cost is the measurement) and answers with the question's own words, cut to the share of the speech the
audio covers, so a draft made mid-question can never pass for the whole question. The peer harness answers with
the question's text the same way (../shared/peer-bench/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from companion.speech.stt.base import ThreadedSpeechToText
from companion.speech.types import INPUT_SAMPLE_RATE, Transcript

VOICED = 0.02  # a sample louder than this is speech


@dataclass(frozen=True)
class SpokenQuestion:
    text: str
    audio: np.ndarray  # the file as played, silence included
    speech_start_s: float
    speech_end_s: float


def heard_words(question: SpokenQuestion | None, audio: np.ndarray) -> str:
    """The question's words that ``audio`` covers, in proportion to the speech it holds: its last voiced samples
    are found in the question's file (the session passes them through unchanged)."""
    voiced = np.nonzero(np.abs(audio) > VOICED)[0]
    if question is None or len(voiced) == 0:
        return ""
    last = int(voiced[-1])
    window = audio[max(0, last - 159) : last + 1]
    found = [
        int(j) + len(window) - 1
        for j in np.nonzero(question.audio == window[0])[0]
        if np.array_equal(question.audio[j : j + len(window)], window)
    ]
    if not found:
        return question.text  # not this question's audio (a warm-up): nothing to cut
    heard_s = found[0] / INPUT_SAMPLE_RATE
    share = (heard_s - question.speech_start_s) / max(1e-3, question.speech_end_s - question.speech_start_s)
    words = question.text.split()
    return " ".join(words[: max(0, min(len(words), round(len(words) * share)))])


class KnownWords:
    """Runs ``inner`` for its cost; the transcript's text is ``heard_words`` of the question being asked."""

    def __init__(self, inner: ThreadedSpeechToText) -> None:
        self.inner = inner
        self.question: SpokenQuestion | None = None

    @property
    def busy(self) -> bool:
        return self.inner.busy

    async def transcribe(self, audio: np.ndarray, *, partial: bool = False) -> Transcript:
        transcript = await self.inner.transcribe(audio, partial=partial)
        return replace(transcript, text=heard_words(self.question, audio))

    async def warm_up(self) -> None:
        await self.inner.warm_up()

    async def close(self) -> None:
        await self.inner.close()
