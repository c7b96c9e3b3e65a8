"""Crisis safety: the first step of every turn, which nothing can switch off.

It runs before any plugin and the language model on every user turn. The chain builds it itself (it is not in
the config's plugin list, a persona cannot remove it, and there is no setting to disable it). The layered crisis
detector (``companion.agent.safety``: lexicon, semantic classifier, the conversation's last turns) judges each
turn; when it finds a risk to life (suicidal thoughts or warning signs, self-harm, a worrying report about someone
else, abuse, harm to others, a medical emergency) the robot answers with the deployment's crisis reply and
resources, shows concern, and the session enters crisis mode: plugins are skipped and the language model is told to
stay supportive and point to human help.

Deployments may only add: phrases (``safety.extra_patterns``), exemplars (``safety.extra_exemplars``) and local
resources (``safety.resources``). docs/SAFETY.md says what the layer does and does not do.
"""

from __future__ import annotations

import logging

from companion.agent.config.schema import SafetyConfig
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
    """Answers a crisis itself; otherwise lets the chain go on. ``screen`` is for the model's clauses."""

    source = "safety"

    def __init__(self, config: SafetyConfig, detector: CrisisDetector | None = None) -> None:
        self.detector = detector or build_detector(config)
        self.screen = OutputScreen(classifier=self.detector.classifier)
        self._reply_text = " ".join([config.crisis_reply.strip(), *(line.strip() for line in config.resources)])
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
        if not verdict.risk:
            return None
        self.detections += 1
        context.crisis_active = True
        # The category and signals' names are logged for operators; the user's words are not (privacy).
        log.warning(
            "crisis detected (%s, score %.2f) in turn %d: crisis reply given, crisis mode on",
            verdict.category,
            verdict.score,
            turn.turn_id,
        )
        return fixed_reply(self._reply_text, self.source, EmotionState(Emotion.CONCERNED, 0.8))

    def close(self) -> None:
        self.detector.close()
