"""What surrounds an answer in speech: filler words, giving up, asking again, and correcting oneself.

Transcripts come from speech-to-text (faster-whisper) or a keyboard, with or without capitals and punctuation.
Everything here works on lowercase words, so "Um, I think it's B." and "um i think its b" read the same. Each list
is about how people talk, not about any one question; words that occur in a question's own answers are never
treated as filler or as a correction (an option called "Well" stays an answer).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

_WORD = re.compile(r"\d*\.\d+|\d+/\d+|[a-z0-9]+(?:'[a-z]+)*|%")

_FILLER_WORDS = "um umm uh uhh uhm er erm err hmm hm mm mmm ah ahh eh oh well so like okay ok maybe perhaps probably \
possibly please guess".split()
_FILLER_PHRASES = """i think|i guess|i believe|i suppose|i'd say|i would say|i'll say|i say|i'll go with|i'd go with
|i go with|i'll pick|i pick|i choose|i'll choose|let's say|let me think|let me see|my guess is|my answer is
|the answer is|answer is|is it|it's|its|it is|is that|that's|that is|would it be|could it be|it must be|it should be
|it would be|it could be|it might be|it may be|must be|should be|could be|might be|would be|i'm guessing
|i am guessing|i'm going to say|i am going to say|i'm gonna say|gonna say|going to say""".replace("\n", "").split("|")
# Longest first, so "it is" goes before "it" could ever match alone.
FILLERS: tuple[list[str], ...] = tuple(
    sorted([p.split() for p in _FILLER_PHRASES] + [[w] for w in _FILLER_WORDS], key=lambda phrase: -len(phrase))
)

_GIVE_UP_ANYWHERE = re.compile(
    r"\b(?:i\s+)?(?:really\s+)?(?:do\s+not|don't|dont|do\s+n't)\s+know(?:\s+(?:that|this|it))?\b|\bdunno\b|\bidk\b"
    r"|\b(?:i\s+have\s+|i've\s+got\s+|i've\s+|i\s+got\s+)?(?:no|not\s+a)\s+(?:idea|clue)\b"
    r"|\b(?:i'm\s+|i\s+am\s+)?not\s+sure\b|\b(?:i\s+)?give\s+up\b|\bi'm\s+giving\s+up\b|\b(?:you\s+)?tell\s+me\b"
    r"|\bbeats\s+me\b|\bi\s+forg[eo]t\b|\b(?:i\s+)?(?:can't|cannot|can\s+not|don't)\s+remember\b"
    r"|\bwhat(?:\s+is|'s)\s+the\s+answer\b|\bshow\s+me\s+the\s+answer\b|\bnext\s+question\b"
    r"|\b(?:let's\s+|can\s+we\s+|i'll\s+)?skip(?:\s+(?:it|this|that|this\s+one))?\b|\bi\s+pass\b|\bno\s+clue\b"
)
_GIVE_UP_WHOLE = re.compile(r"^(?:pass|next|nothing|no\s+answer|i\s+have\s+no\s+answer|help)$")
_ASKS_AGAIN = re.compile(
    r"^(?:sorry\s*)?(?:(?:can|could|would)\s+(?:you\s+)?)?(?:please\s+)?(?:repeat(?:\s+(?:that|it|the\s+question|"
    r"please))?|say\s+(?:that|it)\s+again|again|come\s+again|pardon(?:\s+me)?|what|huh|excuse\s+me|sorry"
    r"|what\s+did\s+you\s+(?:just\s+)?say|what\s+was\s+the\s+question|what\s+do\s+you\s+mean|i\s+didn't\s+hear"
    r"(?:\s+you|\s+that)?)(?:\s+please)?$"
)
_CORRECTIONS = (
    "no wait|no sorry|no no|wait|hang on|i mean|sorry|actually|or rather|rather|make that|scratch that|oops"
    "|correction|change my answer to|change my answer|let me change that to|let me change that"
).split("|")


def normalise(text: str) -> str:
    """Lowercase, straight apostrophes, no punctuation but what numbers need ("0.75", "3/4", "75%", "-3")."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("`", "'")
    text = re.sub(r"[^a-z0-9'.,/%\-\s½⅓⅔¼¾⅕⅛⅜]", " ", text)
    text = re.sub(r"\.(?![0-9])", " , ", text)  # full stops are breaks; decimal points (".75", "0.75") stay
    text = re.sub(r"(?<=[0-9]),(?=[0-9]{3}\b)", "", text)  # 1,200
    text = re.sub(r",", " , ", text)
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", text)  # quotes, not apostrophes
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> list[str]:
    """The words of a normalised text (numbers, "3/4" and contractions stay whole; breaks are dropped)."""
    return _WORD.findall(text)


def strip_fillers(tokens: list[str], keep: Collection[str] = ()) -> list[str]:
    """``tokens`` without filler words and phrases ("um", "I think", "it's", "maybe"), unless ``keep`` has them."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for phrase in FILLERS:
            if tokens[i : i + len(phrase)] == phrase and not any(word in keep for word in phrase):
                i += len(phrase)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def take_give_up(text: str, keep: Collection[str] = ()) -> tuple[str, bool]:
    """``text`` without "I don't know", "no idea", "tell me", "skip" ..., and whether any was said."""
    if _GIVE_UP_WHOLE.match(" ".join(strip_fillers(words(text), keep))):
        return "", True
    rest, count = _GIVE_UP_ANYWHERE.subn(" , ", text)
    if count and any(word in keep for match in _GIVE_UP_ANYWHERE.finditer(text) for word in match.group().split()):
        return text, False  # the phrase is part of an answer
    return rest, count > 0


def asks_again(text: str) -> bool:
    """The learner asks for the question again ("sorry?", "can you repeat that") rather than answering."""
    return bool(_ASKS_AGAIN.match(" ".join(words(text))))


def correction_segments(text: str, keep: Collection[str] = (), *, no_corrects: bool = True) -> list[str]:
    """``text`` cut where the speaker corrects themselves ("B, no wait, C"; "twelve, I mean thirteen"), last part
    first. "no" counts as a correction only when ``no_corrects`` (not for yes/no questions)."""
    markers = [m for m in _CORRECTIONS if not any(word in keep for word in m.split())]
    if no_corrects and "no" not in keep:
        markers.append("no")
    pattern = r"\b(?:" + "|".join(re.escape(m).replace(r"\ ", r"\s+") for m in markers) + r")\b"
    parts = [part.strip(" ,") for part in re.split(pattern, text)]
    return [part for part in reversed(parts) if part] or [text]


def vocabulary(texts: Iterable[str]) -> set[str]:
    """The words of a question's own answers (never mistaken for filler or corrections)."""
    return {word for text in texts for word in words(normalise(text))}
