"""Numbers as people say and type them, read to exact values."""

from __future__ import annotations

from fractions import Fraction

import pytest

from companion.plugins.lessons.numbers import fraction_words, parse_number, read_numbers

F = Fraction


@pytest.mark.parametrize(
    ("said", "value"),
    [
        ("0.75", F(3, 4)),
        (".75", F(3, 4)),
        ("3/4", F(3, 4)),
        ("3 / 4", F(3, 4)),
        ("three quarters", F(3, 4)),
        ("Three quarters.", F(3, 4)),
        ("three fourths", F(3, 4)),
        ("three-fourths", F(3, 4)),
        ("a half", F(1, 2)),
        ("half", F(1, 2)),
        ("one half", F(1, 2)),
        ("a quarter", F(1, 4)),
        ("one quarter", F(1, 4)),
        ("an eighth", F(1, 8)),
        ("a third", F(1, 3)),
        ("two thirds", F(2, 3)),
        ("five eighths", F(5, 8)),
        ("nine tenths", F(9, 10)),
        ("three sixteenths", F(3, 16)),
        ("one hundredth", F(1, 100)),
        ("two hundredths", F(2, 100)),
        ("five halves", F(5, 2)),
        ("one and a half", F(3, 2)),
        ("two and three quarters", F(11, 4)),
        ("seven and a half", F(15, 2)),
        ("1 1/2", F(3, 2)),
        ("two point five", F(5, 2)),
        ("zero point seven five", F(3, 4)),
        ("point seven five", F(3, 4)),
        ("oh point five", F(1, 2)),
        ("twenty one point oh five", F(2105, 100)),
        ("three point one four", F(314, 100)),
        ("minus three", F(-3)),
        ("negative three", F(-3)),
        ("-3", F(-3)),
        ("minus two point five", F(-5, 2)),
        ("twelve hundred", F(1200)),
        ("1,200", F(1200)),
        ("one thousand two hundred", F(1200)),
        ("a hundred and twenty", F(120)),
        ("three hundred and sixty five", F(365)),
        ("twenty-five", F(25)),
        ("nineteen sixty nine", F(1969)),
        ("four point six billion", F(4_600_000_000)),
        ("three out of four", F(3, 4)),
        ("three over four", F(3, 4)),
        ("six divided by eight", F(3, 4)),
        ("a dozen", F(12)),
        ("none", F(0)),
        ("zero", F(0)),
        ("½", F(1, 2)),
        ("1¾", F(7, 4)),
        ("um, I think it's three quarters?", F(3, 4)),
        ("8 planets", F(8)),
        ("about 8 minutes", F(8)),
    ],
)
def test_one_number(said: str, value: Fraction) -> None:
    found = read_numbers(said)
    assert [n.value for n in found] == [value]


@pytest.mark.parametrize(
    ("said", "percent", "value", "form"),
    [
        ("seventy five percent", True, F(3, 4), "percent"),
        ("75%", True, F(3, 4), "percent"),
        ("75 per cent", True, F(3, 4), "percent"),
        ("seventy-five percent", False, F(75), "integer"),
        ("75%", False, F(75), "integer"),
        ("12.5 percent", True, F(1, 8), "percent"),
    ],
)
def test_percent_only_when_the_question_takes_it(said: str, percent: bool, value: Fraction, form: str) -> None:
    [number] = read_numbers(said, percent=percent)
    assert (number.value, number.form) == (value, form)


@pytest.mark.parametrize(
    ("said", "values"),
    [
        ("three or four", [F(3), F(4)]),
        ("between 3 and 4", [F(3), F(4)]),
        ("twelve, thirteen", [F(12), F(13)]),
        ("the 8th planet", []),
        ("no numbers here", []),
        ("", []),
    ],
)
def test_several_or_no_numbers(said: str, values: list[Fraction]) -> None:
    assert [n.value for n in read_numbers(said)] == values


@pytest.mark.parametrize(
    ("said", "spoken"),
    [
        ("three fourths", "three quarters"),
        ("3/4", "three quarters"),
        ("0.75", "0.75"),
        (".5", "0.5"),
        ("one and a half", "one and a half"),
        ("minus three", "minus 3"),
        ("twelve hundred", "1200"),
        ("two hundredths", "two hundredths"),
        ("5/13", "5 over 13"),
    ],
)
def test_said_back_in_the_form_it_was_said(said: str, spoken: str) -> None:
    [number] = read_numbers(said)
    assert number.spoken() == spoken


def test_percent_is_said_back_as_percent() -> None:
    assert read_numbers("75%", percent=True)[0].spoken() == "75 percent"
    assert read_numbers("75%", percent=False)[0].spoken() == "75 percent"


@pytest.mark.parametrize(
    ("written", "value"),
    [("3/4", F(3, 4)), ("0.75", F(3, 4)), ("1 1/2", F(3, 2)), ("-2", F(-2)), (12, F(12)), (0.1, F(1, 10)),
     ("75%", F(3, 4)), ("1,200", F(1200)), ("three quarters", F(3, 4))],
)  # fmt: skip
def test_an_authors_number(written: str | int | float, value: Fraction) -> None:
    assert parse_number(written) == value


@pytest.mark.parametrize("written", ["abc", "3 4", "3 or 4", "Mars", "", "8 planets", True])
def test_not_an_authors_number(written: str | bool) -> None:
    assert parse_number(written) is None


@pytest.mark.parametrize(
    ("value", "words"),
    [(F(1, 2), "a half"), (F(3, 2), "one and a half"), (F(2, 3), "two thirds"), (F(-7, 4), "minus one and three "
     "quarters"), (F(1, 8), "an eighth"), (F(1, 50), "two hundredths"), (F(3), "3"), (F(5, 13), "5 over 13")],
)  # fmt: skip
def test_fraction_words(value: Fraction, words: str) -> None:
    assert fraction_words(value) == words
