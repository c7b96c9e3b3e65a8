"""Crisis safety: the first step of every turn, which nothing can switch off.

It runs before any plugin and the language model on every user turn. The chain builds it itself (it is not in
the config's plugin list, a persona cannot remove it, and there is no setting to disable it). The layered crisis
detector (``companion.agent.safety``: lexicon, semantic classifier, the conversation's last turns) judges each
turn; when it finds a risk to life (suicidal thoughts or warning signs, self-harm, a worrying report about someone
else, abuse, harm to others, a medical emergency) the robot answers with the deployment's crisis reply and
resources, shows concern, and the session enters crisis mode (``crisis.py``): the follow-up questions, an operator
alert, plugins skipped, and the language model told to stay supportive and point to human help, until an operator
acknowledges the alert or the visitor leaves.

Deployments may only add: phrases (``safety.extra_patterns``), exemplars (``safety.extra_exemplars``) and local
resources (``safety.resources``). docs/SAFETY.md says what the layer does and does not do.
"""

from __future__ import annotations

import logging

from companion.agent.config.schema import SafetyConfig
from companion.agent.events import CrisisAlert
from companion.agent.policy.crisis import CrisisState, read_answer
from companion.agent.policy.types import DialogueContext, Reply, UserTurn, fixed_reply
from companion.agent.safety import CrisisDetector, TurnMemory, Verdict
from companion.agent.safety.output_screen import OutputScreen
from companion.core.registry import BuildContext
from companion.face.emotions import Emotion, EmotionState

log = logging.getLogger(__name__)

__all__ = ["CrisisDetector", "SafetyStep", "build_detector"]


def build_detector(config: SafetyConfig) -> CrisisDetector:
    """The crisis detector the session uses (``companion safety screen`` builds the same one)."""
    embedder = config.embedder.kind.create(config.embedder.backend, config.embedder.options, BuildContext())
    return CrisisDetector.create(config.extra_patterns, config.extra_exemplars, embedder=embedder)


class SafetyStep:
    """Answers a crisis itself, and every turn of the crisis protocol's follow-up; otherwise lets the chain go on.
    ``screen`` is for the model's clauses."""

    source = "safety"

    def __init__(self, config: SafetyConfig, detector: CrisisDetector | None = None) -> None:
        self.detector = detector or build_detector(config)
        self.screen = OutputScreen(classifier=self.detector.classifier)
        self._resources = " ".join(line.strip() for line in config.resources)
        self._reply_text = " ".join(part for part in (config.crisis_reply.strip(), self._resources) if part)
        self._closing = config.crisis_closing.strip()
        self.detections = 0
        self.last_verdict: Verdict | None = None

    async def warm_up(self) -> None:
        """Load the classifier's model and exemplars before the first turn."""
        await self.detector.warm_up()

    async def assess(self, text: str, context: DialogueContext) -> Verdict:
        """The verdict on any user text of this conversation (final turns, interruptions, backchannels, typing)."""
        memory = context.safety_memory if isinstance(context.safety_memory, TurnMemory) else TurnMemory()
        verdict = await self.detector.assess(text, memory)
        self.last_verdict = verdict
        return verdict

    async def respond(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        verdict = await self.assess(turn.text, context)
        crisis = context.crisis
        if crisis is None:
            if not verdict.risk:
                return None
            return self.begin(verdict.category or "explicit", verdict.category or "explicit", turn.turn_id, context)
        return self._follow_up(turn, verdict, crisis, context)

    def begin(self, category: str, reason: str, turn_id: int, context: DialogueContext) -> Reply:
        """Start the crisis protocol for this visitor: the crisis reply, resources and the first follow-up question.
        The chain calls it for a plugin's ``report_risk`` too (category ``reported``)."""
        if context.crisis is not None:  # already in crisis: a new report is answered as a new risk turn
            return self._again(context.crisis)
        self.detections += 1
        crisis = CrisisState(category, reason, turn_id)
        context.crisis = crisis
        self._alert(crisis, "started", context)
        # The category and the alert id are logged for operators; the user's words are not (privacy).
        log.warning(
            "crisis detected (%s) in turn %d: crisis reply given, crisis mode on, alert %s (level %s)",
            reason,
            turn_id,
            crisis.alert_id,
            crisis.level,
        )
        return self._say(self._reply_text, self._ask_next(crisis))

    def _follow_up(
        self, turn: UserTurn, verdict: Verdict, crisis: CrisisState, context: DialogueContext
    ) -> Reply | None:
        if crisis.pending is not None:
            answer = read_answer(turn.text)
            if answer is None and verdict.risk and crisis.pending.worrying:
                answer = True  # "I think about it every night" answers the question even without a yes
            if crisis.record(answer):
                self._alert(crisis, "raised", context)
            question = self._ask_next(crisis)
            if question:
                return self._say("Thank you for telling me." if answer is not None else "Thank you.", question)
            return self._say("Thank you for telling me all of that.", self._closing, self._resources)
        if verdict.risk:
            return self._again(crisis)
        return None  # the questions are done: the model answers, told to stay supportive (CRISIS_INSTRUCTIONS)

    def _again(self, crisis: CrisisState) -> Reply:
        """A new risk once the protocol is running: say the resources again (short), and ask what is still open."""
        question = self._ask_next(crisis)
        return self._say(
            "I'm still here with you, and I'm worried about you.", self._resources, question or self._closing
        )

    @staticmethod
    def _ask_next(crisis: CrisisState) -> str:
        question = crisis.next_question()
        crisis.pending = question
        return question.question if question is not None else ""

    def _say(self, *parts: str) -> Reply:
        text = " ".join(part for part in parts if part)
        return fixed_reply(text, self.source, EmotionState(Emotion.CONCERNED, 0.8))

    @staticmethod
    def _alert(crisis: CrisisState, change: str, context: DialogueContext) -> None:
        context.emit(
            CrisisAlert(
                context.now(),
                crisis.alert_id,
                change,
                crisis.category,
                crisis.reason,
                crisis.level,
                crisis.turn_id,
                dict(crisis.answers),
            )
        )

    def close(self) -> None:
        self.detector.close()
