"""The clause chunker: early first clause, sentence ends, commas, abbreviations, numbers, forced cuts."""

from __future__ import annotations

from companion.agent.clauses import ClauseChunker


def chunk(text: str, pieces: int = 0, **options: int) -> list[str]:
    chunker = ClauseChunker(**options)
    out: list[str] = []
    if pieces:
        step = max(1, len(text) // pieces)
        parts = [text[i : i + step] for i in range(0, len(text), step)]
    else:
        parts = list(text)  # character by character: the hardest stream
    for part in parts:
        out.extend(chunker.feed(part))
    out.extend(chunker.close())
    return out


def test_sentences_become_clauses() -> None:
    assert chunk("Hello there. How are you today? I am fine!") == [
        "Hello there.",
        "How are you today?",
        "I am fine!",
    ]


def test_first_clause_is_cut_at_the_first_comma() -> None:
    assert chunk("Sure, the dinosaurs are in the east wing, next to the fossils and the minerals.") == [
        "Sure,",
        "the dinosaurs are in the east wing,",  # long enough to cut at its comma
        "next to the fossils and the minerals.",
    ]


def test_later_commas_cut_only_long_clauses() -> None:
    clauses = chunk("Yes. The big hall, on the left, has the whale skeleton that is thirty metres long, and more.")
    assert clauses[0] == "Yes."
    assert "The big hall, on the left," in clauses[1]


def test_first_clause_is_forced_after_max_words() -> None:
    clauses = chunk("one two three four five six seven eight nine ten", first_max_words=4, max_words=3)
    assert clauses == ["one two three four", "five six seven", "eight nine ten"]


def test_numbers_and_abbreviations_do_not_end_sentences() -> None:
    clauses = chunk("It weighs 3.5 tons. Dr. Smith found it e.g. in Utah. Wow.")
    assert clauses == ["It weighs 3.5 tons.", "Dr. Smith found it e.g. in Utah.", "Wow."]


def test_same_result_whatever_the_piece_sizes() -> None:
    text = "Well, that is a great question. Let me think: the moon is about 384,400 km away!"
    reference = chunk(text)
    for pieces in (1, 2, 3, 7, 20):
        assert chunk(text, pieces=pieces) == reference


def test_trailing_text_without_punctuation_is_flushed_at_close() -> None:
    assert chunk("Okay. and then") == ["Okay.", "and then"]
    assert chunk("   ") == []
