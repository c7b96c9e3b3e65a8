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
