"""Synthetic TTS alignments for lip-sync tests."""

from __future__ import annotations

from companion.face.phonemes import TimedPhoneme


def timed(*entries: tuple[str, float]) -> list[TimedPhoneme]:
    """Consecutive alignment entries from (symbol, duration in seconds), starting at 0."""
    out: list[TimedPhoneme] = []
    t = 0.0
    for symbol, duration in entries:
        out.append(TimedPhoneme(symbol, t, t + duration))
        t += duration
    return out
