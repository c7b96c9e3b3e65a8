"""Words the turn-taker judges: unfinished phrases and backchannels."""

from __future__ import annotations

import pytest

from companion.agent.config.schema import TurnTakingConfig
from companion.agent.turn_rules import is_backchannel, is_false_interruption, normalize, sounds_unfinished

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


INTERRUPT_WORDS = TurnTakingConfig().interrupt_words


@pytest.mark.parametrize(
    ("text", "speech_s", "false_interruption"),
    [
        ("mhm", 0.4, True),
        ("yeah okay", 0.9, True),  # a backchannel, however long it took
        ("w30006", 0.3, True),  # a short burst whose transcript is unreliable
        ("oh wow", 0.35, True),
        ("stop", 0.3, False),  # short, but an interrupt word
        ("wait a second", 0.6, False),
        ("hold on", 0.4, False),
        ("where is the exit", 1.2, False),
        ("w30006 w30006", 0.9, False),  # long enough to be a turn
    ],
)
def test_false_interruptions(text: str, speech_s: float, false_interruption: bool) -> None:
    assert is_false_interruption(text, speech_s, BACKCHANNELS, 0.45, INTERRUPT_WORDS) is false_interruption
