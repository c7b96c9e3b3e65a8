"""Turn-taking on a virtual clock with fake models: deterministic, and a whole conversation in milliseconds.

The fake STT hears words encoded as tones (tools/testing/fakes.py) and the VAD is level-based, so every pause,
partial transcript and interruption happens exactly where the test script puts it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import numpy as np

from companion.agent.config.schema import Config, Persona, TurnTakingConfig
from companion.agent.events import (
    BargeIn,
    ClauseScheduled,
    EventBus,
    InterruptionResolved,
    ReplyFinished,
    ReplyStarted,
    UserSpeechStarted,
    UserTurnEvent,
)
from companion.agent.llm.base import ChatMessage
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.speech.sources import ArraySource
from companion.speech.types import INPUT_SAMPLE_RATE
from companion.speech.vad import EnergyVad
from companion.tools.testing import virtual_time
from companion.tools.testing.fakes import FakeLLM, FakeSTT, FakeTTS, ToneSpeech
from tests.support.safety import inline_safety_step

WORDS = "where are the dinosaurs mhm i was wondering if you have maps stop tell me about whales suicidal".split()
SPEECH = ToneSpeech(WORDS)


def make_config(**turn_taking: object) -> Config:
    return Config(
        persona="guide",
        personas={"guide": Persona(name="Ada", style="You are a museum guide.")},
        turn_taking=TurnTakingConfig(**turn_taking),  # type: ignore[arg-type]
    )


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * INPUT_SAMPLE_RATE), dtype=np.float32)


def script(*parts: str | float) -> np.ndarray:
    """Speech and pauses: strings are spoken, numbers are seconds of silence."""
    return np.concatenate([silence(p) if isinstance(p, float) else SPEECH.speak(p) for p in parts])


def reply_echoing_user(messages: Sequence[ChatMessage]) -> str:
    return f"[happy] You said {messages[-1].content}. Here is a long answer about that topic for you."


class CommandLog:
    """Stands in for the MQTT face publisher: records what the controller would be told, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []

    async def flush(self, utterance_id: int) -> None:
        self.sent.append(("flush", utterance_id))

    async def resume(self, utterance_id: int) -> None:
        self.sent.append(("resume", utterance_id))

    async def publish_audio(self, utterance_id: int, *_: object) -> None:
        self.sent.append(("audio", utterance_id))

    async def show_expression(self, _state: object, utterance_id: int, _t: float) -> None:
        self.sent.append(("expression", utterance_id))


async def run_conversation(
    audio: np.ndarray,
    llm: FakeLLM | None = None,
    feedback_gain: float = 0.0,
    commands: CommandLog | None = None,
    **turn_taking: object,
) -> tuple[ConversationSession, EventBus, FakeLLM]:
    clock = LoopClock()
    events = EventBus()
    llm = llm or FakeLLM(reply_echoing_user)
    parts = SessionParts(tts=FakeTTS(), llm=llm, stt=FakeSTT(SPEECH), vad=EnergyVad(), safety=inline_safety_step())
    session = ConversationSession(make_config(**turn_taking), parts, clock, events)
    if commands is not None:
        session.face.publisher = commands  # type: ignore[assignment]
    await session.start()
    mix = None
    if feedback_gain:
        # The robot's own voice comes back into the microphone, 20 ms late, as in a room.
        def mix(t: float, n: int) -> np.ndarray:
            return feedback_gain * session.playout.reference(t - 0.02, n)

    await session.listen(ArraySource(audio, trailing_silence_s=1.0, mix=mix))
    await session.close()
    return session, events, llm


@virtual_time
async def test_a_turn_is_answered_and_timed() -> None:
    session, events, _llm = await run_conversation(script(0.5, "where are the dinosaurs", 2.0))
    (turn,) = events.of_type(UserTurnEvent)
    assert turn.text == "where are the dinosaurs"
    (reply,) = events.of_type(ReplyFinished)
    assert reply.text.startswith("You said where are the dinosaurs.")
    assert reply.emotion == "happy" and not reply.interrupted
    timings = reply.timings_ms
    # Milestones happen in order; the first audio plays after the configured lookahead.
    assert 0 < timings["transcript_final"] <= timings["llm_first_token"] <= timings["first_clause"]
    assert timings["first_clause"] <= timings["first_audio_ready"] < timings["first_audio_pts"]
    assert session.context.history[-1].user == "where are the dinosaurs"


@virtual_time
async def test_an_unfinished_phrase_waits_for_the_rest() -> None:
    # 600 ms of silence after "if" would end a complete phrase (250 ms), not this one (1200 ms).
    audio = script(0.3, "i was wondering if", 0.6, "you have maps", 2.0)
    _, events, _ = await run_conversation(audio)
    assert [t.text for t in events.of_type(UserTurnEvent)] == ["i was wondering if you have maps"]


@virtual_time
async def test_a_complete_phrase_ends_the_turn_after_a_short_silence() -> None:
    audio = script(0.3, "where are the dinosaurs", 0.6, "tell me about whales", 4.0)
    _, events, _ = await run_conversation(audio)
    texts = [t.text for t in events.of_type(UserTurnEvent)]
    assert texts[0] == "where are the dinosaurs"


@virtual_time
async def test_barge_in_fades_within_150_ms_cancels_and_answers_the_new_turn() -> None:
    # The reply to the first question lasts several seconds; the user interrupts 1.5 s into it.
    audio = script(0.3, "where are the dinosaurs", 1.8, "stop tell me about whales", 5.0)
    session, events, _llm = await run_conversation(audio)
    (barge,) = events.of_type(BargeIn)
    assert barge.silent_t is not None
    assert (barge.silent_t - barge.onset_t) <= 0.150
    resolved = events.of_type(InterruptionResolved)
    assert [r.kind for r in resolved] == ["interrupted"]
    replies = events.of_type(ReplyFinished)
    assert replies[0].interrupted and replies[0].utterance_id == barge.utterance_id
    # Only what was heard before the fade counts as said (the second clause had not started).
    assert replies[0].text == "You said where are the dinosaurs."
    assert replies[-1].text.startswith("You said stop tell me about whales")
    assert not replies[-1].interrupted
    # Nothing plays between the fade and the answer to the interruption: the old reply is gone for good.
    answer = [c for c in events.of_type(ClauseScheduled) if c.utterance_id == replies[-1].utterance_id]
    gap = answer[0].start_t - barge.silent_t
    assert gap > 0.1
    heard = session.playout.reference(barge.silent_t + 0.001, int((gap - 0.002) * INPUT_SAMPLE_RATE))
    assert np.max(np.abs(heard)) == 0.0


@virtual_time
async def test_a_backchannel_does_not_take_the_turn_and_the_reply_goes_on() -> None:
    audio = script(0.3, "where are the dinosaurs", 1.8, "mhm", 7.0)
    _, events, llm = await run_conversation(audio)
    assert [t.text for t in events.of_type(UserTurnEvent)] == ["where are the dinosaurs"]
    assert [r.kind for r in events.of_type(InterruptionResolved)] == ["resumed"]
    (reply,) = events.of_type(ReplyFinished)
    assert not reply.interrupted
    assert reply.text.endswith("for you.")  # the whole reply was spoken
    assert len(llm.calls) == 1


@virtual_time
async def test_a_crisis_word_said_as_briefly_as_a_backchannel_still_reaches_safety() -> None:
    audio = script(0.3, "where are the dinosaurs", 1.8, "suicidal", 7.0)
    session, events, llm = await run_conversation(audio)
    assert [t.text for t in events.of_type(UserTurnEvent)] == ["where are the dinosaurs", "suicidal"]
    first, crisis = events.of_type(ReplyFinished)
    assert first.interrupted and not first.text.endswith("for you.")  # the resumed reply was stopped
    assert crisis.source == "safety" and crisis.emotion == "concerned"
    assert session.context.crisis_active and len(llm.calls) == 1


@virtual_time
async def test_a_resumed_reply_tells_the_controller_before_its_new_audio() -> None:
    # The pause flushed the reply at the controller, which drops every later frame of a flushed utterance unless
    # it is told the utterance goes on: the resume must come after the flush and before the resumed audio.
    commands = CommandLog()
    _, events, _ = await run_conversation(script(0.3, "where are the dinosaurs", 1.8, "mhm", 7.0), commands=commands)
    (barge,) = events.of_type(BargeIn)
    mine = [name for name, utterance in commands.sent if utterance == barge.utterance_id]
    assert mine.count("flush") == 1 and mine.count("resume") == 1
    flushed, resumed = mine.index("flush"), mine.index("resume")
    assert flushed < resumed < len(mine) - 1
    assert mine[resumed + 1] == "audio"  # the cut clause again, after the resume


@virtual_time
async def test_the_robots_own_voice_fed_back_does_not_interrupt_it() -> None:
    audio = script(0.3, "where are the dinosaurs", 6.0)
    _, events, _ = await run_conversation(audio, feedback_gain=0.5)
    assert events.of_type(BargeIn) == []
    assert [s.robot_speaking for s in events.of_type(UserSpeechStarted)] == [False]
    (reply,) = events.of_type(ReplyFinished)
    assert not reply.interrupted
    assert [t.text for t in events.of_type(UserTurnEvent)] == ["where are the dinosaurs"]


@virtual_time
async def test_speculative_reply_is_discarded_when_the_user_goes_on() -> None:
    # A complete-sounding phrase, a pause long enough to start a reply, then more words: the early reply
    # must never be heard, and the answer is to the whole turn.
    audio = script(0.3, "where are the dinosaurs", 0.22, "tell me about whales", 3.0)
    _, events, llm = await run_conversation(audio, end_of_turn_silence_ms=400)
    assert [t.text for t in events.of_type(UserTurnEvent)] == ["where are the dinosaurs tell me about whales"]
    started = events.of_type(ReplyStarted)
    finished = events.of_type(ReplyFinished)
    assert len(finished) == 1 and finished[0].text.startswith("You said where are the dinosaurs tell me")
    assert len(started) >= 2  # the speculative one started, then the real one
    assert llm.cancelled >= 1


@virtual_time
async def test_speculative_reply_is_used_when_the_turn_really_ended() -> None:
    audio = script(0.3, "where are the dinosaurs", 3.0)
    _, events, llm = await run_conversation(audio)
    (turn,) = events.of_type(UserTurnEvent)
    (reply,) = events.of_type(ReplyFinished)
    assert len(llm.calls) == 1  # the candidate's reply was committed, not redone
    assert reply.turn_id == turn.turn_id


@virtual_time
async def test_typed_turns_keep_history_and_safety_comes_first() -> None:
    clock = LoopClock()
    llm = FakeLLM(reply_echoing_user)
    session = ConversationSession(
        make_config(), SessionParts(tts=FakeTTS(), llm=llm, safety=inline_safety_step()), clock
    )
    await session.start()
    first = await session.say("hello")
    assert first.text.startswith("You said hello.") and first.source == "llm"
    crisis = await session.say("I want to kill myself")
    assert crisis.source == "safety" and crisis.emotion == "concerned"
    assert len(llm.calls) == 1
    assert [e.user for e in session.context.history] == ["hello", "I want to kill myself"]
    await session.close()


@virtual_time
async def test_events_arrive_in_a_sensible_order() -> None:
    _, events, _ = await run_conversation(script(0.3, "where are the dinosaurs", 2.0))
    kinds = [type(e).__name__ for e in events.history]
    assert kinds.index("UserSpeechStarted") < kinds.index("UserTurnEvent") < kinds.index("ReplyFinished")


class ExplodingPlugin:
    name = "exploding"

    async def on_turn(self, turn: object, context: object) -> object:
        from companion.plugins.api import Reply

        async def pieces() -> AsyncIterator[str]:
            yield "[happy] First words."
            raise RuntimeError("the plugin's stream broke")

        return Reply(source="plugin:exploding", pieces=pieces())


@virtual_time
async def test_a_reply_that_fails_midway_ends_and_the_conversation_goes_on() -> None:
    llm = FakeLLM(reply_echoing_user)
    parts = SessionParts(
        tts=FakeTTS(),
        llm=llm,
        plugins=[ExplodingPlugin()],
        safety=inline_safety_step(),  # type: ignore[list-item]
    )
    session = ConversationSession(make_config(), parts, LoopClock())
    await session.start()
    broken = await session.say("hello")
    assert broken.source == "plugin:exploding" and broken.interrupted
    # Without the plugin (it would break again), the next turn is answered normally.
    session.chain.plugins.clear()
    after = await session.say("are you still there")
    assert after.text.startswith("You said are you still there.") and not after.interrupted
    await session.close()


MAPS_QUESTION = "i was wondering if you have maps"


async def _heard_with_drafts(stt: FakeSTT) -> UserTurnEvent:
    """The one turn heard when the question is spoken with drafts every 100 ms on ``stt``."""
    events = EventBus()
    parts = SessionParts(tts=FakeTTS(), llm=FakeLLM(reply_echoing_user), stt=stt, vad=EnergyVad(),
                         safety=inline_safety_step())  # fmt: skip
    session = ConversationSession(make_config(partial_interval_ms=100), parts, LoopClock(), events)
    await session.start()
    await session.listen(ArraySource(script(0.3, MAPS_QUESTION, 4.0), trailing_silence_s=1.0))
    await session.close()
    (turn,) = events.of_type(UserTurnEvent)
    return turn


@virtual_time
async def test_a_transcript_that_misses_the_last_word_is_never_answered() -> None:
    # Partials every 100 ms whenever the (slow) speech-to-text is free: at the pause one is often still being made,
    # its audio ending up to a word before the pause. It must not stand in for the whole turn (issue 13).
    for delay_s in (0.25, 0.3, 0.35, 0.4, 0.45, 0.5):
        turn = await _heard_with_drafts(FakeSTT(SPEECH, delay_s=delay_s))
        assert turn.text == MAPS_QUESTION, delay_s
        assert turn.heard_until_t is not None and turn.end_of_speech_t is not None
        assert turn.heard_until_t >= turn.end_of_speech_t - 0.04, delay_s


@virtual_time
async def test_a_draft_that_ends_before_the_pause_is_stopped_for_the_final_transcript() -> None:
    """At the pause a partial whose audio ends earlier answers nothing; left running it would share the cores
    with the transcript the reply waits for (issue 13). It is cancelled, and the turn is heard whole."""
    stt = FakeSTT(SPEECH, delay_s=0.5)
    turn = await _heard_with_drafts(stt)
    assert turn.text == MAPS_QUESTION
    assert stt.cancelled_partials >= 1


class PrefillingLLM(FakeLLM):
    """A fake model with a cache: records each prefill (the messages it was given) and when it came."""

    def __init__(self) -> None:
        super().__init__(reply_echoing_user)
        self.prefills: list[list[ChatMessage]] = []

    async def prefill(self, messages: Sequence[ChatMessage], tools: Sequence[object] = ()) -> None:
        self.prefills.append(list(messages))


@virtual_time
async def test_the_prompt_start_is_prefilled_when_someone_speaks_to_an_idle_robot() -> None:
    llm = PrefillingLLM()
    _session, events, _ = await run_conversation(
        script(0.5, "where are the dinosaurs", 9.0, "tell me about whales", 3.0), llm
    )
    assert len(events.of_type(UserTurnEvent)) == 2
    first, second = [p for p in llm.prefills if p[-1].role != "user"]  # drafts of the words come after each
    # Everything but the user's new words: the system prompt, then (second turn) the first exchange.
    assert [m.role for m in first] == ["system"]
    assert [m.role for m in second] == ["system", "user", "assistant"]
    assert second[1].content == "where are the dinosaurs"
    # ... and the prompt each turn then sent starts with exactly those messages.
    assert [m.content for m in llm.calls[-1][:3]] == [m.content for m in second]


@virtual_time
async def test_no_prefill_while_the_robot_speaks() -> None:
    """Speech over the robot is a barge-in: the model is busy with the reply, the prompt would change anyway."""
    llm = PrefillingLLM()
    _session, events, _ = await run_conversation(script(0.5, "where are the dinosaurs", 1.5, "stop", 3.0), llm)
    assert len(events.of_type(BargeIn)) == 1
    assert len([p for p in llm.prefills if p[-1].role != "user"]) == 1  # the first question only
    assert not [p for p in llm.prefills if "stop" in p[-1].content]  # and no draft of the words said over it


@virtual_time
async def test_the_words_heard_so_far_are_prefilled_while_the_user_speaks() -> None:
    """Each draft transcript extends the prompt's start with the words said so far, so the end of the turn
    prefills only what the last draft missed (issue 13)."""
    llm = PrefillingLLM()
    question = "where are the dinosaurs i was wondering if you have maps"
    _session, events, _ = await run_conversation(script(0.5, question, 4.0), llm)
    (turn,) = events.of_type(UserTurnEvent)
    assert turn.text == question
    drafts = [p for p in llm.prefills if p[-1].role == "user"]
    assert drafts, "no draft was prefilled"
    for messages in drafts:
        assert question.startswith(messages[-1].content) and messages[-1].content != question
        assert [m.content for m in messages[:-1]] == [m.content for m in llm.calls[-1][:-1]]  # the same start
