"""Pulls emotion tags out of streamed reply text.

The persona prompt asks the model to start each reply with a tag such as ``[happy]`` or ``[sad:0.4]`` and allows
more tags mid-reply. Text arrives token by token, so a tag may be split across pieces; this parser holds back
only what could still become a tag. Tags are removed from the spoken text and turned into ``EmotionState``s
folded onto the fixed emotion set. ``[breathe in 4]`` / ``[breathe out 6]`` are breathing cues (paced breathing):
the face takes that breath from the next clause on. Stage directions such as ``*smiles*`` are not spoken either.
Bracketed words that name no emotion (``[laughs]``, ``[pause]``) are dropped rather than read aloud.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from companion.face.emotions import Emotion, EmotionState, normalize_emotion

DEFAULT_TAG_INTENSITY = 0.7
_MAX_TAG_CHARS = 40
_TAG = re.compile(r"^\s*(?:emotion\s*[=:]\s*)?([A-Za-z][A-Za-z\- ]*?)\s*(?:[:=,\s]\s*(\d*\.?\d+))?\s*$")
# Stage directions worth showing on the face.
_ACTION_EMOTIONS = {
    "smiles": Emotion.HAPPY,
    "smile": Emotion.HAPPY,
    "grins": Emotion.HAPPY,
    "laughs": Emotion.HAPPY,
    "laughing": Emotion.HAPPY,
    "chuckles": Emotion.HAPPY,
    "giggles": Emotion.HAPPY,
    "sighs": Emotion.SAD,
    "frowns": Emotion.SAD,
    "gasps": Emotion.SURPRISED,
    "nods": Emotion.LISTENING,
    "ponders": Emotion.THINKING,
    "thinks": Emotion.THINKING,
}


@dataclass(frozen=True)
class TextPiece:
    text: str


@dataclass(frozen=True)
class EmotionChange:
    state: EmotionState


@dataclass(frozen=True)
class BreathCue:
    """``[breathe in 4]`` / ``[breathe out 6]``: the face breathes with the person from the next clause on."""

    phase: str  # "in" or "out"
    seconds: float


Parsed = TextPiece | EmotionChange | BreathCue
_BREATH = re.compile(r"^\s*breathe?\s+(in|out)\s+(\d+(?:\.\d+)?)\s*s?\s*$", re.IGNORECASE)
MAX_BREATH_S = 20.0


def parse_breath(body: str) -> BreathCue | None:
    """A breathing cue's inside (``breathe in 4``), or None."""
    match = _BREATH.match(body)
    if match is None:
        return None
    seconds = float(match.group(2))
    return BreathCue(match.group(1).lower(), seconds) if 0 < seconds <= MAX_BREATH_S else None


def parse_tag(body: str) -> EmotionState | None:
    """The emotion a tag's inside names (``happy``, ``sad:0.4``, ``emotion=joy 0.8``), or None."""
    match = _TAG.match(body)
    if not match:
        return None
    word = match.group(1).strip().lower()
    emotion = normalize_emotion(word) or _ACTION_EMOTIONS.get(word)
    if emotion is None:
        return None
    intensity = float(match.group(2)) if match.group(2) else DEFAULT_TAG_INTENSITY
    if intensity > 1.0:  # "[happy:80]" means percent
        intensity /= 100.0
    return EmotionState(emotion, intensity)


class EmotionTagParser:
    """Feed text pieces in; get spoken text and emotion changes out, in order."""

    _OPEN: ClassVar[dict[str, str]] = {"[": "]", "*": "*", "<": ">"}

    def __init__(self) -> None:
        self._pending = ""  # text that may still turn out to be a tag
        self.tags_seen = 0

    def feed(self, piece: str) -> Iterator[Parsed]:
        self._pending += piece
        yield from self._drain(final=False)

    def close(self) -> Iterator[Parsed]:
        yield from self._drain(final=True)

    def _drain(self, final: bool) -> Iterator[Parsed]:
        text = self._pending
        out: list[str] = []
        i = 0
        while i < len(text):
            char = text[i]
            closer = self._OPEN.get(char)
            if closer is None:
                out.append(char)
                i += 1
                continue
            end = text.find(closer, i + 1)
            if end == -1:
                if not final and len(text) - i <= _MAX_TAG_CHARS and "\n" not in text[i:]:
                    break  # maybe a tag still arriving: hold it back
                out.append(char)  # too long or never closed: it was ordinary text
                i += 1
                continue
            body = text[i + 1 : end]
            if len(body) > _MAX_TAG_CHARS or "\n" in body or not body.strip():
                out.append(char)
                i += 1
                continue
            if char == "[" and (cue := parse_breath(body)) is not None:
                if out:
                    yield TextPiece("".join(out))
                    out = []
                yield cue
                i = end + 1
                continue
            state = parse_tag(body)
            if char == "<" and state is None:
                out.append(char)  # "<" is ordinary text unless it holds an emotion
                i += 1
                continue
            if out:
                yield TextPiece("".join(out))
                out = []
            if state is not None:
                self.tags_seen += 1
                yield EmotionChange(state)
            i = end + 1
        self._pending = text[i:]
        if out:
            yield TextPiece("".join(out))
