"""Visemes: the mouth shapes of speech, the phoneme-to-viseme table, and folding piper's alignments into segments.

Lip-sync works on visemes, not phonemes: many phonemes look alike (p, b, m all close the lips). The set is the
15 Oculus/MPEG-4-style visemes. piper reports its alignment per phoneme *symbol*, so stress and length marks,
diacritics, spaces and punctuation arrive as entries with their own durations; ``fold_phonemes`` gives their time
to the neighbour that owns it and returns contiguous viseme segments. docs/FACE.md has the tables.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from companion.face.phonemes import TimedPhoneme

VISEMES: tuple[str, ...] = ("sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "I", "O", "U")
VISEME_INDEX: dict[str, int] = {name: i for i, name in enumerate(VISEMES)}
VOWEL_VISEMES: frozenset[str] = frozenset({"aa", "E", "I", "O", "U"})

# The channels speech drives: the jaw on its own, the lips (and tongue) as a second group.
JAW_CHANNELS: tuple[str, ...] = ("jawOpen",)
LIP_CHANNELS: tuple[str, ...] = (
    "mouthClose", "mouthFunnel", "mouthPucker", "mouthPressLeft", "mouthPressRight", "mouthRollLower",
    "mouthRollUpper", "mouthUpperUpLeft", "mouthUpperUpRight", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthStretchLeft", "mouthStretchRight", "tongueOut",
)  # fmt: skip
SPEECH_CHANNELS: tuple[str, ...] = JAW_CHANNELS + LIP_CHANNELS


def _both(name: str, value: float) -> dict[str, float]:
    return {f"{name}Left": value, f"{name}Right": value}


# Poses at full articulation (ARKit coefficients). Jaw and lips are separate so a rig can move them separately;
# PP keeps the jaw shut and presses the lips, U/O pucker, SS/I spread, TH shows the tongue.
VISEME_TARGETS: dict[str, dict[str, float]] = {
    "sil": {},
    "PP": {"jawOpen": 0.0, "mouthClose": 0.55, **_both("mouthPress", 0.45), "mouthRollLower": 0.15,
           "mouthRollUpper": 0.1},
    "FF": {"jawOpen": 0.06, "mouthRollLower": 0.55, **_both("mouthUpperUp", 0.3), **_both("mouthPress", 0.1)},
    "TH": {"jawOpen": 0.14, "tongueOut": 0.35, **_both("mouthUpperUp", 0.12), **_both("mouthLowerDown", 0.12)},
    "DD": {"jawOpen": 0.16, **_both("mouthUpperUp", 0.1), **_both("mouthLowerDown", 0.12),
           **_both("mouthStretch", 0.1)},
    "kk": {"jawOpen": 0.22, **_both("mouthLowerDown", 0.12), **_both("mouthStretch", 0.12)},
    "CH": {"jawOpen": 0.1, "mouthFunnel": 0.45, "mouthPucker": 0.35, **_both("mouthUpperUp", 0.2),
           **_both("mouthLowerDown", 0.15)},
    "SS": {"jawOpen": 0.07, **_both("mouthStretch", 0.35), **_both("mouthUpperUp", 0.15),
           **_both("mouthLowerDown", 0.18)},
    "nn": {"jawOpen": 0.14, **_both("mouthUpperUp", 0.06), **_both("mouthLowerDown", 0.08)},
    "RR": {"jawOpen": 0.14, "mouthFunnel": 0.3, "mouthPucker": 0.3},
    "aa": {"jawOpen": 0.6, **_both("mouthLowerDown", 0.3), **_both("mouthUpperUp", 0.08)},
    "E": {"jawOpen": 0.38, **_both("mouthStretch", 0.3), **_both("mouthLowerDown", 0.22),
          **_both("mouthUpperUp", 0.1)},
    "I": {"jawOpen": 0.2, **_both("mouthStretch", 0.45), **_both("mouthUpperUp", 0.15),
          **_both("mouthLowerDown", 0.12)},
    "O": {"jawOpen": 0.36, "mouthFunnel": 0.55, "mouthPucker": 0.45},
    "U": {"jawOpen": 0.14, "mouthPucker": 0.8, "mouthFunnel": 0.3},
}  # fmt: skip


class SymbolKind(str, Enum):
    """What an alignment entry is, for folding."""

    PHONE = "phone"  # has a viseme
    SILENCE = "silence"  # ^ $ _: always a silent segment
    PAUSE = "pause"  # space, punctuation: silence when long enough, else merged into the previous phone
    FOLD_NEXT = "fold_next"  # stress marks: their time belongs to the following phone
    FOLD_PREVIOUS = "fold_previous"  # length marks, diacritics, modifier letters, tone digits: the previous phone


# Every symbol of piper's DEFAULT_PHONEME_ID_MAP is listed explicitly (a test checks it); anything else falls back
# to classify_unknown. Grouped by viseme; the grouping follows place of articulation and lip rounding.
_PHONES_BY_VISEME: dict[str, str] = {
    "PP": "p b m ɓ ʙ ʘ",
    "FF": "f v ɱ ʋ ⱱ ɸ β",
    "TH": "θ ð",
    "DD": "t d ʈ ɖ ɗ ɾ ǀ ǃ ǂ",
    "kk": "k ɡ g q ɢ ɠ ʛ c ɟ ʄ x X ɣ χ ħ ʕ h ɦ ʜ ʢ ʡ ʔ ɰ ŋ ɴ",
    "CH": "ʃ ʒ ɕ ʑ ʂ ʐ ɧ ʧ ʤ",
    "SS": "s z ç ʝ ʦ ʣ ɬ ɮ",
    "nn": "n l ɲ ɳ ɫ ɭ ʎ ʟ ɺ ǁ",
    "RR": "ɹ r ɻ ɽ ʀ ʁ ɚ ɝ",
    "aa": "a æ ɑ ɐ ʌ",
    "E": "e ɛ ε ə ɘ ɜ ɤ",
    "I": "i ɪ ɨ ᵻ ɯ j",
    "O": "o ɔ ɒ ɵ ø œ ɞ ɶ",
    "U": "u ʊ ʉ y ʏ w ʍ ɥ",
}
PHONEME_VISEMES: dict[str, str] = {
    symbol: viseme for viseme, symbols in _PHONES_BY_VISEME.items() for symbol in symbols.split()
}
# Diphthongs some voices emit as one entry: the first half of the time shows the first vowel, the rest the second.
DIPHTHONGS: dict[str, tuple[str, str]] = {
    "aɪ": ("aa", "I"), "aʊ": ("aa", "U"), "ɔɪ": ("O", "I"), "eɪ": ("E", "I"), "oʊ": ("O", "U"),
}  # fmt: skip
# Affricates arrive as two entries (t ʃ, d ʒ); they are one CH movement.
_AFFRICATES: frozenset[tuple[str, str]] = frozenset({("t", "ʃ"), ("d", "ʒ")})

SILENCE_SYMBOLS: frozenset[str] = frozenset("^$_")
PAUSE_SYMBOLS: frozenset[str] = frozenset(" !'(),-.:;?#\"")
FOLD_NEXT_SYMBOLS: frozenset[str] = frozenset("ˈˌ")
FOLD_PREVIOUS_SYMBOLS: frozenset[str] = frozenset(
    [
        "ː",
        "ˑ",
        "ʰ",
        "ʲ",
        "ʷ",
        "ˤ",
        "˞",
        "↓",
        "↑",
        *"0123456789",
        "\u0327",
        "\u0303",
        "\u032a",
        "\u032f",
        "\u0329",
        "\u033a",
        "\u033b",
        "\u031d",
        "\u030a",
    ]  # combining marks
)

# A run of spaces/punctuation shorter than this is a word boundary in connected speech: the mouth does not rest.
PAUSE_MIN_S = 0.08

_VOWEL_LETTER_NAMES = frozenset(
    {"A", "E", "I", "O", "U", "Y", "AE", "OE", "SCHWA", "ALPHA", "EPSILON", "ETA", "IOTA", "OMICRON", "UPSILON",
     "OMEGA", "IE", "IO", "YU", "YA", "YERU", "UK", "OT"}
)  # fmt: skip
_LETTER_NAME = re.compile(
    r"LETTER (?:(?:SMALL|CAPITAL|TURNED|REVERSED|CLOSED|OPEN|BARRED|SCRIPT|DOTLESS|SIDEWAYS|INVERTED|LONG) )*"
    r"([A-Z]+)"
)
FALLBACK_VOWEL_VISEME = "aa"
FALLBACK_CONSONANT_VISEME = "kk"


def classify(symbol: str) -> tuple[SymbolKind, str]:
    """The kind of an alignment symbol and its viseme ("sil" for anything that is not a phone)."""
    if symbol in PHONEME_VISEMES:
        return SymbolKind.PHONE, PHONEME_VISEMES[symbol]
    if symbol in DIPHTHONGS:
        return SymbolKind.PHONE, DIPHTHONGS[symbol][0]
    if symbol in SILENCE_SYMBOLS:
        return SymbolKind.SILENCE, "sil"
    if symbol in PAUSE_SYMBOLS:
        return SymbolKind.PAUSE, "sil"
    if symbol in FOLD_NEXT_SYMBOLS:
        return SymbolKind.FOLD_NEXT, "sil"
    if symbol in FOLD_PREVIOUS_SYMBOLS:
        return SymbolKind.FOLD_PREVIOUS, "sil"
    return classify_unknown(symbol)


def classify_unknown(symbol: str) -> tuple[SymbolKind, str]:
    """Fallback for symbols of other languages' voices, from the Unicode data of the first character.

    Accented letters count as their base letter; combining and modifier marks fold into the previous phone;
    punctuation, symbols and spaces are pauses; letters whose name is a vowel (A, SCHWA, OMEGA, CYRILLIC IE...)
    open the mouth; any other letter gets a neutral consonant viseme.
    """
    if not symbol:
        return SymbolKind.PAUSE, "sil"
    decomposed = unicodedata.normalize("NFD", symbol)
    base = decomposed[0]
    if base != symbol and base in PHONEME_VISEMES:
        return SymbolKind.PHONE, PHONEME_VISEMES[base]
    category = unicodedata.category(base)
    if category in ("Mn", "Me", "Mc", "Lm", "Sk") or category == "Nd":
        return SymbolKind.FOLD_PREVIOUS, "sil"
    if not category.startswith("L"):
        return SymbolKind.PAUSE, "sil"
    match = _LETTER_NAME.search(unicodedata.name(base, ""))
    if match and match.group(1) in _VOWEL_LETTER_NAMES:
        return SymbolKind.PHONE, FALLBACK_VOWEL_VISEME
    return SymbolKind.PHONE, FALLBACK_CONSONANT_VISEME


@dataclass(frozen=True)
class VisemeSegment:
    """One viseme held from ``start_s`` to ``end_s`` (seconds, same origin as the alignment)."""

    viseme: str
    start_s: float
    end_s: float
    phonemes: str  # the symbols folded into it, for debugging and tests

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass
class _Unit:
    kind: SymbolKind
    viseme: str
    start: float
    end: float
    label: str


def fold_phonemes(phonemes: Sequence[TimedPhoneme]) -> list[VisemeSegment]:
    """Fold an alignment into contiguous viseme segments (see docs/FACE.md, "Folding").

    Stress marks give their time to the following phone, length marks and diacritics to the previous one;
    ^ $ are silence; a run of spaces/punctuation is silence when it lasts ``PAUSE_MIN_S`` or more, else its time
    goes to the previous phone. Affricates (t ʃ, d ʒ) become one CH; diphthong entries split in two halves;
    neighbours with the same viseme merge. Gaps between entries belong to the earlier segment.
    """
    units = _units(phonemes)
    units = _merge_pauses(units)
    segments: list[VisemeSegment] = []
    for unit in units:
        if segments and segments[-1].viseme == unit.viseme:
            last = segments[-1]
            segments[-1] = VisemeSegment(last.viseme, last.start_s, unit.end, last.phonemes + unit.label)
        else:
            segments.append(VisemeSegment(unit.viseme, unit.start, unit.end, unit.label))
    # Make the segments contiguous and ordered: the decoder's alignments are, hand-made ones may not be.
    contiguous: list[VisemeSegment] = []
    for i, segment in enumerate(segments):
        start = max(segment.start_s, contiguous[-1].end_s) if contiguous else segment.start_s
        end = segments[i + 1].start_s if i + 1 < len(segments) else segment.end_s
        contiguous.append(VisemeSegment(segment.viseme, start, max(start, end), segment.phonemes))
    return contiguous


def _units(phonemes: Sequence[TimedPhoneme]) -> list[_Unit]:
    units: list[_Unit] = []
    pending: tuple[float, float] | None = None  # a stress mark's span waiting for its phone
    for entry in phonemes:
        kind, viseme = classify(entry.phoneme)
        start, end = float(entry.start_s), max(float(entry.end_s), float(entry.start_s))
        if kind is SymbolKind.FOLD_NEXT:
            pending = (pending[0] if pending else start, end)
        elif kind is SymbolKind.FOLD_PREVIOUS:
            if units:
                units[-1].end = max(units[-1].end, end)
                units[-1].label += entry.phoneme
            else:
                pending = (pending[0] if pending else start, end)
        elif kind is SymbolKind.PHONE:
            if pending is not None:
                start, pending = pending[0], None
            previous = units[-1] if units else None
            if previous and previous.kind is SymbolKind.PHONE and (previous.label, entry.phoneme) in _AFFRICATES:
                previous.viseme, previous.end, previous.label = "CH", end, previous.label + entry.phoneme
            elif entry.phoneme in DIPHTHONGS:
                first, second = DIPHTHONGS[entry.phoneme]
                middle = (start + end) / 2
                units.append(_Unit(kind, first, start, middle, entry.phoneme[0]))
                units.append(_Unit(kind, second, middle, end, entry.phoneme[1:]))
            else:
                units.append(_Unit(kind, viseme, start, end, entry.phoneme))
        else:
            if pending is not None:  # a stress mark with no phone after it: its time stays with what came before
                if units:
                    units[-1].end = max(units[-1].end, pending[1])
                else:
                    start = pending[0]
                pending = None
            units.append(_Unit(kind, "sil", start, end, entry.phoneme))
    if pending is not None:
        if units:
            units[-1].end = max(units[-1].end, pending[1])
        else:
            units.append(_Unit(SymbolKind.SILENCE, "sil", pending[0], pending[1], ""))
    return units


def _merge_pauses(units: list[_Unit]) -> list[_Unit]:
    """Runs of silence/pause symbols become one silent unit, or vanish into the previous phone when short."""
    merged: list[_Unit] = []
    i = 0
    while i < len(units):
        unit = units[i]
        if unit.kind is SymbolKind.PHONE:
            merged.append(unit)
            i += 1
            continue
        j = i
        while j < len(units) and units[j].kind is not SymbolKind.PHONE:
            j += 1
        run = units[i:j]
        start, end = run[0].start, max(u.end for u in run)
        label = "".join(u.label for u in run)
        is_silence = any(u.kind is SymbolKind.SILENCE for u in run) or end - start >= PAUSE_MIN_S
        if is_silence:
            merged.append(_Unit(SymbolKind.SILENCE, "sil", start, end, label))
        elif merged:
            merged[-1].end, merged[-1].label = end, merged[-1].label + label
        elif j < len(units):
            units[j].start = start  # a short pause before the first phone: the phone starts there
        else:
            merged.append(_Unit(SymbolKind.SILENCE, "sil", start, end, label))
        i = j
    return merged
