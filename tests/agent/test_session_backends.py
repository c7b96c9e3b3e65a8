"""The session with the OpenAI-compatible backend (against a local server speaking that wire format) and metrics."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp

from companion.agent.config.schema import Config, LlmConfig, ModelsConfig, Persona
from companion.agent.llm.openai_compat import OpenAICompatibleLLM
from companion.agent.metrics import Metrics
from companion.agent.session import ConversationSession, SessionParts
from companion.tools.testing.fakes import FakeTTS
from tests.support.openai_server import Behaviour, FakeOpenAIServer
from tests.support.safety import inline_safety_step


def config_for(base_url: str) -> Config:
    llm = LlmConfig(backend="openai", base_url=base_url, first_token_timeout_s=0.5, fallback_line="One moment, please.")
    return Config(
        persona="guide",
        personas={"guide": Persona(name="Ada", style="You are a museum guide.")},
        models=ModelsConfig(llm=llm),
    )


@contextlib.asynccontextmanager
async def session_against(behaviour: Behaviour) -> AsyncIterator[tuple[ConversationSession, FakeOpenAIServer, Metrics]]:
    """A session whose language model is the OpenAI-compatible backend talking to a local server."""
    server = FakeOpenAIServer(behaviour=behaviour)
    config = config_for(await server.start())
    llm = OpenAICompatibleLLM(config.models.llm.options)
    metrics = Metrics()
    session = ConversationSession(
        config, SessionParts(tts=FakeTTS(seconds_per_char=0.005), llm=llm, metrics=metrics, safety=inline_safety_step())
    )
    await session.start()
    try:
        yield session, server, metrics
    finally:
        await session.close()
        await llm.close()
        await server.stop()


async def test_streamed_reply_from_a_server_is_spoken_with_its_emotion() -> None:
    async with session_against(Behaviour(reply=["[surprised] Oh", ", the whale", " is huge!"])) as (
        session,
        server,
        metrics,
    ):
        reply = await session.say("what is that?")
        assert reply.text == "Oh, the whale is huge!" and reply.emotion == "surprised" and reply.source == "llm"
        body = server.requests[-1].body
        assert body["stream"] is True and body["messages"][0]["role"] == "system"
        assert body["messages"][-1] == {"role": "user", "content": "what is that?"}
    assert 'companion_turns_total{source="llm"} 1.0' in metrics.render()[0].decode()


async def test_a_failing_server_gets_the_spoken_fallback_line_and_is_counted() -> None:
    async with session_against(Behaviour(status=503, error_body={"error": {"message": "overloaded"}})) as (
        session,
        _server,
        metrics,
    ):
        reply = await session.say("hello?")
        assert reply.text == "One moment, please." and reply.emotion == "concerned"
    assert "companion_llm_errors_total 1.0" in metrics.render()[0].decode()


async def test_metrics_are_served_over_http() -> None:
    metrics = Metrics()
    port = await metrics.serve("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as client, client.get(f"http://127.0.0.1:{port}/metrics") as response:
            assert response.status == 200
            assert "companion_turn_milestone_seconds" in await response.text()
    finally:
        await metrics.stop()
