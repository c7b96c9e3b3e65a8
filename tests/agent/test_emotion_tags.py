"""The streaming emotion-tag parser: tags split anywhere, intensities, synonyms, things that are not tags."""

from __future__ import annotations

import pytest

from companion.agent.emotion_tags import (
    DEFAULT_TAG_INTENSITY,
    EmotionChange,
    EmotionTagParser,
    Parsed,
    TextPiece,
    parse_tag,
)
from companion.face.emotions import Emotion, EmotionState


def run(pieces: list[str]) -> tuple[str, list[EmotionState]]:
    parser = EmotionTagParser()
    items: list[Parsed] = []
    for piece in pieces:
        items.extend(parser.feed(piece))
    items.extend(parser.close())
    text = "".join(i.text for i in items if isinstance(i, TextPiece))
    return text, [i.state for i in items if isinstance(i, EmotionChange)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("happy", EmotionState(Emotion.HAPPY, DEFAULT_TAG_INTENSITY)),
        ("sad:0.4", EmotionState(Emotion.SAD, 0.4)),
        ("joy 0.9", EmotionState(Emotion.HAPPY, 0.9)),
        ("emotion=Surprise", EmotionState(Emotion.SURPRISED, DEFAULT_TAG_INTENSITY)),
        ("angry=80", EmotionState(Emotion.ANGRY, 0.8)),
        ("laughs", EmotionState(Emotion.HAPPY, DEFAULT_TAG_INTENSITY)),
        ("pause", None),
        ("3", None),
    ],
)
def test_parse_tag(body: str, expected: EmotionState | None) -> None:
    assert parse_tag(body) == expected


def test_tag_split_across_every_possible_piece_boundary() -> None:
    reply = "[happy:0.8] Hello there! [sad] Oh no."
    for cut in range(1, len(reply)):
        text, emotions = run([reply[:cut], reply[cut:]])
        assert text == " Hello there!  Oh no.", cut
        assert emotions == [EmotionState(Emotion.HAPPY, 0.8), EmotionState(Emotion.SAD, DEFAULT_TAG_INTENSITY)]


def test_token_by_token_stream_keeps_order_of_text_and_tags() -> None:
    parser = EmotionTagParser()
    items: list[Parsed] = []
    for piece in ["Well", ", [", "surpr", "ised] that", " is", " new", "."]:
        items.extend(parser.feed(piece))
    items.extend(parser.close())
    # Adjacent text pieces joined: text before the tag, the tag, text after it.
    merged: list[str] = []
    for item in items:
        if isinstance(item, EmotionChange):
            merged.append("<tag>")
        elif merged and merged[-1] != "<tag>":
            merged[-1] += item.text
        else:
            merged.append(item.text)
    assert merged == ["Well, ", "<tag>", " that is new."]


def test_stage_directions_and_unknown_brackets_are_not_spoken() -> None:
    text, emotions = run(["*smiles* Nice to ", "meet you [pause] friend."])
    assert text == " Nice to meet you  friend."
    assert emotions == [EmotionState(Emotion.HAPPY, DEFAULT_TAG_INTENSITY)]


def test_text_that_only_looks_like_a_tag_is_kept() -> None:
    text, emotions = run(["3 < 5 and 7 > 2, also a * b is multiplication"])
    assert text == "3 < 5 and 7 > 2, also a * b is multiplication"
    assert emotions == []


def test_unclosed_bracket_at_the_end_is_spoken() -> None:
    text, emotions = run(["See [figure"])
    assert text == "See [figure"
    assert emotions == []
