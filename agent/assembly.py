"""Builds a session's real parts from the configuration: models, audio sink, plugins, face link, perception.

Everything that can fail because of the user's setup (a missing model, an unknown plugin, no broker) fails
here, before anything runs, with a ``CompanionError`` that says what to do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from companion.agent.broker import BrokerHandle, ensure_broker
from companion.agent.config.schema import Config
from companion.agent.llm.base import LanguageModel
from companion.agent.metrics import Metrics
from companion.agent.models.registry import llm_model_path, stt_model_path, tts_voice_path
from companion.agent.session import SessionParts
from companion.core.clock import Clock
from companion.core.mqtt import MqttLink
from companion.face.animator import FaceAnimator
from companion.face.protocol import Topics
from companion.face.publisher import FacePublisher
from companion.perception.perceiver import Perceiver
from companion.plugins.registry import load_plugins
from companion.speech.echo import make_echo_canceller
from companion.speech.sinks import AudioSink, NullSink, SpeakerSink, WavFileSink
from companion.speech.stt import FasterWhisperSTT
from companion.speech.tts import PiperTTS
from companion.speech.vad import SileroVad

log = logging.getLogger(__name__)


@dataclass
class Assembly:
    parts: SessionParts
    broker: BrokerHandle | None

    async def close(self) -> None:
        for model in (self.parts.stt, self.parts.llm, self.parts.tts):
            if model is not None:
                await model.close()
        if self.parts.metrics is not None:
            await self.parts.metrics.stop()
        if self.broker is not None:
            await self.broker.close()


def build_llm(config: Config) -> LanguageModel:
    llm = config.models.llm
    if llm.backend == "openai":
        from companion.agent.llm.openai_compat import OpenAICompatibleLLM

        return OpenAICompatibleLLM(llm)
    from companion.agent.llm.transformers_llm import TransformersLLM

    return TransformersLLM(
        llm_model_path(config.models),
        threads=llm.threads,
        dtype=llm.dtype,
        quantize=llm.quantize,
        temperature=llm.temperature,
        top_p=llm.top_p,
        max_new_tokens=llm.max_new_tokens,
    )


def build_tts(config: Config) -> PiperTTS:
    tts = config.models.tts
    return PiperTTS(
        tts_voice_path(config.models, config.active_persona.voice), threads=tts.threads, length_scale=tts.length_scale
    )


def build_stt(config: Config) -> FasterWhisperSTT:
    stt = config.models.stt
    return FasterWhisperSTT(
        stt_model_path(config.models),
        language=config.active_persona.language,
        compute_type=stt.compute_type,
        threads=stt.threads,
        beam_size=stt.beam_size,
        temperature=stt.temperature,
        max_new_tokens=stt.max_new_tokens,
    )


def build_sink(config: Config) -> AudioSink:
    output = config.audio.output
    if output.sink == "wav":
        return WavFileSink(output.dir)
    if output.sink == "speaker":
        return SpeakerSink(output.device)
    return NullSink()


async def assemble(
    config: Config, clock: Clock, *, listen: bool, publish_face: bool, sink: AudioSink | None = None
) -> Assembly:
    """The session parts for ``config``. ``listen``: speech input; ``publish_face``: frames over MQTT."""
    persona_key = f"personas.{config.persona}.plugins"
    plugins = load_plugins(config.active_persona.plugins, where=persona_key)
    tts = build_tts(config)
    llm = build_llm(config)
    stt = build_stt(config) if listen else None
    animator = FaceAnimator()
    broker: BrokerHandle | None = None
    publisher: FacePublisher | None = None
    if publish_face:
        broker = await ensure_broker(config.broker)
        topics = Topics(config.robot.id)
        link = MqttLink(
            broker.host,
            broker.port,
            name=f"agent-{config.robot.id}",
            will=FacePublisher.will(topics),
            keepalive_s=config.broker.keepalive_s,
            connect_timeout_s=config.broker.connect_timeout_s,
        )
        try:
            await link.connect()
        except Exception:
            await broker.close()
            raise
        publisher = FacePublisher(link, topics, animator, clock, config.face)
    metrics: Metrics | None = None
    if config.metrics.prometheus_port is not None:
        metrics = Metrics()
        port = await metrics.serve("127.0.0.1", config.metrics.prometheus_port)
        log.warning("metrics at http://127.0.0.1:%d/metrics", port)
    parts = SessionParts(
        tts=tts,
        llm=llm,
        stt=stt,
        vad=SileroVad() if listen else None,
        echo=make_echo_canceller(),
        sink=sink or build_sink(config),
        publisher=publisher,
        plugins=plugins,
        metrics=metrics,
        animator=animator,
    )
    return Assembly(parts, broker)


def build_perceiver(config: Config, video: Path | None, *, realtime: bool = True) -> Perceiver | None:
    """Perception for a video file (``video``) or the configured camera; None when there is neither."""
    if not config.perception.enabled:
        return None
    from companion.perception.video import open_video_source

    source = open_video_source(video, config.perception.camera if video is None else None)
    return None if source is None else Perceiver.from_config(config, source, realtime=realtime)
