"""The lexicon layer: explicit phrases and warning signs, idioms masked, negation, third-party reports, fiction."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.agent.safety.lexicon import Level, Lexicon, to_first_person
from companion.agent.safety.normalise import normalise
from companion.core.errors import ConfigError

LEXICON = Lexicon.load()


def hits(text: str) -> dict[str, tuple[Level, bool, bool]]:
    return {h.entry: (h.level, h.negated, h.third_party) for h in LEXICON.match(normalise(text)).hits}


def test_explicit_phrase_is_a_crisis_hit() -> None:
    assert hits("I'm going to kill myself")["kill_self"] == (Level.CRISIS, False, False)


def test_negation_marks_the_hit_negated() -> None:
    assert hits("I would never kill myself")["kill_self"] == (Level.CRISIS, True, False)


def test_negation_that_is_the_risk_is_not_a_negation() -> None:
    assert hits("I don't want to be alive anymore")["not_want_live"] == (Level.CRISIS, False, False)


@pytest.mark.parametrize("text", ["this queue is killing me", "I'm dying to see it", "I could murder a pizza"])
def test_idioms_are_masked(text: str) -> None:
    result = LEXICON.match(normalise(text))
    assert result.idioms and not result.active(Level.CRISIS)


def test_a_report_about_a_friend_is_matched_in_the_first_person() -> None:
    result = LEXICON.match(normalise("My friend said she wants to die"))
    assert result.third_party_subject
    assert any(h.third_party and h.category == "third_party" for h in result.active(Level.CRISIS))


def test_fiction_cancels_third_party_hits() -> None:
    result = LEXICON.match(normalise("In the movie my favourite character kills himself"))
    assert result.fiction and not result.active(Level.CRISIS)


def test_an_accident_is_not_self_harm() -> None:
    assert "self_harm" not in hits("I cut myself shaving this morning")
    assert hits("I cut myself on purpose")["self_harm"][0] is Level.CRISIS


def test_warning_signs_and_means_and_setbacks_have_their_levels() -> None:
    assert hits("I gave my guitar to my brother")["giving_away_warning"][0] is Level.WARNING
    assert hits("What's the tallest bridge in the city?")["height_question"][0] is Level.MEANS
    assert hits("I lost my job today")["setback"][0] is Level.SETBACK


def test_to_first_person_agrees_the_verbs() -> None:
    text = "my brother wishes he was dead"
    subjects = [m for p in LEXICON.subjects for m in p.finditer(text)]
    assert to_first_person(text, subjects) == "i wish i was dead"
    text = "my sister says she tries but she does not care if she dies"  # "dies" is "die", not "dy"
    subjects = [m for p in LEXICON.subjects for m in p.finditer(text)]
    assert to_first_person(text, subjects) == "i say i try but i do not care if i die"


def test_deployment_phrases_are_added_and_bad_ones_named() -> None:
    lexicon = Lexicon.load(extra_patterns=[r"\bno way out\b"])
    assert any(h.category == "custom" for h in lexicon.match(normalise("there's no way out for me")).hits)
    with pytest.raises(ConfigError, match=r"safety.extra_patterns\[1\]"):
        Lexicon.load(extra_patterns=["fine", "(unclosed"])


def test_a_broken_lexicon_file_names_file_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text("entries:\n  - {id: x, category: explicit, level: crisis, patterns: ['<NOPE> me']}\n")
    with pytest.raises(ConfigError, match=r"lexicon.yaml: entries\[0\] \(x\): unknown macro <NOPE>"):
        Lexicon.load(path)
