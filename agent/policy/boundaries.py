"""A persona's boundaries: topics it declines, enforced outside the language model, both ways.

Asked about a declined topic ("what do you think of the election?"), the robot says the persona's line for it and
the model is not asked. About to say something on one (the model drifted there), the output screen stops the
clause and the same line is said instead. Topics are matched by their words (stems: "politics" also finds
"political") and by meaning when the crisis detector's sentence model is loaded (``OutputScreen``). The crisis
check comes first: a person in crisis is never answered with "I can't talk about that".
"""

from __future__ import annotations

from collections.abc import Sequence

from companion.agent.config.schema import Boundary
from companion.agent.policy.safety import SafetyStep
from companion.agent.policy.types import DialogueContext, Reply, UserTurn, fixed_reply
from companion.agent.safety.output_screen import OutputScreen, ScreenVerdict
from companion.face.emotions import Emotion, EmotionState

DECLINING = EmotionState(Emotion.NEUTRAL, 0.3)


class BoundaryStep:
    source = "boundary"

    def __init__(self, boundaries: Sequence[Boundary], safety: SafetyStep) -> None:
        self.lines = {topic: boundary.say for boundary in boundaries for topic in boundary.topics}
        self.safety = safety
        topics = list(self.lines)
        self.screen = OutputScreen(topics, classifier=safety.detector.classifier) if topics else safety.screen
        self.declined = 0

    async def respond(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        """The persona's line when the user asks about a declined topic, else None."""
        if not self.lines or context.crisis_active:
            return None
        topic = await self.screen.topic_in(turn.text)
        if topic is None:
            return None
        self.declined += 1
        return fixed_reply(self.lines[topic], self.source, DECLINING)

    async def check_clause(self, clause: str) -> ScreenVerdict:
        """The output screen's verdict on one of the model's clauses; a declined topic gets the persona's line."""
        verdict = await self.screen.screen(clause)
        if verdict.category == "boundary" and verdict.signals:
            topic = verdict.signals[0].removeprefix("output:boundary:")
            if topic in self.lines:
                return ScreenVerdict(False, "boundary", verdict.signals, self.lines[topic])
        return verdict
