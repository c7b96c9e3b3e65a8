"""The frequency scale as people say it, including phrasings that are in no list of the reader."""

from __future__ import annotations

import pytest

from companion.plugins.counseling.answers import read_answer
from companion.plugins.counseling.frequency import read_frequency

SAID = {
    0: ["not at all", "Never.", "no", "nope", "not really", "Not at all, really.", "zero", "0", "none",
        "no, not once", "I haven't, no", "no days", "Zero days honestly", "nah"],
    1: ["several days", "a couple of days", "sometimes", "once or twice", "a few days", "some days", "one", "1",
        "not every day, just a few times", "Sevral days", "three days", "twice a week", "occasionally",
        "now and then I guess", "maybe a day or two", "hardly ever", "only on weekends", "every so often",
        "no, just a couple of days", "from time to time, not much", "Almost never"],
    2: ["more than half the days", "most days", "most of the time", "a lot", "often", "two", "2", "ten days",
        "every other day", "more then half the days", "pretty often to be honest", "um, I guess half the time",
        "more often than not", "on most days I would say", "not every day but most days", "quite a bit"],
    3: ["nearly every day", "every day", "all the time", "constantly", "always", "three", "3",
        "It happens every single day", "pretty much constantly", "nearly evry day", "Yes, every day.",
        "almost every day, yeah", "13 days", "all day every day", "daily"],
}  # fmt: skip
NOT_UNDERSTOOD = ["I dunno", "yeah", "banana", "not every day", "I'm not sure", "some days, most days",
                  "I can't stop thinking about it", "what were the options?", "seven", "", "um"]  # fmt: skip


@pytest.mark.parametrize(("text", "level"), [(text, level) for level, texts in SAID.items() for text in texts])
def test_what_people_say_is_placed_on_the_scale(text: str, level: int) -> None:
    assert read_frequency(text) == level


@pytest.mark.parametrize("text", NOT_UNDERSTOOD)
def test_what_says_no_frequency_is_not_understood(text: str) -> None:
    assert read_frequency(text) is None


def test_skipping_leaves_a_question_unanswered_without_asking_again() -> None:
    skipped = read_answer("frequency", "I'd rather not say")
    assert skipped.understood and skipped.skipped and skipped.value is None


def test_yes_no_answers_score_one_and_zero() -> None:
    assert read_answer("yesno", "yeah I think so").value == 1
    assert read_answer("yesno", "no").value == 0
    assert not read_answer("yesno", "purple").understood


def test_free_answers_are_understood_but_never_scored() -> None:
    reading = read_answer("free", "I was at work and my boss frowned")
    assert reading.understood and reading.value is None
