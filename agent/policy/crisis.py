"""The crisis protocol: what the robot does from the moment a risk is found until the crisis ends.

A crisis starts when the detector flags a turn (or a plugin reports a risk: PHQ-9 item 9). It belongs to the
visitor's conversation (``DialogueContext.crisis``) and ends only when an operator acknowledges its alert or the
visitor leaves. One "no" never clears it: a person who takes it back may still be at risk, and a human decides.

While it lasts the robot asks a short, kind and direct follow-up modelled on the first questions of the Columbia
Suicide Severity Rating Scale screener (C-SSRS, past-month version): wish to be dead, suicidal thoughts, then, only
after a yes to thoughts, method, intent and plan; and always the behaviour question. Every answer is read as
yes / no / unclear (``read_answer``). The answers grade the alert's ``level``:

* ``high``: intent, a plan, or something done or prepared (C-SSRS items 4, 5, 6);
* ``moderate``: thoughts with a method (item 3);
* ``low``: a wish to be dead or thoughts without a method (items 1, 2), or every answer no or unclear.

A risk about someone else, abuse, a threat to others or a medical emergency gets one safety question instead of
the C-SSRS items. Some detections grade the alert before any answer: a plan, preparations, a threat to others or a
medical emergency start at ``high``, means or self-harm at ``moderate``. After the questions the language model
answers, told to stay supportive (``CRISIS_INSTRUCTIONS``). No text of what the person said is kept: only the
answers, as yes or no.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Literal

from companion.core.yes_no import read_yes_no

Level = Literal["unknown", "low", "moderate", "high"]
LEVELS: tuple[Level, ...] = ("unknown", "low", "moderate", "high")


@dataclass(frozen=True)
class FollowUp:
    key: str
    question: str
    level_if_worrying: Level  # what a worrying answer raises the alert to
    worrying: bool = True  # the worrying answer: yes, except for "are you safe?" questions, where it is no


# The C-SSRS screener's first questions (past month), in plain words and asked one at a time.
WISH_DEAD = FollowUp(
    "wish_dead",
    "Can I ask you something directly? In the past month, have you wished you were dead, or wished you could go to "
    "sleep and not wake up?",
    "low",
)
THOUGHTS = FollowUp("thoughts", "Have you actually had any thoughts about killing yourself?", "low")
METHOD = FollowUp("method", "Have you been thinking about how you might do this?", "moderate")
INTENT = FollowUp("intent", "Have you had these thoughts and had some intention of acting on them?", "high")
PLAN = FollowUp(
    "plan", "Have you started to work out the details of how to do it, or do you intend to carry out a plan?", "high"
)
BEHAVIOUR = FollowUp(
    "behaviour",
    "Have you ever done anything, started to do anything, or prepared to do anything to end your life?",
    "high",
)
SAFE_NOW = FollowUp("safe_now", "Are you safe right now?", "high", worrying=False)
OTHER_SAFE = FollowUp("other_safe", "Is that person safe right now, and is someone with them?", "high", worrying=False)

_OTHERS: dict[str, FollowUp | None] = {
    "third_party": OTHER_SAFE,
    "abuse": SAFE_NOW,
    "threat_to_others": None,
    "medical": None,
}
# What the detection alone already says, before any answer (a plan or preparations are C-SSRS items 5 and 6).
_START_LEVEL: dict[str, Level] = {
    "threat_to_others": "high",
    "medical": "high",
    "plan": "high",
    "preparation": "high",
    "means": "moderate",
    "self_harm": "moderate",
}

# Said the way people answer these questions: "sometimes", "a little", "I have", "kind of".
_SOMETIMES = re.compile(
    r"\b(?:sometimes|some\s+times|a\s+little|a\s+bit|kind\s+of|sort\s+of|kinda|sorta|a\s+few\s+times|once|twice"
    r"|lately|recently|often|every\s+day|all\s+the\s+time|most\s+days|i\s+(?:have|did|do|am)|i'?ve\s+(?:had|been)"
    r"|a\s+lot|more\s+than\s+once|now\s+and\s+then|on\s+and\s+off|from\s+time\s+to\s+time)\b"
)

_UNSURE = re.compile(
    r"\b(?:do\s+not|don't|dont|didn't)\s+(?:know|understand)\b|\bnot\s+sure\b|\bno\s+idea\b|\bmaybe\b|\bperhaps\b"
    r"|\bhard\s+to\s+say\b|\bwhat\s+do\s+you\s+mean\b|\bcan\s+you\s+repeat\b|\bpardon\b"
)


def read_answer(text: str) -> bool | None:
    """Yes, no or unclear (None) for an answer to a follow-up question, as people say it. Unsure answers ("I don't
    know", "maybe") are unclear: the protocol treats them as not a no."""
    lowered = text.lower().replace("\u2019", "'")
    if _UNSURE.search(lowered):
        return None
    answer = read_yes_no(lowered)
    if answer is None and _SOMETIMES.search(lowered):
        return True
    return answer


@dataclass
class CrisisState:
    """One visitor's crisis: its alert, the follow-up asked and the answers (yes/no only)."""

    category: str
    reason: str  # the detector's category, or what a plugin reported ("phq9_item9")
    turn_id: int
    alert_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    level: Level = "unknown"
    answers: dict[str, bool | None] = field(default_factory=dict)
    pending: FollowUp | None = None  # asked, not answered yet

    def __post_init__(self) -> None:
        self.level = _START_LEVEL.get(self.category, "unknown")

    @property
    def suicide_screen(self) -> bool:
        return self.category not in _OTHERS

    def raise_level(self, level: Level) -> bool:
        """Raise (never lower) the level; True when it went up."""
        if LEVELS.index(level) > LEVELS.index(self.level):
            self.level = level
            return True
        return False

    def next_question(self) -> FollowUp | None:
        """The next follow-up to ask, or None when the protocol's questions are done."""
        if not self.suicide_screen:
            question = _OTHERS[self.category]
            return question if question is not None and question.key not in self.answers else None
        order = [WISH_DEAD, THOUGHTS]
        if "thoughts" in self.answers:
            if self.answers["thoughts"] is not False:  # the C-SSRS asks 3 to 5 only after a yes (or unclear) to 2
                order += [METHOD, INTENT, PLAN]
            order.append(BEHAVIOUR)
        return next((q for q in order if q.key not in self.answers), None)

    def record(self, answer: bool | None) -> bool:
        """The answer to the pending question; True when it raised the level (the alert is updated then)."""
        question = self.pending
        if question is None:
            return False
        self.pending = None
        self.answers[question.key] = answer
        raised = self.raise_level(question.level_if_worrying) if answer is question.worrying else False
        if self.level == "unknown" and self.next_question() is None:
            raised = self.raise_level("low") or raised  # screened with no yes: still a crisis, graded low
        return raised
