"""Builds a session's real parts from the configuration: models, audio sink, plugins, face link, perception.

Everything that can fail because of the user's setup (a missing model, an unknown plugin, no broker) fails
here, before anything runs, with a ``CompanionError`` that says what to do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from companion.agent.broker import BrokerHandle, ensure_broker
from companion.agent.config.schema import Config
from companion.agent.face_watch import ControllerWatch
from companion.agent.llm.base import LanguageModel
from companion.agent.metrics import Metrics
from companion.agent.models.registry import model_needs
from companion.agent.policy.plugin_loader import load_plugins
from companion.agent.session import SessionParts
from companion.core.clock import Clock
from companion.core.config import BackendSection
from companion.core.errors import ModelMissingError, ModelsMissingError
from companion.core.mqtt import MqttLink
from companion.face.animator import FaceAnimator
from companion.face.protocol import Topics
from companion.face.publisher import FacePublisher
from companion.perception.affect import AffectModel
from companion.perception.perceiver import Perceiver
from companion.perception.video import VideoSource
from companion.speech.echo import make_echo_canceller
from companion.speech.sinks import AudioSink, NullSink, SpeakerSink, WavFileSink
from companion.speech.stt import SpeechToText
from companion.speech.tts import TextToSpeech

log = logging.getLogger(__name__)


@dataclass
class Assembly:
    parts: SessionParts
    broker: BrokerHandle | None
    controller_watch: ControllerWatch | None = None
    models: dict[str, str] = field(default_factory=dict)  # kind -> "backend name from path", for the start-up log

    async def close(self) -> None:
        for model in (self.parts.stt, self.parts.llm, self.parts.tts):
            if model is not None:
                await model.close()
        if self.parts.metrics is not None:
            await self.parts.metrics.stop()
        if self.broker is not None:
            await self.broker.close()


def build(section: BackendSection, config: Config) -> Any:
    """The backend a config section names, built with its options and the persona's language and voice."""
    return section.backend_class().from_config(section.options, config.build_context())


def build_sink(config: Config) -> AudioSink:
    """The configured sink; a wav folder that cannot be written is a ``CompanionError`` now, before anything runs."""
    output = config.audio.output
    if output.sink == "wav":
        sink = WavFileSink(output.dir)
        sink.check()
        return sink
    if output.sink == "speaker":
        return SpeakerSink(output.device)
    return NullSink()


async def assemble(
    config: Config, clock: Clock, *, listen: bool, publish_face: bool, sink: AudioSink | None = None
) -> Assembly:
    """The session parts for ``config``. ``listen``: speech input; ``publish_face``: frames over MQTT."""
    persona_key = f"personas.{config.persona}.plugins"
    plugins = load_plugins(config.active_persona.plugins, where=persona_key)
    sink = sink or build_sink(config)  # an unwritable output folder is reported before any model loads
    models = config.models
    built = await _build_models(config, listen)
    tts: TextToSpeech = built["tts"]
    llm: LanguageModel = built["llm"]
    stt: SpeechToText | None = built.get("stt")
    animator = FaceAnimator()
    broker: BrokerHandle | None = None
    publisher: FacePublisher | None = None
    watch: ControllerWatch | None = None
    if publish_face:
        broker = await ensure_broker(config.broker)
        topics = Topics(config.robot.id)
        watch = ControllerWatch(topics, config.broker.url)
        delivered: list[FacePublisher] = []  # the publisher, once made: it needs the link, the link its handler

        def on_message(topic: str, payload: bytes) -> None:
            watch.on_message(topic, payload)  # warns when the face-controller comes and goes
            if delivered:
                delivered[0].on_message(topic, payload)  # layout requests

        try:
            link = MqttLink.for_broker(
                config.broker,
                name=f"agent-{config.robot.id}",
                will=FacePublisher.will(topics),
                # The controller's status (layout requests), operator commands, and what perception on another host
                # sees (the runner routes the last two to the session).
                subscriptions=(
                    *FacePublisher.subscriptions(topics),
                    (topics.agent_command, 1),
                    *([(topics.perception_state, 0)] if config.perception.source == "mqtt" else []),
                ),
                on_message=on_message,
                host=broker.host,
                port=broker.port,
            )
            await link.connect()
        except BaseException:
            await broker.close()
            raise
        publisher = FacePublisher(link, topics, animator, clock, config.face)
        delivered.append(publisher)
    metrics: Metrics | None = None
    if config.metrics.prometheus_port is not None:
        metrics = Metrics()
        port = await metrics.serve("127.0.0.1", config.metrics.prometheus_port)
        log.warning("metrics at http://127.0.0.1:%d/metrics", port)
    parts = SessionParts(
        tts=tts,
        llm=llm,
        stt=stt,
        vad=build(models.vad, config) if listen else None,
        echo=make_echo_canceller(),
        sink=sink,
        publisher=publisher,
        plugins=plugins,
        metrics=metrics,
        animator=animator,
    )
    return Assembly(parts, broker, watch, describe_models(config, listen=listen))


async def _build_models(config: Config, listen: bool) -> dict[str, Any]:
    """The model backends (not loaded yet: ``warm_up`` loads). Every missing model is reported in one error, so a
    user fetches them all at once; a missing library (the extra to install) is reported first, as it is raised."""
    sections = {"tts": config.models.tts, "llm": config.models.llm, **({"stt": config.models.stt} if listen else {})}
    built: dict[str, Any] = {}
    missing: list[ModelMissingError] = []
    try:
        for kind, section in sections.items():
            try:
                built[kind] = build(section, config)
            except ModelMissingError as error:
                missing.append(error)
        if missing:
            raise missing[0] if len(missing) == 1 else ModelsMissingError(missing)
    except BaseException:
        for model in built.values():
            await model.close()
        raise
    return built


def describe_models(config: Config, *, listen: bool) -> dict[str, str]:
    """``kind -> "faster-whisper 'base.en' from PATH"`` for the models a session loads (for feedback and -v)."""
    sections = {"tts": config.models.tts, "llm": config.models.llm, **({"stt": config.models.stt} if listen else {})}
    described: dict[str, str] = {}
    for kind, section in sections.items():
        needs = model_needs(config, lambda loc, kind=kind: loc == ("models", kind))
        found = [need.find() for need in needs]
        where = f" from {found[0]}" if found and found[0] is not None else ""
        name = f" {needs[0].name!r}" if needs and needs[0].name and not needs[0].explicit else ""
        described[kind] = f"{section.backend}{name}{where}"
    return described


def open_video(config: Config, video: Path | None) -> VideoSource | None:
    """A video file (``video``) or the configured camera; None when perception is off or there is neither."""
    if not config.perception.enabled:
        return None
    from companion.perception.video import open_video_source

    return open_video_source(video, config.perception.camera if video is None else None)


def build_perceiver(config: Config, source: VideoSource, *, realtime: bool = True) -> Perceiver:
    """Perception of ``source`` as the config describes it: detector, affect model (when allowed), settings."""
    if config.privacy.store_video or config.privacy.store_face_crops:
        # Say so rather than let a deployment believe it keeps recordings it does not have.
        log.warning("privacy.store_video / store_face_crops are set, but storing video is not implemented")
    inference = config.emotion_inference_enabled
    affect: AffectModel | None = None
    if inference and config.models.affect is not None:
        try:
            affect = build(config.models.affect, config)
        except ModelMissingError as error:  # the robot still sees faces; fetching the model adds affect
            log.warning("no facial affect: %s", str(error).replace("\n", " "))
    return Perceiver.default(
        config.perception,
        source,
        context=config.build_context(),
        affect_model=affect,
        emotion_inference=inference,
        realtime=realtime,
    )
