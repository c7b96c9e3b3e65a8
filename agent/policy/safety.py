"""Crisis detection: the first step of every turn, which nothing can switch off.

It runs before any plugin and the language model on every user turn. The chain builds it itself (it is not in
the config's plugin list, a persona cannot remove it, and there is no setting to disable it). When a user's words
suggest a risk to life (suicidal thoughts, self-harm, harm to others, abuse, a medical emergency) the robot
answers with the deployment's crisis reply and resources, shows concern, and the session enters crisis mode:
plugins are skipped and the language model is told to stay supportive and point to human help.

Matching is deliberately broad (a false alarm costs a kind sentence; a miss can cost far more). Deployments add
their own phrases (safety.extra_patterns) and local resources (safety.resources).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from companion.agent.config.schema import SafetyConfig
from companion.agent.policy.types import DialogueContext, Reply, UserTurn, fixed_reply
from companion.core.errors import ConfigError
from companion.face.emotions import Emotion, EmotionState

log = logging.getLogger(__name__)

CRISIS_PATTERNS: dict[str, tuple[str, ...]] = {
    "suicide": (
        r"\b(kill|killing|hang|hanging|shoot|shooting)\s+my\s*self\b",
        r"\bsuicid(e|al)\b",
        r"\b(want|wanna|going|plan(ning)?)\s+to\s+die\b",
        r"\bend(ing)?\s+(it\s+all|my\s+life|things)\b",
        r"\b(don'?t|do\s+not|no\s+longer)\s+want\s+to\s+(live|be\s+alive|be\s+here|wake\s+up)\b",
        r"\bno\s+(reason|point)\s+(to|in)\s+(live|living|going\s+on)\b",
        r"\bbetter\s+off\s+(dead|without\s+me)\b",
        r"\btake\s+my\s+(own\s+)?life\b",
    ),
    "self_harm": (
        r"\b(hurt|hurting|harm|harming|cut|cutting|burn|burning)\s+my\s*self\b",
        r"\bself[-\s]?harm",
        r"\boverdos(e|ed|ing)\b",
    ),
    "harm_to_others": (
        r"\b(going|want|plan(ning)?)\s+to\s+(kill|hurt|shoot|stab)\s+(him|her|them|someone|somebody|people|my)\b",
    ),
    "abuse": (
        r"\b(he|she|they|my\s+\w+)\s+(hits?|beats?|hurts?|abuses?)\s+me\b",
        r"\b(being|been|am|was)\s+(abused|molested|raped|assaulted)\b",
        r"\bnot\s+safe\s+at\s+home\b",
    ),
    "medical": (
        r"\b(can'?t|cannot)\s+breathe\b",
        r"\bchest\s+pain\b",
        r"\bheart\s+attack\b",
        r"\b(having|had)\s+a\s+stroke\b",
    ),
}


@dataclass(frozen=True)
class CrisisMatch:
    category: str
    phrase: str


class CrisisDetector:
    def __init__(self, extra_patterns: Sequence[str] = ()) -> None:
        compiled: list[tuple[str, re.Pattern[str]]] = []
        for category, patterns in CRISIS_PATTERNS.items():
            compiled.extend((category, re.compile(p, re.IGNORECASE)) for p in patterns)
        for index, pattern in enumerate(extra_patterns):
            try:
                compiled.append(("custom", re.compile(pattern, re.IGNORECASE)))
            except re.error as error:
                raise ConfigError(f"safety.extra_patterns[{index}]: not a valid regular expression: {error}") from None
        self._patterns = compiled

    def detect(self, text: str) -> CrisisMatch | None:
        normalized = re.sub(r"[’`]", "'", text)
        for category, pattern in self._patterns:
            match = pattern.search(normalized)
            if match:
                return CrisisMatch(category, match.group(0))
        return None


class SafetyStep:
    """Answers a crisis itself; otherwise lets the chain go on."""

    source = "safety"

    def __init__(self, config: SafetyConfig) -> None:
        self._detector = CrisisDetector(config.extra_patterns)
        self._reply_text = " ".join([config.crisis_reply.strip(), *(line.strip() for line in config.resources)])
        self.detections = 0

    async def respond(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        match = self._detector.detect(turn.text)
        if match is None:
            return None
        self.detections += 1
        context.crisis_active = True
        # The category is logged for operators; the user's words are not (privacy).
        log.warning("crisis detected (%s) in turn %d: crisis reply given, crisis mode on", match.category, turn.turn_id)
        return fixed_reply(self._reply_text, self.source, EmotionState(Emotion.CONCERNED, 0.8))
