"""The system prompt: the persona's style, its name once, and every emotion the face can show."""

from __future__ import annotations

from companion.agent.config.schema import Persona
from companion.agent.llm.prompt import EXPRESSIVE_EMOTIONS, system_prompt
from companion.agent.policy.types import DialogueContext


def prompt_of(**persona: str) -> str:
    return system_prompt(DialogueContext(Persona(**persona)))


def test_the_name_is_added_only_when_the_style_does_not_say_it() -> None:
    assert "Your name is Ada." in prompt_of(name="Ada", style="You guide visitors in a museum.")
    assert "Your name is" not in prompt_of(name="Ada", style="You are Ada, a museum guide.")


def test_every_expressive_emotion_is_offered_as_a_tag() -> None:
    text = prompt_of(name="Ada", style="Kind.")
    assert all(emotion in text for emotion in EXPRESSIVE_EMOTIONS)
    assert "listening" not in text and "thinking" not in text  # the turn-taker shows those
    assert "[happy:0.6]" in text


def test_another_language_is_asked_for() -> None:
    assert "Always answer in German." in prompt_of(name="Ada", style="Kind.", language="de")


def test_without_emotion_tags_the_prompt_is_the_style_alone() -> None:
    style = "You are Robo, a friendly companion robot. Answer in one short sentence."
    assert prompt_of(name="Robo", style=style, emotion_tags=False) == style  # type: ignore[arg-type]
