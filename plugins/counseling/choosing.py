"""Which script the person asks for ("can we do a breathing exercise", "PHQ-9", "help me calm down"), and whether
they ask what there is ("what can we do?").

A script is started only on a request, never because a feeling is mentioned ("I've been anxious" is for the
conversation, not a questionnaire): the words must ask for something ("can we", "I'd like", "let's", "help me",
"start"), or be little more than a script's name ("PHQ-9", "anxiety check"). Names are matched with
rapidfuzz against each script's name, title and ``asked_as`` phrases, like the lesson plugin's titles.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from companion.plugins.counseling.frequency import normalize
from companion.plugins.counseling.schema import Script

MATCH_SCORE = 85  # rapidfuzz partial ratio of a name within a request, or ratio of a bare name ("phq 9")
_REQUEST = re.compile(
    r"\b(?:can|could|shall|should) (?:we|you|i)\b|\blet's\b|\blets\b|\bi'd like\b|\bi would like\b|\bi want\b"
    r"|\bi need\b|\bhelp me\b|\bstart\b|\btry\b|\bgive me\b|\btake\b|\bplease\b|\bguide me\b|\bwalk me\b"
)
_WHAT_THERE_IS = re.compile(
    r"\bwhat (?:can we do|can you do|could we do|exercises?|questionnaires?|do you have|have you got|is there)\b"
    r"|\bwhich (?:exercises?|questionnaires?)\b|\b(?:list|show me) (?:the )?(?:exercises?|questionnaires?)\b"
    r"|\bwhat (?:kind of )?(?:exercises?|questionnaires?|screenings?)\b"
)


def asks_what_there_is(text: str) -> bool:
    return _WHAT_THERE_IS.search(normalize(text)) is not None


def chosen_script(text: str, scripts: dict[str, Script], offered: bool = False) -> Script | None:
    """The script ``text`` asks for, if exactly one fits best. ``offered``: the list was just offered, so naming
    one is enough."""
    said = normalize(text)
    within = offered or _REQUEST.search(said) is not None  # a request: the name may be anywhere in it
    scored: list[tuple[float, str]] = []
    for name, script in scripts.items():
        names = {normalize(name), normalize(script.title), *(normalize(phrase) for phrase in script.asked_as)}
        scorer = fuzz.partial_ratio if within else fuzz.ratio  # else the words must be the name itself
        scored.append((max(scorer(candidate, said) for candidate in names), name))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < MATCH_SCORE or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scripts[scored[0][1]]
