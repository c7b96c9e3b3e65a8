"""Phoneme timings for speech whose engine reports none (a Wyoming server, most cloud voices): an estimate.

Lip-sync needs ``TimedPhoneme`` s in espeak IPA (``companion.face.phonemes``). When a TTS gives only audio, the
text is phonemized with espeak-ng (the copy bundled in the piper-tts wheel, so it works offline) in the voice's
language, and the phonemes are spread over the part of the audio that is voiced, in proportion to how long each
kind of sound typically lasts (vowels longer than consonants, marks not at all; Klatt's duration tables give
vowels about 1.5x a consonant's length). Without espeak-ng the letters of the text stand in for phonemes
(vowel letters open the mouth, p/b/m close it), which keeps the jaw moving in time with the voice.

It is an estimate: lips and sound can drift apart by a syllable inside a long sentence, and they meet again at
its ends (the voiced span is measured from the audio). Exact timings need an engine that reports durations;
piper does (``speech/tts/piper.py``).
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Sequence

import numpy as np

from companion.face.phonemes import TimedPhoneme

log = logging.getLogger(__name__)

_FRAME_S = 0.01
_VOICED_DB = -35.0  # below the loudest frame: quieter frames at the ends are silence
_VOWEL_WEIGHT = 1.5
_CONSONANT_WEIGHT = 1.0
_PAUSE_WEIGHT = 0.8  # a comma or a space between words
_VOWELS = set("aeiouyæɑɐʌɛəɜɪɨʊʉɔɒøœɘɵɤɯ")
_MARKS = set("ˈˌːˑ")
_PAUSES = set(" ,;:.!?-")

_espeak_lock = threading.Lock()  # espeak-ng keeps global state: one phonemization at a time
_espeak: object | None = None
_espeak_failed = False


def estimate_phonemes(
    text: str, samples: np.ndarray, sample_rate: int, language: str | None = "en"
) -> list[TimedPhoneme]:
    """Phonemes of ``text`` spread over the voiced part of ``samples`` (float32 mono at ``sample_rate``)."""
    duration = len(samples) / sample_rate if sample_rate else 0.0
    if duration <= 0.0:
        return []
    symbols = phonemize(text, language) or list(_letters(text))
    start, end = voiced_span(samples, sample_rate)
    if not symbols or end <= start:
        return [TimedPhoneme("^", 0.0, duration)]
    weights = np.array([_weight(symbol) for symbol in symbols], dtype=np.float64)
    if weights.sum() <= 0:
        return [TimedPhoneme("^", 0.0, duration)]
    edges = start + (end - start) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    timed = [TimedPhoneme("^", 0.0, start)]
    timed += [TimedPhoneme(s, float(a), float(b)) for s, a, b in zip(symbols, edges[:-1], edges[1:], strict=True)]
    timed.append(TimedPhoneme("$", end, duration))
    return timed


def phonemize(text: str, language: str | None) -> list[str]:
    """espeak-ng IPA symbols of ``text``, one entry per code point as piper's voices take them ([] if unavailable)."""
    global _espeak, _espeak_failed
    if _espeak_failed or not text.strip():
        return []
    with _espeak_lock:
        try:
            if _espeak is None:
                from piper.phonemize_espeak import EspeakPhonemizer

                _espeak = EspeakPhonemizer()
            sentences = _espeak.phonemize(_espeak_voice(language), text)  # type: ignore[attr-defined]
        except Exception as error:  # no piper, no espeak data, an unknown voice: fall back to letters
            _espeak_failed = True
            log.info("no espeak-ng phonemizer (%s): lip-sync timings estimated from the letters", error)
            return []
    return [symbol for sentence in sentences for symbol in sentence]


def voiced_span(samples: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """(start, end) seconds of the part of the audio within ``_VOICED_DB`` of its loudest 10 ms frame."""
    frame = max(1, int(_FRAME_S * sample_rate))
    count = len(samples) // frame
    if count == 0:
        return 0.0, len(samples) / sample_rate
    frames = np.asarray(samples[: count * frame], dtype=np.float64).reshape(count, frame)
    level = np.sqrt(np.mean(frames**2, axis=1)) + 1e-12
    voiced = np.flatnonzero(20 * np.log10(level / level.max()) > _VOICED_DB)
    if level.max() < 1e-6 or len(voiced) == 0:
        return 0.0, 0.0
    return voiced[0] * frame / sample_rate, (voiced[-1] + 1) * frame / sample_rate


def _espeak_voice(language: str | None) -> str:
    if not language:
        return "en-us"
    language = language.lower()
    return "en-us" if language == "en" else language


def _weight(symbol: str) -> float:
    if symbol in _MARKS or unicodedata.combining(symbol):
        return 0.0
    if symbol in _PAUSES:
        return _PAUSE_WEIGHT
    return _VOWEL_WEIGHT if symbol in _VOWELS else _CONSONANT_WEIGHT


def _letters(text: str) -> Sequence[str]:
    """The text's letters as rough phonemes: enough for a jaw that opens on vowels and closes on p/b/m."""
    out: list[str] = []
    for char in unicodedata.normalize("NFD", text.lower()):
        if char.isalpha() and char.isascii():
            out.append(char)
        elif char in _PAUSES and (not out or out[-1] not in _PAUSES):
            out.append(" " if char == "-" else char)
    return out
