"""The PHQ/GAD frequency scale as people say it: 0 "not at all", 1 "several days", 2 "more than half the days",
3 "nearly every day" (over the last two weeks).

``read_frequency`` reads, in this order:

1. doubt ("I'm not sure", "I don't know") is no answer: the question is asked again;
2. a count of days ("three days", "10 days", "twice a week") is placed on the two weeks the scale asks about;
3. a negated high phrase ("not every day", "not always") is taken out, so "not every day, just a few times" is 1;
   left alone it is no answer (1 or 2?), and the options are listed;
4. phrases of each level ("a couple of days", "most of the time", "constantly"); two levels at once is no answer;
5. a bare option number ("two", "3", "option one");
6. a short plain no ("nope", "not really") is 0 (a "can't" is not a no); a plain yes says nothing about how often;
7. last, rapidfuzz against the phrases, for what speech recognition mangles ("more then half the days").
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from companion.core.yes_no import read_yes_no

OPTIONS = ("not at all", "several days", "more than half the days", "nearly every day")
OPTIONS_LINE = "You can say: not at all, several days, more than half the days, or nearly every day."
DAYS_IN_PERIOD = 14
FUZZY_WHOLE = 85  # rapidfuzz ratio of the whole answer to one phrase
FUZZY_PART = 90  # rapidfuzz partial ratio of a long phrase within the answer
SHORT_WORDS = 5  # a plain yes or no is read in answers this short only ("I can't stop worrying" is not a no)
FUZZY_MIN_PHRASE = 10  # shorter phrases are matched exactly only ("often" must not match "soften")

PHRASES: dict[int, tuple[str, ...]] = {
    0: (
        "not at all", "never", "none", "none of the time", "not once", "not even once", "not a single day",
        "no days", "zero days", "hardly at all", "barely at all", "not ever", "at no time", "nothing like that",
        "i haven't", "i have not", "haven't been",
    ),
    1: (
        "several days", "several times", "a few days", "a few times", "a few", "some days", "some of the days",
        "a couple of days", "a couple days", "couple of days", "couple days", "a couple of times", "a couple times",
        "once or twice", "one or two days", "a day or two", "once", "twice", "sometimes", "some of the time",
        "occasionally", "now and then", "now and again", "from time to time", "every so often", "once in a while",
        "on and off", "off and on", "here and there", "a little", "a little bit", "a bit", "rarely", "hardly ever",
        "seldom", "almost never", "nearly never", "hardly", "barely", "some nights", "a few nights", "on weekends",
        "at weekends", "not often", "not very often", "not that often", "not so often", "not much", "not a lot",
        "not too much", "not too often", "a handful of days", "on occasion", "at times",
    ),
    2: (
        "more than half the days", "more than half of the days", "more than half the time", "more than half",
        "over half the days", "over half", "about half the days", "about half the time", "half the time",
        "half the days", "most days", "most of the days", "most of the time", "more often than not", "a lot",
        "a lot of the time", "lots of days", "many days", "often", "quite often", "pretty often", "very often",
        "frequently", "usually", "quite a bit", "quite a lot", "a good deal", "every other day", "the majority",
        "majority of the days", "much of the time", "more days than not", "most nights",
    ),
    3: (
        "nearly every day", "almost every day", "every day", "everyday", "each day", "daily", "every single day",
        "all day every day", "pretty much every day", "practically every day", "virtually every day",
        "nearly everyday", "almost everyday", "all the time", "all of the time", "constantly", "always",
        "non stop", "nonstop", "day in day out", "continuously", "nearly all the time", "almost all the time",
        "every day and night", "the whole time", "every night", "each night",
    ),
}  # fmt: skip
_LEVEL_OF = {phrase: level for level, phrases in PHRASES.items() for phrase in phrases}
_PHRASE = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in sorted(_LEVEL_OF, key=len, reverse=True)) + r")\b")
_UNSURE = re.compile(
    r"\b(?:not sure|unsure|(?:i )?(?:don't|do not|dont) know|dunno|no idea|can't (?:remember|say)|hard to say"
    r"|not certain|what do you mean|what were the options|repeat)\b"
)
_NEGATED_HIGH = re.compile(
    r"\b(?:not|never|isn't|wasn't)\s+(?:quite\s+|really\s+|exactly\s+|necessarily\s+)?(?:nearly\s+|almost\s+)?"
    r"(?:every\s?day|each day|daily|all the time|always|constantly|most days|most of the time|every single day)\b"
)
_PLAIN_NO = re.compile(r"\b(?:no|nope|nah|naw|not really|(?:don't|dont|do not) think so|not that i know)\b")
_NUMBER_WORDS = {"zero": 0, "none": 0, "no": 0, "one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
                 "thirteen": 13, "fourteen": 14}  # fmt: skip
_COUNT = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
_PER_WEEK = re.compile(rf"\b{_COUNT}\s+(?:days?|times?)\s+(?:a|per|each|every)\s+week\b")
_DAYS = re.compile(rf"\b{_COUNT}\s+(?:days?|nights?|times?)\b(?!\s+(?:a|per)\s+(?:day|month))")
_OPTION = re.compile(r"^(?:option|number|answer|choice)?\s*(zero|one|two|three|[0-3])$")
_FILLER = re.compile(
    r"\b(?:um+|uh+|er+|hmm+|well|like|so|okay|ok|honestly|probably|maybe|perhaps|i guess|i think|i'd say"
    r"|i would say|i suppose|let's say|say|about|around|roughly|pretty much|it's|it is|it was|it's been|i'd|for)\b"
)


def read_frequency(text: str) -> int | None:
    """0-3 on the frequency scale, or None when ``text`` does not say how often (or says two things)."""
    said = normalize(text)
    if not said or _UNSURE.search(said):
        return None
    days = _days(said)
    if days is not None:
        return days
    negated = bool(_NEGATED_HIGH.search(said))
    rest = _NEGATED_HIGH.sub(" | ", said)
    levels = {_LEVEL_OF[match.group(0)] for match in _PHRASE.finditer(rest)}
    if len(levels) == 1:
        return levels.pop()
    if levels or negated:
        return None
    core = re.sub(r"\s+", " ", _FILLER.sub(" ", rest)).strip()
    option = _OPTION.match(core)
    if option is not None:
        word = option.group(1)
        return int(word) if word.isdigit() else _NUMBER_WORDS[word]
    yes_no = read_yes_no(rest) if len(core.split()) <= SHORT_WORDS else None
    if yes_no is False and _PLAIN_NO.search(rest):
        return 0
    if yes_no is True:
        return None
    return _fuzzy(core or rest)


def normalize(text: str) -> str:
    """Lowercase words and digits, curly apostrophes straightened, hyphens as spaces, other punctuation as breaks."""
    lowered = text.lower().replace("\u2019", "'").replace("-", " ")
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9' ]", " ", lowered)).strip()


def _days(said: str) -> int | None:
    """A number of days, placed on the two weeks: 0 -> 0, 1-7 -> 1, 8-11 -> 2, 12-14 -> 3."""
    weekly = _PER_WEEK.search(said)
    if weekly is not None:
        count = _count(weekly.group(1)) * 2
    else:
        match = _DAYS.search(said)
        if match is None:
            return None
        count = _count(match.group(1))
    if count > DAYS_IN_PERIOD:
        return None
    return 0 if count == 0 else 1 if count <= 7 else 2 if count <= 11 else 3


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _fuzzy(said: str) -> int | None:
    """The level of the phrase the answer is closest to, when one clearly is (speech recognition slips)."""
    whole = process.extractOne(said, list(_LEVEL_OF), scorer=fuzz.ratio, score_cutoff=FUZZY_WHOLE)
    if whole is not None:
        return _LEVEL_OF[whole[0]]
    levels = {
        level
        for phrase, level in _LEVEL_OF.items()
        if len(phrase) >= FUZZY_MIN_PHRASE and fuzz.partial_ratio(phrase, said) >= FUZZY_PART
    }
    return levels.pop() if len(levels) == 1 else None
