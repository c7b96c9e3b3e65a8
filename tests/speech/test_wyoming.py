"""The Wyoming backends against the real ``wyoming-faster-whisper`` and ``wyoming-piper`` servers on loopback,
serving the tiny offline models (random weights: the words are nonsense, the protocol and timing are real)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from companion.agent.config import load_config
from companion.agent.events import ClauseScheduled
from companion.agent.runner import RunOptions, open_session
from companion.face.protocol import DEFAULT_LAYOUT
from companion.face.visemes import fold_phonemes
from companion.speech.config import SttConfig, TtsConfig
from companion.speech.stt.wyoming import WyomingSTT, WyomingSttOptions
from companion.speech.tts.wyoming import WyomingTTS, WyomingTtsOptions
from companion.speech.wyoming.connection import SpeechServiceError
from companion.tools.conformance import check_speech_to_text, check_text_to_speech
from companion.tools.mosquitto import free_port
from companion.tools.tiny import TinyModels
from tests.support.speech import spoken
from tests.support.wyoming_servers import WyomingServer, start_faster_whisper, start_piper

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def whisper_server(tiny_models: TinyModels, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WyomingServer]:
    server = start_faster_whisper(tiny_models.stt, tmp_path_factory.mktemp("wyoming-stt"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def piper_server(tiny_models: TinyModels, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WyomingServer]:
    server = start_piper(tiny_models.tts, tmp_path_factory.mktemp("wyoming-tts"))
    yield server
    server.stop()


async def test_speech_to_text_through_the_real_server(whisper_server: WyomingServer, tmp_path: Path) -> None:
    stt = WyomingSTT(WyomingSttOptions(uri=whisper_server.uri, read_timeout_s=30))
    audio = spoken("Where are the dinosaurs?", tmp_path)
    transcript = await stt.transcribe(audio)
    assert isinstance(transcript.text, str) and transcript.is_final  # random weights: the words are nonsense
    partial = await stt.transcribe(audio[: len(audio) // 2], partial=True)
    assert not partial.is_final


async def test_a_cancelled_transcription_returns_at_once_and_the_next_one_works(
    whisper_server: WyomingServer, tmp_path: Path
) -> None:
    stt = WyomingSTT(WyomingSttOptions(uri=whisper_server.uri, read_timeout_s=30))
    audio = spoken("Tell me about the oldest robot in this museum.", tmp_path)
    task = asyncio.ensure_future(stt.transcribe(audio))
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.perf_counter() - started < 0.5
    assert isinstance((await stt.transcribe(audio[:8000])).text, str)


async def test_text_to_speech_through_the_real_server_with_estimated_lip_sync(piper_server: WyomingServer) -> None:
    tts = WyomingTTS(WyomingTtsOptions(uri=piper_server.uri, sample_rate=22050))
    assert not tts.provides_timings
    chunks = [chunk async for chunk in tts.stream("Hello there. The dinosaurs are on the first floor!")]
    assert len(chunks) == 2  # one chunk per sentence
    for chunk in chunks:
        assert chunk.sample_rate == 22050 and len(chunk.samples) > 0
        assert np.abs(chunk.samples).max() <= 1.0
        # No timings came from the server: they are estimated, in the alphabet lip-sync takes, within the audio.
        assert chunk.phonemes and chunk.phonemes[-1].end_s == pytest.approx(chunk.duration_s)
        assert {segment.viseme for segment in fold_phonemes(chunk.phonemes)} - {"sil"}
    # "floor" starts with a lip-teeth F: the estimated timings carry the sounds of the words, not just a jaw.
    assert "FF" in {segment.viseme for segment in fold_phonemes(chunks[1].phonemes)}
    whole = await tts.synthesize("Hello there.")
    assert whole.duration_s == pytest.approx(chunks[0].duration_s, rel=0.3)


async def test_audio_at_another_rate_is_resampled(piper_server: WyomingServer) -> None:
    native = await WyomingTTS(WyomingTtsOptions(uri=piper_server.uri)).synthesize("Hello there.")
    resampled = await WyomingTTS(WyomingTtsOptions(uri=piper_server.uri, sample_rate=16000)).synthesize("Hello there.")
    assert resampled.sample_rate == 16000
    assert resampled.duration_s == pytest.approx(native.duration_s, abs=0.01)


async def test_blank_text_is_no_audio_and_an_unknown_voice_is_a_clear_error(piper_server: WyomingServer) -> None:
    tts = WyomingTTS(WyomingTtsOptions(uri=piper_server.uri))
    assert [chunk async for chunk in tts.stream("   ")] == []
    unknown = WyomingTTS(WyomingTtsOptions(uri=piper_server.uri, voice="xx_XX-nobody-low"))
    with pytest.raises(SpeechServiceError, match="refused"):
        await unknown.synthesize("Hello.")


async def test_a_server_that_is_not_there_says_where_it_looked() -> None:
    uri = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(SpeechServiceError, match=f"{uri} does not answer") as caught:
        await WyomingSTT(WyomingSttOptions(uri=uri, connect_timeout_s=0.5)).transcribe(np.zeros(1600, np.float32))
    assert "models.stt.uri" in str(caught.value)


async def test_a_server_that_accepts_and_never_answers_times_out(tmp_path: Path) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    tts = WyomingTTS(WyomingTtsOptions(uri=f"tcp://127.0.0.1:{port}", read_timeout_s=0.3))
    started = time.perf_counter()
    with pytest.raises(SpeechServiceError, match=r"sent nothing for 0\.3 s"):
        await tts.synthesize("Hello.")
    assert time.perf_counter() - started < 3
    server.close()
    with contextlib.suppress(Exception):
        await server.wait_closed()


async def test_a_robot_built_by_name_on_wyoming_speech_talks_and_moves_its_lips(
    tiny_models: TinyModels, whisper_server: WyomingServer, piper_server: WyomingServer, tmp_path: Path
) -> None:
    """The config names the backends; nothing else changes: the reply is spoken and the jaw follows the voice."""
    config = load_config(tiny_models.config, environ={})
    config.models.stt = SttConfig(backend="wyoming", uri=whisper_server.uri, read_timeout_s=30)
    config.models.tts = TtsConfig(backend="wyoming", uri=piper_server.uri)
    config.audio.output.sink = "none"
    async with open_session(config, RunOptions(listen=True, publish_face=False)) as session:
        assert type(session.parts.tts).__name__ == "WyomingTTS" and type(session.parts.stt).__name__ == "WyomingSTT"
        clauses: list[ClauseScheduled] = []
        session.events.subscribe(lambda e: clauses.append(e) if isinstance(e, ClauseScheduled) else None)
        finished = await session.say("Hello, who are you?")
        assert finished.text and not finished.interrupted
        jaw = DEFAULT_LAYOUT.index()["jawOpen"]
        animator = session.face.animator
        times = [c.start_t + k * 0.02 for c in clauses for k in range(int(c.duration_s / 0.02))]
        during = [animator.sample(t).values[jaw] for t in times]
        assert clauses and max(during) > 0.1  # the mouth opens while the voice plays


async def test_the_wyoming_backends_conform(whisper_server: WyomingServer, piper_server: WyomingServer) -> None:
    await check_speech_to_text(WyomingSTT(WyomingSttOptions(uri=whisper_server.uri, read_timeout_s=30)))
    await check_text_to_speech(WyomingTTS(WyomingTtsOptions(uri=piper_server.uri)))
