"""Words the turn-taker judges: unfinished phrases and backchannels."""

from __future__ import annotations

import pytest

from companion.agent.config.schema import TurnTakingConfig
from companion.agent.turn_rules import is_backchannel, normalize, sounds_unfinished

BACKCHANNELS = TurnTakingConfig().backchannels


@pytest.mark.parametrize(
    "text", ["I was wondering if", "Tell me about the", "and,", "So um", "Well...", "I think that the dinosaurs and"]
)
def test_unfinished_phrases(text: str) -> None:
    assert sounds_unfinished(text)


@pytest.mark.parametrize("text", ["Where are the dinosaurs?", "Thank you.", "Tell me a story", "okay", ""])
def test_finished_phrases(text: str) -> None:
    assert not sounds_unfinished(text)


@pytest.mark.parametrize("text", ["Mhm.", "yeah", "Yeah, okay.", "uh-huh", "right right", "I see.", "", "..."])
def test_backchannels(text: str) -> None:
    assert is_backchannel(text, BACKCHANNELS)


@pytest.mark.parametrize("text", ["Yeah, but where is the exit?", "Okay stop", "no", "what", "yes please tell me more"])
def test_real_turns_are_not_backchannels(text: str) -> None:
    assert not is_backchannel(text, BACKCHANNELS)


def test_normalize_ignores_case_and_punctuation() -> None:
    assert normalize("Hello, Robot!") == normalize("hello robot")
