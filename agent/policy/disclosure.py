"""The robot says it is an AI when asked, whatever the persona, a plugin or the model would say (California SB 243).

``DisclosureStep`` runs right after the safety step, before the persona's boundaries, the plugins and the model, so
no persona style ("you are Sam, a human volunteer"), plugin or model reply can answer the question otherwise. The
counseling scripts say ``AI_DISCLOSURE`` at their start as well (docs/SAFETY.md, "AI disclosure").

The question is recognised by rules on the normalised text: a question about what the robot is ("are you a real
person?", "am I talking to a machine?", "is this a bot?", "you're not human, are you?", "what are you?"). A
statement about somebody else ("are you a fan of robots?", "is my son a real pain") is not one.
"""

from __future__ import annotations

import re

from companion.agent.policy.types import DialogueContext, Reply, UserTurn, fixed_reply
from companion.face.emotions import Emotion, EmotionState

AI_DISCLOSURE = "I'm an AI, a robot, not a person, and not a doctor or a therapist."

_WHAT = (
    r"(?:a\s+|an\s+)?(?:real\s+|actual\s+|living\s+|live\s+)?"
    r"(?:person|human(?:\s+being)?|man|woman|guy|lady|people|robot|machine|computer|bot|chat\s?bot|ai|a\s+i"
    r"|artificial(?:\s+intelligence)?|program|recording|software|android)"
)
_YOU = r"(?:you|u)"
_ASKED = re.compile(
    # are you (really) a person / human / robot ... ; are you real / alive
    rf"\b(?:are|r)\s+{_YOU}\s+(?:really\s+|actually\s+|even\s+|just\s+)?(?:{_WHAT}|real|alive|sentient|conscious)\b"
    # am I talking / speaking / chatting to a machine ... ; is this (thing) a bot
    rf"|\bam\s+i\s+(?:really\s+|actually\s+|just\s+)?(?:talking|speaking|chatting|texting)\s+(?:to|with)\s+{_WHAT}\b"
    rf"|\bis\s+(?:this|that|it)\s+(?:thing\s+|robot\s+|voice\s+)?(?:really\s+|actually\s+|just\s+)?{_WHAT}\b"
    # you're (not) a real person, are you / right?
    rf"|\b(?:you\s+are|you're|youre|ur)\s+(?:not\s+)?(?:really\s+)?{_WHAT}\b.*\b(?:are|aren't|arent)\s+you\b"
    rf"|\b(?:you\s+are|you're|youre|ur)\s+(?:not\s+)?(?:really\s+)?{_WHAT}\s*(?:right|aren't\s+you|\?)"
    # what are you (exactly)? -- the whole question, not "what are you doing?"
    r"|\bwhat\s+(?:exactly\s+)?are\s+you(?:\s+exactly)?\s*(?:\?|$)|\bwho\s+am\s+i\s+(?:talking|speaking)\s+(?:to|with)\b"
    rf"|\bis\s+there\s+(?:a\s+)?(?:real\s+)?(?:person|human|someone|somebody)\s+(?:there|behind|in\s+there|controlling)"
)


def asks_if_ai(text: str) -> bool:
    """True when ``text`` asks whether the robot is a person or a machine."""
    lowered = text.lower().replace("\u2019", "'")
    return bool(_ASKED.search(lowered))


class DisclosureStep:
    """Answers "are you a real person?" itself, with the persona's name, before anything else can."""

    source = "disclosure"

    async def respond(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        if not asks_if_ai(turn.text):
            return None
        name = context.persona.name
        line = f"I'm {name}. {AI_DISCLOSURE} But I'm here to listen and help as best I can."
        return fixed_reply(line, self.source, EmotionState(Emotion.NEUTRAL, 0.4))
