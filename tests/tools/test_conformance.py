"""The conformance kit on every built-in backend and the test fakes, and proof that it fails a broken one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from companion.agent.llm.transformers_llm import TransformersLLM
from companion.core import registry
from companion.face.controller.rig import load_rig
from companion.face.drivers.log import LogDriver
from companion.face.drivers.sim import SimDriver, SimOptions
from companion.face.phonemes import TimedPhoneme
from companion.speech.stt.faster_whisper import FasterWhisperSTT
from companion.speech.tts.base import BaseTextToSpeech
from companion.speech.tts.piper import PiperTTS
from companion.speech.types import SpeechAudio
from companion.speech.vad import EnergyVad, SileroVad
from companion.tools.conformance import (
    ConformanceError,
    check_backend_class,
    check_driver,
    check_language_model,
    check_speech_to_text,
    check_text_to_speech,
    check_voice_activity_detector,
)
from companion.tools.testing.fakes import FakeLLM, FakeSTT, FakeTTS, ToneSpeech
from companion.tools.tiny import TinyModels

ROOT = Path(__file__).resolve().parents[2]
GROUPS = ("stt", "tts", "vad", "llm", "face_detectors", "affect", "drivers", "plugins")


@pytest.mark.parametrize("group", [g for g in GROUPS if g != "plugins"])
def test_every_registered_backend_class_conforms(group: str) -> None:
    names = sorted(registry._discover(f"companion.{group}"))
    assert names, f"nothing registered in companion.{group}"
    for name in names:
        check_backend_class(registry.BackendKind(f"companion.{group}", group).load(name))


async def test_the_fakes_conform() -> None:
    await check_text_to_speech(FakeTTS(seconds_per_char=0.01, delay_s=0.001))
    await check_language_model(FakeLLM(first_token_s=0.001, token_delay_s=0.001))
    speech = ToneSpeech(["hello", "robot"])
    await check_speech_to_text(FakeSTT(speech, delay_s=0.05), speech.speak("hello robot"))
    check_voice_activity_detector(EnergyVad())


class OffTheAudio(BaseTextToSpeech):
    """A voice whose timings run past its audio: lip-sync would drift off the voice."""

    async def _stream(self, text: str) -> AsyncIterator[SpeechAudio]:
        if text.strip():
            samples = np.zeros(2205, dtype=np.float32)
            yield SpeechAudio(text, samples, 22050, [TimedPhoneme("h", 0.0, 0.05), TimedPhoneme("a", 0.05, 0.5)])


class WrongAlphabet(BaseTextToSpeech):
    """A voice that reports ARPAbet instead of espeak IPA."""

    async def _stream(self, text: str) -> AsyncIterator[SpeechAudio]:
        if text.strip():
            yield SpeechAudio(
                text, np.zeros(2205, np.float32), 22050, [TimedPhoneme("HH", 0, 0.05), TimedPhoneme("AH", 0.05, 0.1)]
            )


async def test_the_kit_fails_a_voice_that_breaks_the_contract() -> None:
    with pytest.raises(ConformanceError, match="ends after the audio"):
        await check_text_to_speech(OffTheAudio())
    with pytest.raises(ConformanceError, match="documented alphabet"):
        await check_text_to_speech(WrongAlphabet())


@pytest.mark.integration
async def test_the_built_in_model_backends_conform(tiny_models: TinyModels) -> None:
    stt = FasterWhisperSTT(tiny_models.stt, temperature=0.0, max_new_tokens=8)
    tts = PiperTTS(tiny_models.tts)
    llm = TransformersLLM(tiny_models.llm, threads=1, quantize="none", dtype="float32", max_new_tokens=8)
    try:
        await check_speech_to_text(stt)
        await check_text_to_speech(tts)
        await check_language_model(llm)
        check_voice_activity_detector(SileroVad())
    finally:
        for model in (stt, tts, llm):
            await model.close()


@pytest.mark.integration
async def test_the_built_in_drivers_conform(tmp_path: Path) -> None:
    rig = load_rig(ROOT / "face" / "rigs" / "sample.yaml")
    await check_driver(LogDriver(tmp_path / "face.jsonl"), rig)
    await check_driver(SimDriver(SimOptions(port=0)), rig)
