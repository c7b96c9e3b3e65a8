"""The OpenAI-compatible backend against a local SSE server: exact text, deadlines, errors, and cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable

import pytest

from companion.agent.llm.base import ChatMessage, LanguageModel, LanguageModelError
from companion.agent.llm.openai_compat import OpenAICompatibleLLM, OpenAIOptions, SseDecoder
from tests.support.broker import free_port
from tests.support.openai_server import Behaviour, FakeOpenAIServer

KEY_ENV = "COMPANION_TEST_OPENAI_KEY"
MESSAGES = [ChatMessage("system", "You are kind."), ChatMessage("user", "Hi there")]

MakeLLM = Callable[..., OpenAICompatibleLLM]


@pytest.fixture
async def make_llm(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[MakeLLM]:
    monkeypatch.delenv(KEY_ENV, raising=False)
    made: list[OpenAICompatibleLLM] = []

    def make(base_url: str, **openai: float | str) -> OpenAICompatibleLLM:
        settings: dict[str, float | str] = {
            "model": "test-model",
            "api_key_env": KEY_ENV,
            "connect_timeout_s": 1.0,
            "first_token_timeout_s": 1.0,
            "idle_timeout_s": 1.0,
            **openai,
        }
        options = OpenAIOptions(base_url=base_url, temperature=0.25, top_p=0.75, **settings)  # type: ignore[arg-type]
        llm = OpenAICompatibleLLM(options, max_new_tokens=40)
        made.append(llm)
        return llm

    yield make
    for llm in made:
        await llm.close()


async def collect(llm: OpenAICompatibleLLM, into: list[str] | None = None, max_new_tokens: int | None = None) -> str:
    pieces = [] if into is None else into
    async for piece in llm.stream(MESSAGES, max_new_tokens=max_new_tokens):
        pieces.append(piece)
    return "".join(pieces)


# --- the SSE decoder ----------------------------------------------------------------------------------------------

SSE_STREAM = (
    ": keep-alive\r\n\r\n"
    'data: {"a": "Grüße 👋"}\r\n\r\n'
    "event: message\n"
    'data: {"b": 1}\n\n'
    "data: one\r\ndata: two\r\n\r\n"
    "data: first line\r"
    "data: second line\r\r"
    "id: 7\n"
    "data:no-space\n\n"
    "data: [DONE]\n\n"
).encode()
SSE_EVENTS = ['{"a": "Grüße 👋"}', '{"b": 1}', "one\ntwo", "first line\nsecond line", "no-space", "[DONE]"]


def test_decoder_reads_a_whole_stream() -> None:
    decoder = SseDecoder()
    assert decoder.feed(SSE_STREAM) + decoder.close() == SSE_EVENTS


@pytest.mark.parametrize("cut", range(1, len(SSE_STREAM)))
def test_decoder_gives_the_same_events_however_the_stream_is_cut(cut: int) -> None:
    # Every cut point: inside "\r\n", inside a 2- and a 4-byte UTF-8 character, inside "data:", ...
    decoder = SseDecoder()
    events = decoder.feed(SSE_STREAM[:cut]) + decoder.feed(SSE_STREAM[cut:]) + decoder.close()
    assert events == SSE_EVENTS


def test_decoder_fed_byte_by_byte() -> None:
    decoder = SseDecoder()
    events: list[str] = []
    for index in range(len(SSE_STREAM)):
        events += decoder.feed(SSE_STREAM[index : index + 1])
    assert events + decoder.close() == SSE_EVENTS


def test_decoder_flushes_an_unterminated_last_event_at_close() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b'data: {"x": 1}\n') == []
    assert decoder.close() == ['{"x": 1}']


# --- streaming ------------------------------------------------------------------------------------------------------


async def test_is_a_language_model(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    llm = make_llm(server.base_url)
    assert isinstance(llm, LanguageModel)
    assert llm.name


async def test_streams_the_exact_reply(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    reply = ("Hello", " there,", " friend", "! ", "How", " are", " you?")
    server.behaviour = Behaviour(reply=reply)
    pieces: list[str] = []
    assert await collect(make_llm(server.base_url), pieces) == "".join(reply)
    assert pieces == list(reply)  # role-only and finish/usage chunks yield nothing


async def test_events_and_characters_split_across_reads_with_crlf(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    reply = ("Grüße", " 👋 ", "naïve", " café — ", "日本語")
    server.behaviour = Behaviour(reply=reply, line_ending="\r\n", split_writes=True)
    assert await collect(make_llm(server.base_url)) == "".join(reply)


async def test_request_carries_model_messages_and_sampling(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    llm = make_llm(server.base_url)
    await collect(llm)
    await collect(llm, max_new_tokens=7)
    first, second = server.requests
    assert first.method == "POST"
    assert first.path == "/v1/chat/completions"
    assert first.body == {
        "model": "test-model",
        "messages": [{"role": "system", "content": "You are kind."}, {"role": "user", "content": "Hi there"}],
        "stream": True,
        "max_tokens": 40,
        "temperature": 0.25,
        "top_p": 0.75,
    }
    assert second.body["max_tokens"] == 7
    assert "Authorization" not in first.headers


async def test_bearer_key_from_the_configured_env_var(
    server: FakeOpenAIServer, make_llm: MakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test-123")
    await collect(make_llm(server.base_url))
    assert server.requests[0].headers["Authorization"] == "Bearer sk-test-123"


async def test_finish_reason_without_done_is_a_complete_reply(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    server.behaviour = Behaviour(reply=("a", "b"), done=False, usage_chunk=False)
    llm = make_llm(server.base_url)
    assert await collect(llm) == "ab"
    assert llm.last_finish_reason == "stop"


async def test_body_ending_without_done_or_finish_reason_is_an_error(
    server: FakeOpenAIServer, make_llm: MakeLLM
) -> None:
    server.behaviour = Behaviour(reply=("a", "b"), done=False, finish_reason=None, usage_chunk=False)
    with pytest.raises(LanguageModelError, match=r"without \[DONE\]"):
        await collect(make_llm(server.base_url))


# --- deadlines -----------------------------------------------------------------------------------------------------


async def test_first_token_timeout(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    server.behaviour = Behaviour(first_token_delay_s=5.0)
    llm = make_llm(server.base_url, first_token_timeout_s=0.15)
    with pytest.raises(LanguageModelError, match=r"first-token timeout.*0\.15 s"):
        await collect(llm)


async def test_first_token_timeout_covers_waiting_for_headers(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    server.behaviour = Behaviour(headers_delay_s=5.0)
    llm = make_llm(server.base_url, first_token_timeout_s=0.15)
    with pytest.raises(LanguageModelError, match=r"first-token timeout.*0\.15 s"):
        await collect(llm)


async def test_idle_timeout_mid_stream(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    server.behaviour = Behaviour(reply=("one", " two", " three"), stall_after=2, stall_s=5.0)
    llm = make_llm(server.base_url, idle_timeout_s=0.15)
    pieces: list[str] = []
    with pytest.raises(LanguageModelError, match=r"idle timeout.*0\.15 s"):
        await collect(llm, pieces)
    assert pieces == ["one", " two"]


async def test_slow_but_steady_tokens_are_not_an_idle_timeout(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    # Each gap is well under the idle timeout although the whole reply takes longer than it.
    server.behaviour = Behaviour(reply=tuple("abcdef"), chunk_delay_s=0.04)
    llm = make_llm(server.base_url, idle_timeout_s=0.2, first_token_timeout_s=0.2)
    assert await collect(llm) == "abcdef"


async def test_connect_timeout(make_llm: MakeLLM) -> None:
    # A listener that never accepts, its backlog filled: Linux drops further SYNs, so connecting hangs.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = [_connect_nonblocking(port) for _ in range(3)]
        try:
            llm = make_llm(f"http://127.0.0.1:{port}/v1", connect_timeout_s=0.15)
            with pytest.raises(LanguageModelError, match=r"connect timeout.*0\.15 s"):
                await collect(llm)
        finally:
            for filler in fillers:
                filler.close()


def _connect_nonblocking(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setblocking(False)
    with contextlib.suppress(BlockingIOError):  # the handshake completes (or hangs) in the kernel
        sock.connect(("127.0.0.1", port))
    return sock


# --- errors --------------------------------------------------------------------------------------------------------


async def test_http_500_carries_the_server_message(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    server.behaviour = Behaviour(status=500, error_body={"error": {"message": "CUDA out of memory", "code": 500}})
    with pytest.raises(LanguageModelError, match=r"HTTP 500: CUDA out of memory"):
        await collect(make_llm(server.base_url))


@pytest.mark.parametrize(
    ("body", "shown"),
    [({"error": "model 'x' not found"}, "model 'x' not found"), ({"object": "error", "message": "bad"}, "bad")],
)
async def test_http_404_in_ollama_and_vllm_shapes(
    server: FakeOpenAIServer, make_llm: MakeLLM, body: dict[str, str], shown: str
) -> None:
    server.behaviour = Behaviour(status=404, error_body=body)
    with pytest.raises(LanguageModelError) as caught:
        await collect(make_llm(server.base_url))
    assert "HTTP 404" in str(caught.value)
    assert shown in str(caught.value)
    assert "models.llm.base_url" in str(caught.value)


async def test_error_event_mid_stream(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    server.behaviour = Behaviour(raw_lines=['data: {"error": {"message": "engine died"}}'])
    with pytest.raises(LanguageModelError, match="engine died"):
        await collect(make_llm(server.base_url))


async def test_malformed_events_are_counted_and_skipped(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    bad = ["data: {not json", "data: [1, 2", 'data: {"choices": 5}', "data: 42"]
    server.behaviour = Behaviour(reply=("still", " fine"), raw_lines=[*bad, "nonsense line", "event: ping"])
    llm = make_llm(server.base_url)
    assert await collect(llm) == "still fine"
    assert llm.malformed_events == len(bad)  # lines without data are not events at all


async def test_nothing_but_malformed_events_is_an_error(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    server.behaviour = Behaviour(
        reply=(),
        raw_lines=["data: {oops", "data: {oops again"],
        role_chunk=False,
        finish_reason=None,
        usage_chunk=False,
    )
    with pytest.raises(LanguageModelError, match="2 malformed"):
        await collect(make_llm(server.base_url))


async def test_connection_closed_mid_stream(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    server.behaviour = Behaviour(reply=("one", " two", " three", " four"), chunk_delay_s=0.02, close_after=2)
    pieces: list[str] = []
    with pytest.raises(LanguageModelError, match="broke mid-stream"):
        await collect(make_llm(server.base_url), pieces)
    assert pieces == ["one", " two"]


async def test_unreachable_server_names_the_url(make_llm: MakeLLM) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(LanguageModelError, match="cannot reach") as caught:
        await collect(make_llm(url))
    assert url in str(caught.value)


# --- cancellation --------------------------------------------------------------------------------------------------


async def test_aclose_hangs_up_so_the_server_stops(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    server.behaviour = Behaviour(reply=tuple(f" w{i}" for i in range(100)), chunk_delay_s=0.02)
    stream = make_llm(server.base_url).stream(MESSAGES)
    assert [await anext(stream), await anext(stream)] == [" w0", " w1"]
    await stream.aclose()  # type: ignore[attr-defined]
    record = await server.wait_for_disconnect()
    assert not record.completed
    assert record.deltas_sent < 100


async def test_cancelling_the_consumer_task_hangs_up(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    # The server stalls before the first token: the cancel lands while the client waits for a read.
    server.behaviour = Behaviour(first_token_delay_s=30.0)
    llm = make_llm(server.base_url)
    task = asyncio.create_task(collect(llm))
    await server.wait_for_chat_request()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    record = await server.wait_for_disconnect()
    assert record.deltas_sent == 0
    # The model is still usable for the next turn.
    server.behaviour = Behaviour(reply=("next",))
    assert await collect(llm) == "next"


# --- warm-up -------------------------------------------------------------------------------------------------------


async def test_warm_up_lists_models_and_generates_one_token(server: FakeOpenAIServer, make_llm: MakeLLM) -> None:
    await make_llm(server.base_url).warm_up()
    assert [(r.method, r.path) for r in server.requests] == [("GET", "/v1/models"), ("POST", "/v1/chat/completions")]
    assert server.requests[1].body["max_tokens"] == 1


async def test_warm_up_failure_names_the_url_and_the_setting(make_llm: MakeLLM) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(LanguageModelError) as caught:
        await make_llm(url).warm_up()
    assert f"{url}/models" in str(caught.value)
    assert "models.llm.base_url" in str(caught.value)
