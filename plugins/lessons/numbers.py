"""Numbers as people say or type them: "0.75", ".75", "3/4", "three quarters", "one and a half", "minus three",
"twelve hundred", "seventy five percent", "1,200".

text2num turns number words into digits ("twenty five" -> "25", "zero point seven five" -> "0.75", "three
fourths" -> "3 4ths"). What no library does is the glue read here: fractions said with denominators ("3 quarters",
"a half", "2 3rds"), mixed numbers ("1 and a half", "1 1/2"), "over" / "out of" / "divided by", signs said as words,
"point" followed by single digits, percent, and years said in pairs ("nineteen sixty nine"). Values are exact
``Fraction``s so "1/3" and "0.333" differ until a tolerance says otherwise.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from companion.core.registry import require

_text2num = require("text_to_num", extra="lessons", what="reading numbers in lesson answers")

Form = Literal["integer", "decimal", "fraction", "percent"]

# Denominators said as words. Ordinals from "third" on come back from text2num as "3rd(s)", "4th(s)", ...;
# "second" is left out on purpose: "one second" is a time, not a half.
_DENOMINATOR_WORDS = {"half": 2, "halves": 2, "quarter": 4, "quarters": 4}
# text2num reads "one hundredth" as the ordinal "100th" and "two hundredths" as "200ths": name them before it runs.
_PRE_DENOMINATORS = re.compile(r"\b(hundredth|thousandth|millionth)(s?)\b")
_PRE_VALUES = {"hundredth": 100, "thousandth": 1000, "millionth": 1000000}
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)s?$")
_PLACEHOLDER = re.compile(r"^denom(\d+)$")
_TOKEN = re.compile(r"denom\d+|\d+(?:st|nd|rd|th)s?\b|\d*\.\d+|\d+|[a-z]+(?:'[a-z]+)?|[/,;:?!.%-]")
_ZERO_WORDS = {"oh", "o", "nought", "naught", "zero"}
_SIGN_WORDS = {"minus", "negative"}
_BREAKS = {",", ";", ":", "?", "!", "."}
_SCALES = {"1000", "1000000", "1000000000"}
_VULGAR = {"½": " 1/2", "⅓": " 1/3", "⅔": " 2/3", "¼": " 1/4", "¾": " 3/4", "⅕": " 1/5", "⅛": " 1/8", "⅜": " 3/8"}
_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty"
).split()
_DENOMINATOR_NAMES = {
    2: "half",
    3: "third",
    4: "quarter",
    5: "fifth",
    6: "sixth",
    7: "seventh",
    8: "eighth",
    9: "ninth",
    10: "tenth",
    11: "eleventh",
    12: "twelfth",
    16: "sixteenth",
    20: "twentieth",
    100: "hundredth",
    1000: "thousandth",
}


@dataclass(frozen=True)
class SpokenNumber:
    """One number found in an answer, with how it was said (``form``) so it can be said back the same way."""

    value: Fraction
    form: Form
    percent_word: bool = False  # "percent" was said but is only the unit (the question does not take percents)

    def spoken(self) -> str:
        """The number in words a text-to-speech voice reads well: "three quarters", "0.75", "75 percent"."""
        if self.form == "percent":
            return f"{_digits(self.value * 100)} percent"
        text = fraction_words(self.value) if self.form == "fraction" else _digits(self.value)
        return f"{text} percent" if self.percent_word else text


def read_numbers(text: str, *, percent: bool = False) -> list[SpokenNumber]:
    """Every number in ``text``, in order. With ``percent``, "75 percent" / "75%" is 0.75; without it the word is a
    unit and the number stays 75."""
    return [number for number, _ in _scan(_tokens(text), percent)]


def parse_number(value: str | int | float) -> Fraction | None:
    """A lesson author's number ("3/4", "0.75", "1 1/2", "-2", 12): the value, or None when it is not exactly one
    number and nothing else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Fraction(str(value))
    tokens = [t for t in _tokens(value) if t not in _BREAKS]
    found = list(_scan(tokens, percent=True))
    if len(found) != 1 or found[0][1] != (0, len(tokens)):
        return None
    return found[0][0].value


def number_tokens(text: str) -> list[str]:
    """The words of ``text`` with every spelled number in digits ("the second one" -> the, 2nd, 1; "eight planets"
    -> 8, planets), "/", "%" and "-" kept as words, other punctuation dropped: for comparing answers."""
    return [token for token in _tokens(text) if token not in _BREAKS]


def fraction_words(value: Fraction) -> str:
    """A fraction as it is said: "three quarters", "one and a half", "minus two thirds"; "7 over 13" otherwise."""
    if value < 0:
        return "minus " + fraction_words(-value)
    whole, part = divmod(value.numerator, value.denominator)
    if part == 0:
        return _digits(value)
    rest = _simple_fraction(part, value.denominator)
    if whole == 0:
        return rest
    return f"{_say_small(whole)} and {rest}"


def _simple_fraction(numerator: int, denominator: int) -> str:
    # 1/50 is said "two hundredths": scale up to a denominator that has a name.
    named = next((d for d in sorted(_DENOMINATOR_NAMES) if d % denominator == 0), None)
    if named is None:
        return f"{numerator} over {denominator}"
    numerator, name = numerator * (named // denominator), _DENOMINATOR_NAMES[named]
    if numerator == 1:
        return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"
    plural = "halves" if name == "half" else name + "s"
    return f"{_say_small(numerator)} {plural}"


def _say_small(number: int) -> str:
    return _NUMBER_WORDS[number] if 0 <= number < len(_NUMBER_WORDS) else str(number)


def _digits(value: Fraction) -> str:
    if value.denominator == 1:
        text = str(value.numerator)
    else:
        text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return text.replace("-", "minus ") if text.startswith("-") else text


def _tokens(text: str) -> list[str]:
    text = text.lower().replace("’", "'").replace("−", "-").replace("–", "-")
    for symbol, replacement in _VULGAR.items():
        text = text.replace(symbol, replacement)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,200 -> 1200
    text = re.sub(r"\bper\s+cent\b", "percent", text)
    text = _PRE_DENOMINATORS.sub(lambda m: f"denom{_PRE_VALUES[m.group(1)]}", text)
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)  # "seventy-five" reads the same as "seventy five"
    with contextlib.suppress(ValueError, RuntimeError):  # a library fault must not lose the answer: digits remain
        text = _text2num.alpha2digit(text, "en", threshold=0)
    return _TOKEN.findall(text)


def _denominator(token: str | None) -> int | None:
    if token is None:
        return None
    if token in _DENOMINATOR_WORDS:
        return _DENOMINATOR_WORDS[token]
    match = _ORDINAL.match(token) or _PLACEHOLDER.match(token)
    if match and int(match.group(1)) >= 3:
        return int(match.group(1))
    return None


def _is_int(token: str | None) -> bool:
    return token is not None and token.isdigit()


def _is_number(token: str | None) -> bool:
    return token is not None and bool(re.fullmatch(r"\d+|\d*\.\d+", token))


def _scan(tokens: list[str], percent: bool) -> list[tuple[SpokenNumber, tuple[int, int]]]:
    found: list[tuple[SpokenNumber, tuple[int, int]]] = []
    i = 0
    while i < len(tokens):
        read = _read_signed(tokens, i, percent)
        if read is None:
            i += 1
            continue
        number, end = read
        found.append((number, (i, end)))
        i = end
    return found


def _read_signed(tokens: list[str], i: int, percent: bool) -> tuple[SpokenNumber, int] | None:
    sign = 1
    start = i
    if tokens[i] in _SIGN_WORDS or (tokens[i] == "-" and (i == 0 or not _is_number(tokens[i - 1]))):
        sign, start = -1, i + 1
        if start >= len(tokens):
            return None
    read = _read_unsigned(tokens, start)
    if read is None:
        return None
    value, form, end = read
    percent_word = False
    if end < len(tokens) and tokens[end] in {"percent", "%"}:
        end += 1
        if percent:
            value, form = value / 100, "percent"
        else:
            percent_word = True
    return SpokenNumber(sign * value, form, percent_word), end


def _read_unsigned(tokens: list[str], i: int) -> tuple[Fraction, Form, int] | None:
    token = tokens[i]
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    if token in {"a", "an"} and _denominator(after) is not None:
        return Fraction(1, _denominator(after) or 1), "fraction", i + 2
    if token in {"half", "quarter"}:  # "half" alone is an answer too
        return Fraction(1, _DENOMINATOR_WORDS[token]), "fraction", i + 1
    if token == "none":
        return Fraction(0), "integer", i + 1
    if token == "dozen" or (token in {"a", "an"} and after == "dozen"):
        return Fraction(12), "integer", i + 1 if token == "dozen" else i + 2
    if token == "point" or (token in _ZERO_WORDS and after == "point"):
        start = i + 1 if token == "point" else i + 2
        decimals, end = _decimal_digits(tokens, start)
        return (Fraction(f"0.{decimals}"), "decimal", end) if decimals else None
    if not _is_number(token):
        return None
    value = Fraction(token)
    form: Form = "decimal" if "." in token else "integer"
    end = i + 1
    if form == "integer" and after == "point":
        decimals, stop = _decimal_digits(tokens, i + 2)
        if decimals:
            value, form, end = Fraction(f"{token}.{decimals}"), "decimal", stop
    return _read_tail(tokens, value, form, end)


def _read_tail(tokens: list[str], value: Fraction, form: Form, end: int) -> tuple[Fraction, Form, int]:
    """What may follow a number: a denominator, "/ 4", "over 4", "and a half", "1/2" after a whole, a scale, a year."""
    at = tokens[end] if end < len(tokens) else None
    nxt = tokens[end + 1] if end + 1 < len(tokens) else None
    denominator = _denominator(at)
    if denominator is not None and form == "integer":
        return value / denominator, "fraction", end + 1
    divisor = _divisor(tokens, end)
    if divisor is not None and form == "integer":
        bottom, stop = divisor
        if bottom != 0:
            return value / bottom, "fraction", stop
    if at == "and" and form == "integer":
        part = _fraction_part(tokens, end + 1)
        if part is not None:
            return value + part[0], "fraction", part[1]
    if form == "integer" and _is_int(at) and nxt == "/":
        part = _fraction_part(tokens, end)
        if part is not None and part[0] < 1:
            return value + part[0], "fraction", part[1]
    if form == "decimal" and at in _SCALES:  # "one point two million" -> "1.2 1000000"
        return value * int(at), "decimal", end + 1
    if at == "dozen":
        return value * 12, form, end + 1
    if form == "integer" and 10 <= value <= 99 and _is_int(at) and len(at or "") == 2 and nxt != "/":
        return value * 100 + int(at or 0), "integer", end + 1  # "nineteen sixty nine" -> "19 69"
    return value, form, end


def _divisor(tokens: list[str], end: int) -> tuple[int, int] | None:
    """ "/ 4", "over 4", "out of 4", "divided by 4" after a numerator: (4, index after it)."""
    for words in (("/",), ("over",), ("out", "of"), ("divided", "by")):
        stop = end + len(words)
        if tuple(tokens[end:stop]) == words and stop < len(tokens) and _is_int(tokens[stop]):
            return int(tokens[stop]), stop + 1
    return None


def _fraction_part(tokens: list[str], i: int) -> tuple[Fraction, int] | None:
    """The fraction after "and" in a mixed number: "a half", "3 quarters", "1/2"."""
    if i >= len(tokens):
        return None
    token = tokens[i]
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    if token in {"a", "an"} and _denominator(after):
        return Fraction(1, _denominator(after) or 1), i + 2
    if _is_int(token):
        denominator = _denominator(after)
        if denominator:
            return Fraction(int(token), denominator), i + 2
        divisor = _divisor(tokens, i + 1)
        if divisor is not None and divisor[0] != 0:
            return Fraction(int(token), divisor[0]), divisor[1]
    return None


def _decimal_digits(tokens: list[str], i: int) -> tuple[str, int]:
    """The digits said one by one after "point": "point 7 5", "point oh 5"."""
    digits = ""
    while i < len(tokens) and (_is_int(tokens[i]) or tokens[i] in _ZERO_WORDS):
        digits += "0" if tokens[i] in _ZERO_WORDS else tokens[i]
        i += 1
    return digits, i
