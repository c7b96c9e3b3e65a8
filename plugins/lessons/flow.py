"""One learner going through one lesson, as a conversation: what the robot says next and what just happened.

``LessonRun`` has no I/O and no clock, so a whole lesson can be tested by typing answers at it. ``start()`` gives
the opening (the intro, the explanations before the first question, the first question); ``answer(text)`` reads
one answer and gives the reply. Each ``Turn`` holds the text to say (with emotion tags for the face) and the
``Happening``s the lesson plugin reports as events.

The rules (docs/LESSONS.md):

- an answer that cannot be read ("um", "B or C", "sorry?") is asked again and costs no try;
- a right answer is praised (the question's own praise, else the lesson's) with a happy face, and the lesson goes on;
- a wrong answer with tries left is met with encouragement and the next hint (the face concerned but kind);
- a wrong answer on the last try, or giving up ("I don't know", "skip"), gets the right answer explained;
- quizzes choose each question by the learner's estimated level (Elo, ``difficulty``), never by the face;
- after the last step the robot says the summary with the score, and the run is finished.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from companion.plugins.lessons.answers import assess
from companion.plugins.lessons.assessment import Assessment
from companion.plugins.lessons.difficulty import LearnerModel, choose_next
from companion.plugins.lessons.question import Question
from companion.plugins.lessons.schema import Lesson

NOT_CAUGHT = "Sorry, I didn't catch an answer there."
TRY_AGAIN = "Have another go."
FinishReason = Literal["completed", "stopped", "visitor_left", "safety"]


@dataclass(frozen=True)
class Asked:
    question_id: str
    text: str
    kind: str
    attempt: int  # 1 for the first time, 2 after a wrong answer, ...


@dataclass(frozen=True)
class Assessed:
    question_id: str
    answer: str  # what the learner said
    heard: str | None  # what was understood ("option B, Mars", "three quarters")
    correct: bool
    understood: bool
    gave_up: bool
    attempt: int
    level: float  # the learner's estimated difficulty level after this answer (1-5)


@dataclass(frozen=True)
class HintGiven:
    question_id: str
    hint: str
    number: int  # 1 for the first hint of this question


@dataclass(frozen=True)
class Finished:
    correct: int
    asked: int
    reason: FinishReason


Happening = Asked | Assessed | HintGiven | Finished


@dataclass(frozen=True)
class Turn:
    """What the robot says (emotion tags included) and what happened on the way."""

    text: str
    happenings: tuple[Happening, ...] = ()
    hint_wanted: HintWanted | None = None  # no authored hint is left and the lesson allows a model's (plugin.py)


@dataclass(frozen=True)
class HintWanted:
    """A wrong answer with tries left and no authored hint left, in a lesson with ``model_hints: true``."""

    question_id: str
    prompt: str
    answer: str  # spoken form of the right answer: the model's hint must not contain it


@dataclass
class _Current:
    question: Question
    attempt: int = 1
    hints_used: int = 0


@dataclass
class LessonRun:
    """One run of ``lesson``. ``seed`` varies the quiz draw between visitors while keeping one run reproducible."""

    lesson: Lesson
    seed: int | str = 0
    learner: LearnerModel = field(default_factory=LearnerModel)
    correct: int = 0
    asked: int = 0
    finished: bool = False
    _step: int = 0
    _quiz_left: int = 0  # questions still to ask from the current quiz step
    _asked_ids: list[str] = field(default_factory=list)
    _current: _Current | None = None
    _praise_turn: int = 0

    @property
    def question(self) -> Question | None:
        """The question waiting for an answer, if any."""
        return self._current.question if self._current else None

    def start(self) -> Turn:
        """The opening: the intro, then the steps up to and including the first question."""
        lines = [f"[happy] {self.lesson.intro}"]
        happenings: list[Happening] = []
        self._advance(lines, happenings)
        return Turn(" ".join(lines), tuple(happenings))

    def answer(self, text: str) -> Turn:
        """Read ``text`` as the answer to the current question and say what follows."""
        current = self._current
        if current is None or self.finished:
            raise RuntimeError("the lesson is not waiting for an answer")
        question = current.question
        assessment = assess(question, text)
        if not assessment.understood:
            happenings: list[Happening] = [self._assessed(current, text, assessment)]
            return Turn(f"[thinking] {NOT_CAUGHT} {question.prompt}", tuple(happenings))
        if assessment.correct:
            return self._right(current, text, assessment)
        tries_left = self.lesson.tries_for(question) - current.attempt
        if tries_left > 0 and not assessment.gave_up:
            return self._again(current, text, assessment)
        return self._explain(current, text, assessment)

    def stop(self, reason: FinishReason = "stopped") -> Turn:
        """End the run early (the learner asked to stop, or left): the score so far."""
        if self._current is not None:
            self.asked -= 1  # the question left open does not count
        self.finished = True
        self._current = None
        line = self.lesson.summary_line(self.correct, self.asked) if self.asked else ""
        text = f"[neutral] Okay, let's stop the lesson here. {line}".strip()
        return Turn(text, (Finished(self.correct, self.asked, reason),))

    # -- the three outcomes of an answer ------------------------------------------------------------------------

    def _right(self, current: _Current, text: str, assessment: Assessment) -> Turn:
        self.learner.update(current.question.difficulty, True, current.hints_used)
        self.correct += 1
        happenings: list[Happening] = [self._assessed(current, text, assessment)]
        lines = [f"[happy:0.8] {self._pick(current.question.praise or self.lesson.praise)}"]
        self._current = None
        self._advance(lines, happenings)
        return Turn(" ".join(lines), tuple(happenings))

    def _again(self, current: _Current, text: str, assessment: Assessment) -> Turn:
        happenings: list[Happening] = [self._assessed(current, text, assessment)]
        question = current.question
        lines = [f"[concerned:0.3] {self._pick(question.encourage or self.lesson.encourage)}"]
        wanted: HintWanted | None = None
        if current.hints_used < len(question.hints):
            hint = question.hints[current.hints_used]
            current.hints_used += 1
            happenings.append(HintGiven(self._id(question), hint, current.hints_used))
            lines.append(f"[neutral] Here's a hint: {hint}")
        else:
            lines.append(f"[neutral] {TRY_AGAIN}")
            if self.lesson.model_hints:
                wanted = HintWanted(self._id(question), question.prompt, question.spoken_answer)
        current.attempt += 1
        happenings.append(Asked(self._id(question), question.prompt, question.kind, current.attempt))
        return Turn(" ".join(lines), tuple(happenings), wanted)

    def model_hint(self, hint: str) -> Turn:
        """A hint the plugin got from the language model (screened) for the question asked again: say it."""
        current = self._current
        if current is None:
            raise RuntimeError("no question is waiting for an answer")
        current.hints_used += 1
        happening = HintGiven(self._id(current.question), hint, current.hints_used)
        return Turn(f"[neutral] Here's a hint: {hint}", (happening,))

    def _explain(self, current: _Current, text: str, assessment: Assessment) -> Turn:
        question = current.question
        self.learner.update(question.difficulty, False, current.hints_used)
        happenings: list[Happening] = [self._assessed(current, text, assessment)]
        opener = "That's okay." if assessment.gave_up else self._pick(question.encourage or self.lesson.encourage)
        answer = question.explanation or f"The answer is {question.spoken_answer}."
        lines = [f"[concerned:0.3] {opener}", f"[neutral] {answer}"]
        self._current = None
        self._advance(lines, happenings)
        return Turn(" ".join(lines), tuple(happenings))

    # -- moving through the steps -------------------------------------------------------------------------------

    def _advance(self, lines: list[str], happenings: list[Happening]) -> None:
        """Say explanations until the next question is asked, or the summary when the steps run out."""
        while self._current is None:
            question = self._next_question(lines)
            if question is None:
                self.finished = True
                lines.append(f"[happy] {self.lesson.summary_line(self.correct, self.asked)}")
                happenings.append(Finished(self.correct, self.asked, "completed"))
                return
            self._current = _Current(question)
            self.asked += 1
            self._asked_ids.append(self._id(question))
            happenings.append(Asked(self._id(question), question.prompt, question.kind, 1))
            lines.append(f"[neutral] {question.prompt}")

    def _next_question(self, lines: list[str]) -> Question | None:
        steps = self.lesson.steps
        while self._step < len(steps):
            step = steps[self._step]
            if step.quiz is not None:
                if self._quiz_left == 0:
                    self._quiz_left = step.quiz.count
                chosen = choose_next(step.quiz.questions, self._asked_ids, self.learner.rating, seed=self.seed)
                self._quiz_left -= 1
                if self._quiz_left == 0 or chosen is None:
                    self._step += 1
                    self._quiz_left = 0
                if chosen is not None:
                    return chosen
                continue
            self._step += 1
            if step.explain is not None:
                lines.append(f"[{step.emotion or 'neutral'}] {step.explain}")
            elif step.ask is not None:
                return step.ask
        return None

    def _assessed(self, current: _Current, text: str, assessment: Assessment) -> Assessed:
        return Assessed(
            self._id(current.question),
            text,
            assessment.heard,
            assessment.correct,
            assessment.understood,
            assessment.gave_up,
            current.attempt,
            round(self.learner.level, 2),
        )

    def _pick(self, lines: list[str]) -> str:
        """The next of ``lines`` in turn, so praise does not repeat word for word."""
        self._praise_turn += 1
        return lines[self._praise_turn % len(lines)] if lines else ""

    @staticmethod
    def _id(question: Question) -> str:
        return question.id or "?"
