"""The reply's first audio goes first: the responder holds FIRST_AUDIO while its first chunk is synthesized, and an
in-process language model waits between tokens meanwhile (bench latency measures the effect)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from companion.agent.config.schema import Config, Persona
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.core.first_audio import FIRST_AUDIO, FirstAudio
from companion.core.worker import CancelToken
from companion.speech.types import SpeechAudio
from companion.tools.testing import virtual_time
from companion.tools.testing.fakes import FakeLLM, FakeTTS
from companion.tools.tiny import TinyModels
from tests.support.safety import inline_safety_step


def test_a_free_gate_never_waits() -> None:
    assert FirstAudio().wait_turn() == 0.0


def test_a_held_gate_waits_until_released_or_cancelled_or_too_long() -> None:
    gate = FirstAudio()
    with gate.hold():
        assert gate.held
        assert 0.005 < gate.wait_turn(max_wait_s=0.05) < 0.5  # bounded: a voice that hangs stops no model
        cancel = CancelToken()
        threading.Timer(0.05, cancel.cancel).start()
        assert gate.wait_turn(cancel, max_wait_s=5.0) < 2.0  # a cancelled reply stops waiting
    assert not gate.held
    holder = gate.hold()
    holder.__enter__()
    threading.Timer(0.05, lambda: holder.__exit__(None, None, None)).start()
    assert gate.wait_turn(max_wait_s=5.0) < 2.0  # the release wakes the waiter


class RecordingTTS(FakeTTS):
    """Notes, for each clause it voices, whether first audio was held meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[bool] = []

    async def _speak(self, text: str) -> SpeechAudio:
        self.held.append(FIRST_AUDIO.held)
        return await super()._speak(text)


@virtual_time
async def test_the_first_clause_is_voiced_under_the_hold_and_the_rest_without() -> None:
    config = Config(persona="guide", personas={"guide": Persona(name="Ada", style="You guide.")})
    tts = RecordingTTS()
    llm = FakeLLM("[happy] Welcome to the museum. The robots are upstairs. Enjoy your visit.")
    session = ConversationSession(config, SessionParts(tts=tts, llm=llm, safety=inline_safety_step()), LoopClock())
    await session.start()
    await session.say("hello")
    await session.close()
    assert len(tts.held) >= 2, tts.texts
    assert tts.held[0] and not any(tts.held[1:])
    assert not FIRST_AUDIO.held


@pytest.mark.integration
async def test_the_in_process_model_waits_between_tokens_while_first_audio_is_made(tiny_models: TinyModels) -> None:
    from companion.agent.llm.base import ChatMessage
    from companion.agent.llm.transformers_llm import TransformersLLM

    llm = TransformersLLM(tiny_models.llm, threads=1, quantize="none", dtype="float32", max_new_tokens=4)
    try:
        await llm.warm_up()
        saw_wait = False

        async def generate() -> None:
            async for _piece in llm.stream([ChatMessage("user", "Hello")], max_new_tokens=4):
                pass

        with FIRST_AUDIO.hold():
            task = asyncio.create_task(generate())
            deadline = time.monotonic() + 10
            while not saw_wait and time.monotonic() < deadline and not task.done():
                saw_wait = FIRST_AUDIO.waiting > 0
                await asyncio.sleep(0.005)
        await asyncio.wait_for(task, 10)
        assert saw_wait  # the model stopped between tokens until the hold ended
    finally:
        await llm.close()
