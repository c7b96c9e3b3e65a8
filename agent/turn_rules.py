"""Small judgements the turn-taker makes about words: does this sound finished? is it just "mhm"?

Pure functions of text, so they are easy to test and to tune per language. English word lists for now; other
languages fall back to punctuation only (documented in README, "Turn-taking").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A phrase ending in one of these is very likely to go on ("I was wondering if ...").
_CONTINUATION_WORDS = frozenset(
    """
    and but or so because cause since although though unless until while whereas if then than that which who
    whom whose where when whether the a an this these those my your his her its our their to of in on at for
    with from by about into onto over under like as um uh er erm hmm well also plus nor yet i i'm i'd i'll we
    you he she they it's is are was were be been being have has had do does did can could would should will
    shall may might must not very really just maybe kind sort
    """.split()
)
_FILLERS = frozenset({"um", "uh", "er", "erm", "hmm", "mm", "uhm"})
_WORDS = re.compile(r"[a-z0-9']+")


def normalize(text: str) -> str:
    """Lower case words only: what two transcripts of the same speech have in common."""
    return " ".join(_WORDS.findall(text.lower()))


def sounds_unfinished(text: str) -> bool:
    """True when the transcript probably stops mid-thought (trailing conjunction, comma, filler, ellipsis)."""
    stripped = text.strip()
    if not stripped:
        return False
    if stripped.endswith(("...", "…", ",", "-", "–", "—")):
        return True
    if stripped[-1] in ".!?":
        return False
    words = _WORDS.findall(stripped.lower())
    return bool(words) and words[-1] in _CONTINUATION_WORDS


def is_backchannel(text: str, backchannels: Iterable[str], max_words: int = 3) -> bool:
    """True when everything said is a backchannel ("mhm", "yeah okay", "right right"): listening, not a turn."""
    normalized = normalize(text)
    if not normalized:
        return True  # a cough or noise: nothing to answer
    phrases = sorted({normalize(b) for b in backchannels if normalize(b)}, key=len, reverse=True)
    words = normalized.split()
    if len(words) > max_words:
        return False
    rest = normalized
    while rest:
        for phrase in phrases:
            if rest == phrase or rest.startswith(phrase + " "):
                rest = rest[len(phrase) :].strip()
                break
        else:
            return rest in _FILLERS
    return True


def says_any(text: str, phrases: Iterable[str]) -> bool:
    """True when ``text`` contains one of ``phrases`` as whole words ("stop", "hold on")."""
    words = f" {normalize(text)} "
    return any(f" {normalize(p)} " in words for p in phrases if normalize(p))


def is_false_interruption(
    text: str, speech_s: float, backchannels: Iterable[str], short_s: float, interrupt_words: Iterable[str]
) -> bool:
    """An interruption that should not take the turn: a backchannel, or a short burst with no interrupt word.

    The duration matters because a transcript of a 300 ms "mm-hm" is often wrong, and people's short reactions
    ("oh!", a laugh) are listening, not taking the floor; "stop" or "wait" always interrupt, however short.
    """
    if says_any(text, interrupt_words):
        return False
    return is_backchannel(text, backchannels) or speech_s <= short_s
