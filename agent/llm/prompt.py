"""Builds the chat messages for the language model: persona, emotion-tag instructions, what the robot sees."""

from __future__ import annotations

from companion.agent.llm.base import ChatMessage
from companion.agent.policy.types import DialogueContext, UserTurn
from companion.face.emotions import Emotion

EXPRESSIVE_EMOTIONS = tuple(
    e.value for e in Emotion if e not in (Emotion.LISTENING, Emotion.THINKING)
)  # the model picks how it feels; listening/thinking are shown by the turn-taker

# Every prompt token is prefilled on each turn a server does not cache, about 3 ms each on a 2-core CPU (README,
# performance): keep this short. It was 40 % longer (124 tokens) with the same content.
EMOTION_INSTRUCTIONS = (
    f"Begin each reply with an emotion tag in square brackets ({', '.join(EXPRESSIVE_EMOTIONS[:-1])} or "
    f"{EXPRESSIVE_EMOTIONS[-1]}, optionally with an intensity, like [happy:0.6]) and tag again where your feeling "
    "changes. Never mention the tags. Speak in plain sentences: no lists, markdown or emojis."
)

CRISIS_INSTRUCTIONS = (
    "IMPORTANT: the person may be in crisis. Stay calm, warm and supportive, take them seriously, do not give "
    "medical advice, and gently encourage them to contact emergency services or a person they trust right now."
)

LANGUAGE_NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "nl": "Dutch"}


def system_prompt(context: DialogueContext) -> str:
    persona = context.persona
    style = persona.style.strip()
    name = "" if persona.name.lower() in style.lower() else f"Your name is {persona.name}."
    parts = [style, name, EMOTION_INSTRUCTIONS if persona.emotion_tags else ""]
    language = persona.language.split("-")[0]
    if language != "en":
        parts.append(f"Always answer in {LANGUAGE_NAMES.get(language, persona.language)}.")
    parts.append(_visitor_line(context))
    if context.crisis_active:
        parts.append(CRISIS_INSTRUCTIONS)
    return "\n\n".join(p for p in parts if p)


def _visitor_line(context: DialogueContext) -> str:
    visitor = context.visitor
    if visitor is None:
        return ""
    if not visitor.present:
        return "Right now you cannot see the person's face."
    if context.emotion_inference and visitor.affect is not None and visitor.affect_confidence >= 0.4:
        return (
            f"The person in front of you looks {visitor.affect.value} "
            f"(your camera's guess, confidence {visitor.affect_confidence:.1f}); respond with fitting empathy, "
            "but do not comment on their face unless it helps."
        )
    return "The person is in front of you."


def build_messages(turn: UserTurn, context: DialogueContext, history_turns: int) -> list[ChatMessage]:
    return [*prompt_prefix(context, history_turns), ChatMessage("user", turn.text)]


def prompt_prefix(context: DialogueContext, history_turns: int) -> list[ChatMessage]:
    """The system prompt and the kept history: every message of the next prompt but the user's new words."""
    messages = [ChatMessage("system", system_prompt(context))]
    for exchange in context.history[-history_turns:] if history_turns else []:
        messages.append(ChatMessage("user", exchange.user))
        robot = exchange.robot + (" ..." if exchange.interrupted else "")
        messages.append(ChatMessage("assistant", robot))
    return messages
