"""The face breathes with the person: in the breathing script the calm tags rise with each count in and fall with
each count out, read the way the responder reads a reply (emotion tags, then clauses)."""

from __future__ import annotations

import itertools

from companion.agent.clauses import ClauseChunker
from companion.agent.emotion_tags import EmotionChange, EmotionTagParser, TextPiece
from companion.face.emotions import Emotion
from companion.plugins.counseling.loader import load_script_named
from companion.plugins.counseling.run import ScriptRun


def spoken_clauses(text: str) -> list[tuple[str, float]]:
    """Each clause with the intensity of the emotion it is spoken with (as ``agent/responder.py`` pairs them)."""
    parser, chunker = EmotionTagParser(), ClauseChunker()
    intensity = 0.0
    clauses: list[tuple[str, float]] = []
    for item in [*parser.feed(text), *parser.close()]:
        if isinstance(item, EmotionChange):
            assert item.state.emotion == Emotion.NEUTRAL  # "calm" is a face the robot has (neutral, quiet)
            intensity = item.state.intensity
        elif isinstance(item, TextPiece):
            clauses += [(clause, intensity) for clause in chunker.feed(item.text)]
    return clauses + [(clause, intensity) for clause in chunker.close()]


def test_the_count_rises_on_the_in_breath_and_falls_on_the_out_breath() -> None:
    turn = ScriptRun(load_script_named("breathing")).start()
    clauses = spoken_clauses(turn.text)
    starts = [i for i, (clause, _) in enumerate(clauses) if clause.startswith("Breathe in")]
    assert len(starts) == 4  # four cycles
    for start in starts:
        cycle = clauses[start : start + 10]
        breathing_in = [intensity for _, intensity in cycle[:4]]
        breathing_out = [intensity for _, intensity in cycle[4:]]
        assert cycle[4][0].startswith("And out") and cycle[-1][0] == "six."
        assert all(a < b for a, b in itertools.pairwise(breathing_in)), breathing_in
        assert all(a > b for a, b in itertools.pairwise(breathing_out)), breathing_out
        assert breathing_in[-1] > breathing_out[0]


def test_the_exercise_runs_to_its_end_in_one_reply_with_pauses_between_cycles() -> None:
    run = ScriptRun(load_script_named("breathing"))
    turn = run.start()
    assert run.finished and [h.reason for h in turn.happenings] == ["completed"]  # type: ignore[union-attr]
    assert [line.pause_s for line in turn.lines if "Breathe in" in line.text] == [1.0] * 4
