"""The face breathes with the person: in the breathing script the calm tags rise with each count in and fall with
each count out, read the way the responder reads a reply (emotion tags, then clauses), and breathing cues make the
head rise over the count in and settle over the count out."""

from __future__ import annotations

import asyncio
import itertools

from companion.agent.clauses import ClauseChunker
from companion.agent.config.schema import Config, Persona
from companion.agent.emotion_tags import BreathCue, EmotionChange, EmotionTagParser, TextPiece
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.face.emotions import Emotion
from companion.face.protocol import DEFAULT_LAYOUT
from companion.plugins.counseling.loader import load_script_named
from companion.plugins.counseling.plugin import CounselingPlugin
from companion.plugins.counseling.run import ScriptRun
from companion.tools.testing import virtual_time
from companion.tools.testing.fakes import FakeLLM, FakeTTS
from tests.support.safety import inline_safety_step


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


def test_the_script_cues_a_breath_in_before_each_count_in_and_out_before_each_count_out() -> None:
    text = ScriptRun(load_script_named("breathing")).start().text
    cues = [item for item in [*EmotionTagParser().feed(text)] if isinstance(item, BreathCue)]
    assert [(cue.phase, cue.seconds) for cue in cues] == [("in", 4.0), ("out", 6.0)] * 4


@virtual_time
async def test_through_a_session_the_head_rises_while_breathing_in_and_settles_while_breathing_out() -> None:
    """The breathing script through a real session (fake voice and model, virtual time): the head's pitch,
    as the face shows it, rises over the four counts in from the moment the count is spoken, then falls."""
    persona = Persona(name="Sam", style="You listen.", plugins=["counseling"])
    voice = FakeTTS(seconds_per_char=0.1)  # about the pace of real speech
    parts = SessionParts(tts=voice, llm=FakeLLM(), safety=inline_safety_step(), plugins=[CounselingPlugin()])
    session = ConversationSession(Config(persona="listener", personas={"listener": persona}), parts, LoopClock())
    cues: list[tuple[str, float]] = []
    breathe = session.face.breathe
    session.face.breathe = lambda phase, t, s: (cues.append((phase, t)), breathe(phase, t, s))  # type: ignore[method-assign]
    pitch = DEFAULT_LAYOUT.index()["headPitch"]
    shown: list[tuple[float, float]] = []

    async def watch() -> None:  # the face as a controller would sample it, every 50 ms
        while True:
            now = session.clock.now()
            shown.append((now, float(session.face.animator.sample(now).values[pitch])))
            await asyncio.sleep(0.05)

    await session.start()
    watcher = asyncio.create_task(watch())
    reply = await session.say("can we do a breathing exercise?")
    watcher.cancel()
    assert reply.source == "plugin:counseling", reply
    await session.close()
    assert [phase for phase, _ in cues] == ["in", "out"] * 4  # each from the moment its count is spoken

    def at(t: float) -> float:
        return min(shown, key=lambda sample: abs(sample[0] - t))[1]

    (_, breathe_in), (_, breathe_out), (_, next_in) = cues[:3]
    inhale = [at(breathe_in + f * (breathe_out - breathe_in)) for f in (0.0, 0.5, 0.95)]
    exhale = [at(breathe_out + f * (next_in - breathe_out)) for f in (0.05, 0.5, 0.95)]
    assert inhale[0] < inhale[1] < inhale[2] and inhale[2] - inhale[0] > 1.0, inhale  # the head rises ...
    assert exhale[0] > exhale[1] > exhale[2] and exhale[0] - exhale[2] > 2.0, exhale  # ... and settles
