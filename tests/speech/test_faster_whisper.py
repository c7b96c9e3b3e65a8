"""faster-whisper's threads: with ``threads`` > 1 the final transcript gets them and drafts use a one-thread model of
their own, so two CTranslate2 OpenMP teams never share the cores (core/torch_threads.py explains the slowdown)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from companion.speech.stt.faster_whisper import FasterWhisperSTT
from companion.tools.conformance import check_speech_to_text
from companion.tools.tiny import TinyModels

pytestmark = pytest.mark.integration


async def served_by(stt: FasterWhisperSTT) -> list[tuple[bool, Any]]:
    """Which model answered a draft, a final transcript and a draft again."""
    await stt.warm_up()
    served: list[tuple[bool, Any]] = []
    for model in {id(stt._model): stt._model, id(stt._draft_model): stt._draft_model}.values():
        original = model.transcribe

        def spy(audio: np.ndarray, _model: Any = model, _original: Any = original, **options: Any) -> Any:
            served.append(_model)
            return _original(audio, **options)

        model.transcribe = spy
    audio = np.zeros(16000, dtype=np.float32)
    kinds = [True, False, True]
    for partial in kinds:
        await stt.transcribe(audio, partial=partial)
    return list(zip(kinds, served, strict=True))


async def test_with_two_threads_drafts_have_a_one_thread_model_of_their_own(tiny_models: TinyModels) -> None:
    stt = FasterWhisperSTT(tiny_models.stt, threads=2, max_new_tokens=4)
    try:
        await check_speech_to_text(stt)
        served = await served_by(stt)
        assert stt._draft_model is not stt._model
        assert [model is stt._model for _partial, model in served] == [False, True, False]
    finally:
        await stt.close()


async def test_with_one_thread_one_model_serves_both(tiny_models: TinyModels) -> None:
    stt = FasterWhisperSTT(tiny_models.stt, max_new_tokens=4)
    try:
        served = await served_by(stt)
        assert all(model is stt._model for _partial, model in served)
    finally:
        await stt.close()


def test_a_short_window_follows_the_audio_and_stays_whispers_own_by_default(tiny_models: TinyModels) -> None:
    seconds = [np.zeros(int(16000 * s), dtype=np.float32) for s in (3.0, 8.2, 40.0)]
    short = FasterWhisperSTT(tiny_models.stt, window_s=5)
    assert [short.window(audio) for audio in seconds] == [5.0, 9.0, None]  # the audio and half a second, whole seconds
    assert [FasterWhisperSTT(tiny_models.stt).window(audio) for audio in seconds] == [None, None, None]
    assert FasterWhisperSTT(tiny_models.stt, language=None, window_s=5).window(seconds[0]) is None  # to be detected


async def test_a_short_window_encodes_only_the_window_and_decodes_as_the_library_does(tiny_models: TinyModels) -> None:
    stt = FasterWhisperSTT(tiny_models.stt, max_new_tokens=6, window_s=4)
    try:
        await check_speech_to_text(stt)
        model = stt._model
        encoded: list[int] = []
        original = model.encode

        def spy(features: np.ndarray) -> Any:
            encoded.append(features.shape[-1])
            return original(features)

        model.encode = spy
        audio = np.random.default_rng(0).normal(0, 0.1, 16000 * 2).astype(np.float32)
        short = await stt.transcribe(audio)
        assert encoded == [400] and short.is_final  # 4 s of 10 ms frames, not Whisper's 3000
        # On a full window the hand-made pass must be the library's: the same prompt, suppressed tokens and cap.
        library = stt._transcribe_window(model, audio, 30.0, partial=False)
        segments, _info = model.transcribe(audio, **stt.decode_options(audio))
        assert library.text == " ".join(s.text.strip() for s in segments).strip()
        assert encoded[1:] == [3000, 3000]
    finally:
        await stt.close()
