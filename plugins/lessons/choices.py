"""Which option of a multiple-choice question was meant: "B", "option b", "the second one", "number two", "the
last one", or the option's own words ("jupiter", "it's jupiter I think").

The words are read in this order, each step using only words no earlier step took:

1. the exact words of an option (the option text wins: "third" when the options are first/second/third);
2. explicit positions: "the second (one)", "the last one", "second to last", "option 2", "answer b", "letter c",
   "number two";
3. an option's words said approximately (rapidfuzz, the question's ``similarity``), then a single word that only
   one option has ("satellite" for "a natural satellite"; a word several options share tells nothing);
4. bare numbers: when some options are themselves numbers, a number names the option with that value ("two" when
   the options are 1, 2, 3 is the option "2", and "number two" too); otherwise a number is a position ("two" is the
   second option);
5. bare letters ("b", "b."); the lone word "a" is the letter only when no other word follows it ("a", "a or b"),
   since "a planet" uses the article; "see", "bee", "dee" count as letters only when said alone.

Exactly one option must be meant. Two different options ("B or C", "the second one, Venus" when Venus is first),
"neither", "none", "both", or only a negated option ("not B") leave the answer not understood, so the question is
asked again without spending a try. A negated option next to another ("not B, C") counts the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from companion.plugins.lessons.matching import best_window, negated
from companion.plugins.lessons.matching import similarity as alike
from companion.plugins.lessons.numbers import number_tokens, parse_number, read_numbers
from companion.plugins.lessons.spoken import strip_fillers

LETTERS = "abcdefghijklmnopqrstuvwxyz"
_ORDINALS = {
    "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8, "9th": 9, "10th": 10,
    "first": 1, "second": 2, "former": 1,
}  # fmt: skip
_LAST = {"last", "final", "latter"}
_SECOND_LAST = (["2nd", "to", "last"], ["2nd", "from", "last"], ["next", "to", "last"], ["2nd", "last"],
                ["last", "but", "1"], ["penultimate"])  # fmt: skip
_HOMOPHONES = {"ay": "a", "bee": "b", "cee": "c", "see": "c", "sea": "c", "dee": "d"}
_LETTER_KEYWORDS = {"option", "answer", "choice", "letter"}
_NUMBER_KEYWORDS = {"option", "answer", "choice", "number", "num"}
_FOLLOWERS = {"1", "one", "option", "answer", "choice"}
_DETERMINERS = {"the", "this", "that", "which", "other", "another", "each", "any", "every", "same"}
_NOT_ONE = {"neither", "none", "both", "nor"}
_ARTICLES = {"the", "a", "an"}
_STOP_WORDS = {"the", "and", "one", "ones", "its", "are", "was", "for", "with", "from", "not", "but", "all", "that",
               "this", "there", "they", "them", "what", "which", "you", "has", "have", "had"}  # fmt: skip
_A_MAY_PRECEDE = {"or", "and", "i", "then", "please", "is", "right", "maybe", "probably", "perhaps"}


@dataclass(frozen=True)
class Choice:
    """The option meant (0-based), or None when not exactly one was; ``score`` 0..1 is how surely it was read
    (1.0 for letters, positions and exact words, the fuzzy score for words said approximately)."""

    index: int | None
    score: float = 1.0


@dataclass
class _Mention:
    index: int | None  # None: names no option ("option F" of four, "seven" of 1, 2, 3) or two options equally
    start: int
    end: int
    score: float = 1.0


def option_letter(index: int) -> str:
    return LETTERS[index].upper()


def say_option(index: int, option: str) -> str:
    """An option as the robot says it: "B, Mercury"; a number option in words ("A, one half", not "A, 1/2")."""
    said = read_numbers(option, percent=True) if parse_number(option) is not None else []
    return f"{option_letter(index)}, {said[0].spoken() if len(said) == 1 else option}"


def option_words(option: str) -> list[str]:
    """An option's words as they are compared: lowercase, numbers in digits."""
    return number_tokens(option)


def read_choice(text: str, options: list[str], similarity: float, keep: set[str]) -> Choice:
    """The option ``text`` names. ``keep``: words of the options, never stripped as filler."""
    tokens = strip_fillers(number_tokens(text), keep)
    taken = [False] * len(tokens)
    values = [parse_number(option) for option in options]
    numeric = any(value is not None for value in values)
    texts = {i: option_words(option) for i, option in enumerate(options) if values[i] is None}
    mentions = _take(_text_mentions(tokens, taken, texts, 100.0), taken)
    mentions += _take(_position_mentions(tokens, taken, len(options), numeric), taken)
    mentions += _take(_text_mentions(tokens, taken, texts, similarity), taken)
    mentions += _take(_word_mentions(tokens, taken, texts, similarity), taken)
    mentions += _number_mentions(tokens, taken, values)
    mentions += _take(_letter_mentions(tokens, taken, len(options)), taken)
    if {token for token, used in zip(tokens, taken, strict=True) if not used} & _NOT_ONE:
        return Choice(None)
    positive = [m for m in mentions if not negated(tokens, m.start)]
    meant = {m.index for m in positive}
    if len(meant) != 1 or None in meant:
        return Choice(None)
    return Choice(positive[0].index, min(m.score for m in positive))


def _take(found: list[_Mention], taken: list[bool]) -> list[_Mention]:
    kept = []
    for mention in found:
        if any(taken[mention.start : mention.end]):
            continue
        taken[mention.start : mention.end] = [True] * (mention.end - mention.start)
        kept.append(mention)
    return kept


def _text_mentions(tokens: list[str], taken: list[bool], texts: dict[int, list[str]], least: float) -> list[_Mention]:
    """Each option's words where they were said best. Where two options were found on the same words, the better
    (or longer) one counts; two equally good ones make that place ambiguous."""
    found: list[_Mention] = []
    for index, target in texts.items():
        window = best_window(tokens, target, taken, skip=_ARTICLES)
        if window is not None and window.score >= least:
            found.append(_Mention(index, window.start, window.end, window.score / 100))
    found.sort(key=lambda m: (-m.score, m.start - m.end))
    kept: list[_Mention] = []
    for mention in found:
        rival = next((k for k in kept if k.start < mention.end and mention.start < k.end), None)
        if rival is None:
            kept.append(mention)
        elif (rival.score, rival.end - rival.start) == (mention.score, mention.end - mention.start):
            rival.index = None
    return kept


def _word_mentions(tokens: list[str], taken: list[bool], texts: dict[int, list[str]], least: float) -> list[_Mention]:
    """Single words found in one option only ("satellite" for "a natural satellite"); a word that several options
    share ("planet" in "dwarf planet" and "gas planet") tells nothing and is passed over."""
    found: list[_Mention] = []
    for i, token in enumerate(tokens):
        if taken[i] or token in _STOP_WORDS or len(token) < 3 or token.isdigit():
            continue
        having = [index for index, words in texts.items() if any(alike([token], [w]) >= least for w in words)]
        if len(having) == 1:
            found.append(_Mention(having[0], i, i + 1, max(alike([token], [w]) for w in texts[having[0]]) / 100))
    return found


def _position_mentions(tokens: list[str], taken: list[bool], count: int, numeric: bool) -> list[_Mention]:
    found: list[_Mention] = []
    i = 0
    while i < len(tokens):
        mention = _position_at(tokens, i, count, numeric)
        if mention is not None and not any(taken[mention.start : mention.end]):
            found.append(mention)
            i = mention.end
        else:
            i += 1
    return found


def _position_at(tokens: list[str], i: int, count: int, numeric: bool) -> _Mention | None:
    token = tokens[i]
    start = i - 1 if i > 0 and tokens[i - 1] == "the" else i
    for phrase in _SECOND_LAST:
        if tokens[i : i + len(phrase)] == phrase:
            return _Mention(_valid(count - 1, count), start, _follower(tokens, i + len(phrase)))
    before = tokens[i - 1] if i > 0 else ""
    if token in _ORDINALS and (before in ("a", "an") or before.isdigit()):
        return None  # "a fifth", "2 3rd": a fraction, not a position
    if token in _ORDINALS:
        return _Mention(_valid(_ORDINALS[token], count), start, _follower(tokens, i + 1))
    if token in _LAST:
        return _Mention(_valid(count, count), start, _follower(tokens, i + 1))
    if token == "middle":  # of an even number of options, no option is the middle one
        return _Mention(_valid(count // 2 + 1, count) if count % 2 else None, start, _follower(tokens, i + 1))
    said = tokens[i + 1] if i + 1 < len(tokens) else ""
    said = _HOMOPHONES.get(said, said)
    if token in _LETTER_KEYWORDS and len(said) == 1 and said in LETTERS:
        return _Mention(_valid(LETTERS.index(said) + 1, count), i, i + 2)
    if token in _NUMBER_KEYWORDS and said.isdigit() and not (numeric and token in ("number", "num")):
        return _Mention(_valid(int(said), count), i, i + 2)
    return None


def _follower(tokens: list[str], end: int) -> int:
    """ "the second one", "the last option": the word after a position belongs to it."""
    return end + 1 if end < len(tokens) and tokens[end] in _FOLLOWERS else end


def _valid(position: int, count: int) -> int | None:
    return position - 1 if 1 <= position <= count else None


def _number_mentions(tokens: list[str], taken: list[bool], values: list[Fraction | None]) -> list[_Mention]:
    """Bare numbers: an option's value when options are numbers, else a position."""
    found: list[_Mention] = []
    for start, end in _free_runs(taken):
        kept = [tokens[i] for i in range(start, end) if not _pronoun_one(tokens, i)]
        if any(value is not None for value in values):
            for number in read_numbers(" ".join(kept)):
                index = next((i for i, value in enumerate(values) if value == number.value), None)
                found.append(_Mention(index, start, end))
        else:
            found += [
                _Mention(_valid(int(tokens[i]), len(values)), i, i + 1)
                for i in range(start, end)
                if tokens[i].isdigit() and not _pronoun_one(tokens, i)
            ]
    for mention in found:
        taken[mention.start : mention.end] = [True] * (mention.end - mention.start)
    return found


def _free_runs(taken: list[bool]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, used in enumerate([*taken, True]):
        if not used and start is None:
            start = i
        elif used and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _pronoun_one(tokens: list[str], i: int) -> bool:
    """ "this one", "the one with rings": "one" as a pronoun, not a number."""
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    return tokens[i] == "1" and i > 0 and tokens[i - 1] in _DETERMINERS and after not in ("/", "over")


def _letter_mentions(tokens: list[str], taken: list[bool], count: int) -> list[_Mention]:
    found: list[_Mention] = []
    alone = taken.count(False) == 1
    for i, token in enumerate(tokens):
        letter = _HOMOPHONES.get(token, token) if alone else token
        if taken[i] or len(letter) != 1 or letter not in LETTERS or letter == "i":
            continue
        if letter == "a" and i + 1 < len(tokens) and tokens[i + 1] not in _A_MAY_PRECEDE:
            continue  # "a planet": the article
        if LETTERS.index(letter) >= count and not alone:
            continue  # a stray letter that is no option
        found.append(_Mention(_valid(LETTERS.index(letter) + 1, count), i, i + 1))
    return found
