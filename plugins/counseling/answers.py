"""Reading one answer on a question's scale: ``frequency`` (0-3, ``frequency.py``), ``yesno`` (1 yes, 0 no,
``core/yes_no.py``) or ``free`` (any words; never scored, never kept).

"Skip" or "I'd rather not say" is an answer too: the question is left unanswered at once, without asking again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from companion.core.yes_no import read_yes_no
from companion.plugins.counseling.frequency import OPTIONS_LINE, normalize, read_frequency
from companion.plugins.counseling.schema import Scale

_SKIP = re.compile(
    r"^(?:skip|pass|next)\b|\b(?:skip (?:it|this|that)|rather not (?:say|answer|tell)|prefer not to"
    r"|don't want to (?:say|answer)|do not want to (?:say|answer)|next question)\b"
)
OPTIONS_LINES: dict[str, str] = {
    "frequency": OPTIONS_LINE,
    "yesno": "You can say yes or no.",
    "free": "You can say it in your own words, or say skip.",
}


@dataclass(frozen=True)
class Reading:
    """What an answer said: ``value`` is the score on the scale (None for free words, skipped or not understood)."""

    understood: bool
    value: int | None = None
    skipped: bool = False


def read_answer(scale: Scale, text: str) -> Reading:
    said = normalize(text)
    if _SKIP.search(said):
        return Reading(understood=True, skipped=True)
    if scale == "free":
        return Reading(understood=any(ch.isalnum() for ch in said))
    if scale == "yesno":
        yes = read_yes_no(said)
        return Reading(understood=False) if yes is None else Reading(understood=True, value=int(yes))
    level = read_frequency(said)
    return Reading(understood=False) if level is None else Reading(understood=True, value=level)
