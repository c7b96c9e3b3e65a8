"""The ``lesson`` plugin: the robot gives a lesson and holds the floor until it ends.

List ``lesson`` in a persona's ``plugins`` (the tutor persona does). A lesson starts when the visitor asks for one
("can we do the fractions lesson?", "quiz me about the solar system"), or at once for every visitor when
``lessons.start`` (or ``--lesson NAME``) names one: then the lesson's intro and first question are the robot's
opening. While a lesson runs, every turn is an answer (``LessonRun``) until the summary; "stop the lesson" ends it
early with the score so far. A nod answers a yes/no question "yes" and a head shake "no" (``on_perception``).
Safety still comes first: a crisis turn never reaches the lesson, and while the session is in crisis mode plugins
are not called at all. A lesson belongs to one visitor: its state lives in the
conversation's plugin state, which a new visitor does not inherit. Only the final score is kept after the visitor
leaves, and only where ``privacy.keep_results`` allows it, for ``privacy.retention_days`` (``plugins/results.py``).
"""

from __future__ import annotations

import itertools
import logging
import re

from rapidfuzz import fuzz

from companion.agent.events import Event, HeadGesture
from companion.plugins.api import DialogueContext, ModelRequest, Reply, Tool, ToolResult, UserTurn, fixed_reply
from companion.plugins.lessons import events
from companion.plugins.lessons.flow import (
    TRY_AGAIN,
    Asked,
    Assessed,
    Finished,
    Happening,
    HintGiven,
    HintWanted,
    LessonRun,
    Turn,
)
from companion.plugins.lessons.loader import LESSONS
from companion.plugins.lessons.schema import Lesson
from companion.plugins.results import ResultStore, conversation_id

log = logging.getLogger(__name__)

_ASKS_FOR_A_LESSON = re.compile(r"\b(lessons?|quiz(?:zes)?|teach me|test me|learn about|lesson about)\b")
_WHICH_LESSONS = re.compile(r"\bwhat (?:lessons?|quiz(?:zes)?)\b|\bwhich (?:lessons?|quiz(?:zes)?)\b")
_STOP = re.compile(
    r"\b(?:stop|end|quit|finish|cancel|exit|leave)\b(?:\s+\w+){0,3}\s+\b(?:lesson|quiz|questions?)\b"
    r"|^\s*(?:stop|quit|enough|i want to stop|i'?d like to stop|let'?s stop|no more)\b",
    re.IGNORECASE,
)
NO_PARAMETERS = {"type": "object", "properties": {}, "additionalProperties": False}
MATCH_SCORE = 80  # rapidfuzz partial ratio of a lesson's name or title within what was said


class LessonPlugin:
    name = "lesson"

    def __init__(self) -> None:
        self._lessons: dict[str, Lesson] | None = None  # the lessons found, by name: read once, shared, read-only
        self._runs = itertools.count(1)  # varies the quiz draw between visitors

    @property
    def tools(self) -> list[Tool]:
        """What the language model may call, where a persona allows it (``tools: [list_lessons]``)."""
        return [Tool("list_lessons", "The lessons you can give: title and audience.", NO_PARAMETERS, self._list)]

    async def _list(self, arguments: dict[str, object], context: DialogueContext) -> ToolResult:
        lessons = self._available(context)
        listed = "; ".join(f"{lesson.title} (for {lesson.audience})" for lesson in lessons.values())
        return ToolResult(f"The lessons are: {listed}. The visitor starts one by asking for it by name.")

    async def opening(self, context: DialogueContext) -> Reply | None:
        """With ``lessons.start`` set, every conversation opens with that lesson."""
        start = context.config.lessons.start if context.config is not None else None
        if start is None:
            return None
        lesson = self._available(context).get(start)
        if lesson is None:
            log.error("lessons.start: no lesson called %r (companion lessons list shows them)", start)
            return None
        return self._start(lesson, context)

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        state = context.state_for(self.name)
        run: LessonRun | None = state.get("run")
        if run is not None and not run.finished:
            since_start = context.history[state.get("history_at", 0) :]
            if any(exchange.source == "safety" for exchange in since_start):  # no more quizzing after a crisis
                self._report(run.stop("safety").happenings, run, context)
                return None
            said = run.stop("stopped") if _STOP.search(turn.text) else run.answer(turn.text)
            if said.hint_wanted is not None:
                said = await self._with_model_hint(said, said.hint_wanted, run, context)
            return self._say(said, run, context)
        text = turn.text.lower()
        if not (_ASKS_FOR_A_LESSON.search(text) or state.get("offered") or _lessons_offered(context)):
            return None
        lessons = self._available(context)
        chosen = _named(text, lessons)
        if chosen is not None:
            state.pop("offered", None)
            return self._start(chosen, context)
        if _ASKS_FOR_A_LESSON.search(text) or _WHICH_LESSONS.search(text):
            state["offered"] = True
            titles = " or ".join(lesson.title for lesson in lessons.values())
            return fixed_reply(f"[happy] I can give you a lesson on {titles}. Which one would you like?", self.source)
        state.pop("offered", None)  # offered, but the visitor talks about something else: the model answers
        return None

    async def on_perception(self, event: Event, context: DialogueContext) -> Reply | None:
        """A nod answers a yes/no question "yes", a head shake "no" (the robot is silent and waiting)."""
        run: LessonRun | None = context.state_for(self.name).get("run")
        if not isinstance(event, HeadGesture) or run is None or run.finished or run.question is None:
            return None
        if run.question.kind != "yesno" or event.kind not in ("nod", "shake"):
            return None
        return self._say(run.answer("yes" if event.kind == "nod" else "no"), run, context)

    async def visitor_left(self, context: DialogueContext) -> None:
        run: LessonRun | None = context.state_for(self.name).get("run")
        if run is not None and not run.finished:
            self._report(run.stop("visitor_left").happenings, run, context)

    @property
    def source(self) -> str:
        return f"plugin:{self.name}"

    def _start(self, lesson: Lesson, context: DialogueContext) -> Reply:
        run = LessonRun(lesson, seed=next(self._runs))
        context.state_for(self.name).update(run=run, history_at=len(context.history))
        name = lesson.id or lesson.title
        context.emit(events.LessonStarted(context.now(), name, lesson.title, lesson.asked_count))
        return self._say(run.start(), run, context)

    def _say(self, said: Turn, run: LessonRun, context: DialogueContext) -> Reply:
        self._report(said.happenings, run, context)
        return fixed_reply(said.text, self.source)

    async def _with_model_hint(self, said: Turn, wanted: HintWanted, run: LessonRun, context: DialogueContext) -> Turn:
        """The model's hint in place of "have another go", when it answers and its hint passes the output screen
        and does not say the answer; otherwise the turn as it was."""
        answer = await context.ask_model(ModelRequest("hint", wanted.prompt, answer=wanted.answer, max_words=30))
        if not answer.ok:
            return said
        hint = run.model_hint(answer.text)
        text = said.text.removesuffix(f"[neutral] {TRY_AGAIN}").rstrip()
        return Turn(f"{text} {hint.text}", (*said.happenings[:-1], *hint.happenings, said.happenings[-1]))

    def _report(self, happenings: tuple[Happening, ...], run: LessonRun, context: DialogueContext) -> None:
        lesson = run.lesson.id or run.lesson.title
        for happening in happenings:
            context.emit(_event(happening, lesson, context.now()))
            if not isinstance(happening, Finished):
                continue
            store = ResultStore.for_plugin(context.config, self.name)
            if store is not None:  # privacy.keep_results: the score only
                kept = {"lesson": lesson, "correct": happening.correct, "asked": happening.asked}
                store.keep(conversation_id(context.state_for(self.name)), {**kept, "reason": happening.reason})

    def _available(self, context: DialogueContext) -> dict[str, Lesson]:
        if self._lessons is None:
            self._lessons = LESSONS.load_valid(context.config.lessons.folders if context.config is not None else [])
        return self._lessons


def _lessons_offered(context: DialogueContext) -> bool:
    """Did the robot just offer a lesson (its last reply, or the greeting before the first turn, says "lesson")?"""
    return _ASKS_FOR_A_LESSON.search(context.robot_just_said().lower()) is not None


def _named(text: str, lessons: dict[str, Lesson]) -> Lesson | None:
    """The lesson whose name or title is said in ``text`` ("the solar system one"), if exactly one fits best."""
    scored = []
    for name, lesson in lessons.items():
        names = {name.replace("-", " "), lesson.title.lower()}
        scored.append((max(fuzz.partial_ratio(candidate, text) for candidate in names), name))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < MATCH_SCORE or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return lessons[scored[0][1]]


def _event(happening: Happening, lesson: str, t: float) -> Event:
    match happening:
        case Asked():
            return events.QuestionAsked(t, lesson, happening.question_id, happening.text, happening.kind,
                                        happening.attempt)  # fmt: skip
        case Assessed():
            return events.AnswerAssessed(
                t, lesson, happening.question_id, happening.answer, happening.heard, happening.correct,
                happening.understood, happening.gave_up, happening.attempt, happening.level,
            )  # fmt: skip
        case HintGiven():
            return events.HintGiven(t, lesson, happening.question_id, happening.hint, happening.number)
        case Finished():
            percent = round(100 * happening.correct / happening.asked) if happening.asked else 0
            return events.LessonFinished(t, lesson, happening.correct, happening.asked, percent, happening.reason)
