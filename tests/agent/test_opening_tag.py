"""The opening tag's prefix tree and the model's choice in it (``agent/llm/opening_tag.py``), on a toy tokenizer."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass

from companion.agent.config.schema import Persona
from companion.agent.llm.base import ChatMessage
from companion.agent.llm.opening_tag import OpeningTags, asks_for_opening_tag, choose
from companion.agent.llm.prompt import build_messages
from companion.agent.policy.types import DialogueContext, UserTurn


@dataclass
class Encoded:
    input_ids: list[int]


class PieceTokenizer:
    """Splits text into known pieces, longest first; one id per piece."""

    def __init__(self, pieces: list[str]) -> None:
        self.pieces = sorted(pieces, key=len, reverse=True)

    def __call__(self, text: str, add_special_tokens: bool = False) -> Encoded:
        ids = []
        while text:
            piece = next((p for p in self.pieces if text.startswith(p)), text[0])
            ids.append(self.pieces.index(piece) if piece in self.pieces else 1000 + ord(piece))
            text = text[len(piece) :]
        return Encoded(ids)


def test_the_tree_asks_only_where_the_tags_differ() -> None:
    tokenizer = PieceTokenizer(["[", "ha", "ppy", "s", "ad", "ur", "prised"])
    tags = OpeningTags.build(tokenizer, ["happy", "sad", "surprised"])
    assert tags is not None
    bracket, ha, s = tokenizer("[").input_ids[0], tokenizer("ha").input_ids[0], tokenizer("s").input_ids[0]
    assert tags.next_tokens([]) == [bracket]  # certain: no model pass
    assert sorted(tags.next_tokens([bracket])) == sorted([ha, s])  # the first choice
    assert tags.next_tokens([bracket, ha]) == tokenizer("ppy").input_ids  # certain again
    assert len(tags.next_tokens([bracket, s])) == 2  # "sad" or "surprised": a second choice
    assert tags.next_tokens(tokenizer("[happy").input_ids) == []  # the word is complete


def test_no_tree_when_a_tag_is_spelled_differently_before_its_bracket() -> None:
    tokenizer = PieceTokenizer(["[", "happy", "happy]", "sad"])  # "[happy]" -> "[", "happy]"
    assert OpeningTags.build(tokenizer, ["happy", "sad"]) is None


def test_no_tree_when_one_tag_starts_another() -> None:
    tokenizer = PieceTokenizer(["[", "sad", "der"])
    assert OpeningTags.build(tokenizer, ["sad", "sadder"]) is None


def test_the_choice_follows_the_model() -> None:
    rng = random.Random(0)
    assert choose([0.5, 3.0, 1.0], [7, 8, 9], 0.0, rng) == 8  # greedy
    assert choose([-math.inf, -math.inf], [7, 8], 0.7, rng) == 7  # every option forced out: the first
    draws = Counter(choose([math.log(0.8), math.log(0.2)], [7, 8], 1.0, rng) for _ in range(2000))
    assert 0.75 < draws[7] / 2000 < 0.85  # sampled in proportion at temperature 1
    nucleus = {choose([math.log(0.8), math.log(0.2)], [7, 8], 1.0, rng, top_p=0.5) for _ in range(200)}
    assert nucleus == {7}  # top-p keeps only the likeliest tokens holding that much probability


def test_only_a_prompt_with_the_tag_instructions_asks_for_an_opening_tag() -> None:
    turn = UserTurn(1, "hello", "voice", 0.0)
    tagged = build_messages(turn, DialogueContext(Persona(name="Ada", style="You are Ada.")), 8)
    untagged = build_messages(turn, DialogueContext(Persona(name="Ada", style="You are Ada.", emotion_tags=False)), 8)
    assert asks_for_opening_tag(tagged)
    assert not asks_for_opening_tag(untagged)
    assert not asks_for_opening_tag([ChatMessage("user", "hello")])
