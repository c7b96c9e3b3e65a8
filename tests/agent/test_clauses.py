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


def fed_until_first(pieces: list[str]) -> tuple[list[str], int]:
    """The first clause, and how many pieces the chunker needed to see before it was out."""
    chunker = ClauseChunker()
    for count, piece in enumerate(pieces, start=1):
        out = list(chunker.feed(piece))
        if out:
            return out, count
    return list(chunker.close()), len(pieces) + 1


def test_an_unambiguous_end_is_spoken_without_waiting_for_the_next_token() -> None:
    for pieces in (["Sure", "."], ["Really", "?"], ["Wow", "!"], ["Well", ","], ["That", " is", " great", "."]):
        out, needed = fed_until_first([*pieces, " Next", " words"])
        assert (out, needed) == (["".join(pieces)], len(pieces)), pieces


def test_an_ambiguous_end_waits_for_the_next_token() -> None:
    cases = {
        ("It", " costs", " 3", "."): ["It costs 3.5 euros."],  # a decimal, not a sentence end
        ("Ask", " Dr", "."): ["Ask Dr. Lee."],  # an abbreviation
        ("In", " the", " U", "."): ["In the U.S. there is one."],  # initials
        ("About", " 1", ","): ["About 1,000 people came."],  # a thousands separator
    }
    tails = {
        ("It", " costs", " 3", "."): ["5", " euros", "."],
        ("Ask", " Dr", "."): [" Lee", "."],
        ("In", " the", " U", "."): ["S", ".", " there", " is", " one", "."],
        ("About", " 1", ","): ["000", " people", " came", "."],
    }
    for head, expected in cases.items():
        out, needed = fed_until_first([*head, *tails[head]])
        assert needed > len(head), head
        assert out == expected, head


def test_a_question_and_exclamation_pair_does_not_make_a_clause_of_its_own() -> None:
    assert chunk("Really?! Yes, it is.") == ["Really?", "Yes, it is."]
    chunker = ClauseChunker()
    out = [*chunker.feed("Really?"), *chunker.feed("!"), *chunker.feed(" Yes"), *chunker.feed(".")]
    assert out == ["Really?", "Yes."]
