"""Runs a conversation for the CLI: load config, assemble, start, feed inputs, report, shut down cleanly.

It says what it does while it does it: at ``-v`` the persona, the robot id and its topics, the broker and every
model (where from, how long it took to load) are logged; a ``Progress`` (the CLI's spinner) hears about the slow
step, loading the models.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from companion.agent.assembly import Assembly, assemble, build_perceiver, open_video
from companion.agent.config.schema import Config
from companion.agent.crisis_alerts import CrisisAlerts
from companion.agent.events import Event, EventBus, SessionStarted, WarningEvent
from companion.agent.mqtt_inputs import AgentInputs
from companion.agent.policy.types import Plugin
from companion.agent.session import ConversationSession
from companion.core.clock import LoopClock
from companion.core.tasks import TaskSet
from companion.perception.publisher import PerceptionPublisher

log = logging.getLogger(__name__)


class Progress(Protocol):
    """How a slow step is shown (the CLI: a spinner and a line per finished step)."""

    def start(self, what: str) -> None: ...

    def note(self, line: str) -> None: ...

    def stop(self) -> None: ...


@dataclass
class RunOptions:
    listen: bool = False  # speech input (a wav file or the microphone)
    publish_face: bool = True
    greet: bool = False
    video: Path | None = None
    use_camera: bool = False
    on_event: Callable[[Event], None] | None = None
    plugins: list[Plugin] = field(default_factory=list)  # asked after the persona's own plugins
    mirror: bool = False  # mirror mode from the start (--mirror), whatever the persona says
    progress: Progress | None = None


@dataclass
class RunReport:
    replies: int = 0
    audio_files: list[Path] = field(default_factory=list)
    face_topic: str | None = None


@contextlib.asynccontextmanager
async def open_session(config: Config, options: RunOptions) -> AsyncIterator[ConversationSession]:
    clock = LoopClock()
    events = EventBus(clock)
    if options.on_event is not None:
        events.subscribe(options.on_event)
    persona = config.active_persona
    log.info("persona %r (%s), robot id %r", config.persona, persona.name, config.robot.id)
    assembly = await assemble(config, clock, listen=options.listen, publish_face=options.publish_face)
    assembly.parts.plugins.extend(options.plugins)
    session = ConversationSession(config, assembly.parts, clock, events)
    if assembly.parts.metrics is not None:
        events.subscribe(assembly.parts.metrics.count_event)
    publisher = assembly.parts.publisher
    alerts = CrisisAlerts(
        config.robot.id,
        config.persona,
        link=publisher.link if publisher is not None else None,
        metrics=assembly.parts.metrics,
        hook=config.safety.alert_hook,
    )
    events.subscribe(alerts)
    if publisher is not None:
        inputs = AgentInputs(session, publisher.topics, clock, assembly.parts.metrics)
        inputs.also = publisher.link.on_message  # the controller watch and the publisher (layout requests)
        publisher.link.on_message = inputs
    watchers = TaskSet("runner")
    perception_out: PerceptionPublisher | None = None
    face_topics = _log_face(config, assembly)
    try:
        # Load every model now, not on the first turn: loading holds the interpreter for seconds, and a turn
        # that waits for it (or a listener starved by it) is a bad first impression.
        await _load_models(session, assembly.models, options.progress)
        await session.start()
        if assembly.controller_watch is not None:
            watch = assembly.controller_watch
            watch.report = lambda code, message: _warn(events, clock.now(), code, message)
            watchers.spawn(watch.run(), "face-controller-watch")
        events.emit(SessionStarted(clock.now(), config.persona, persona.name, config.robot.id, face_topics))
        if options.mirror:
            session.set_mirror(True, "--mirror")
        local = config.perception.source == "local"
        if local and (options.video is not None or options.use_camera):
            source = open_video(config, options.video)
            if source is not None:
                if config.perception.publish and publisher is not None:
                    perception_out = PerceptionPublisher(
                        publisher.link, publisher.topics, clock, emotion_inference=config.emotion_inference_enabled
                    )
                    await perception_out.announce()
                watchers.spawn(session.watch(build_perceiver(config, source), also=perception_out), "perception")
        if options.greet:
            await session.greet()
        yield session
    finally:
        await watchers.cancel()
        if perception_out is not None:
            await perception_out.drain()
        await alerts.drain()
        await session.close()
        await assembly.close()


def _log_face(config: Config, assembly: Assembly) -> str | None:
    from companion.face.protocol import TOPIC_ROOT, Topics

    broker = assembly.broker
    if broker is None:
        log.info("face: not published (--no-face)")
        return None
    topics = Topics(config.robot.id)
    embedded = "embedded broker (amqtt)" if broker.embedded is not None else "broker"
    log.info("%s at mqtt://%s:%d", embedded, broker.host, broker.port)
    log.info("face frames on %s, layout %s, audio %s", topics.frames, topics.layout,
             topics.audio if config.face.publish_audio else "off")  # fmt: skip
    log.info("listening for the face-controller on %s", topics.controller_status)
    return f"{TOPIC_ROOT}/{config.robot.id}/"


async def _load_models(session: ConversationSession, described: dict[str, str], progress: Progress | None) -> None:
    """Load (and run once) every model, saying which, from where, and how long each took."""
    parts = session.parts
    models = {"tts": parts.tts, "llm": parts.llm, **({"stt": parts.stt} if parts.stt is not None else {})}
    if progress is not None:
        progress.start(f"loading {len(models)} models")

    async def timed(kind: str, warm_up: Awaitable[None]) -> None:
        start = time.perf_counter()
        await warm_up
        if kind == "llm" and not session.llm_ready:
            return  # the session has said it is not answering
        line = f"{kind} {described.get(kind, '')} in {time.perf_counter() - start:.1f} s".replace("  ", " ")
        log.info("loaded %s", line)
        if progress is not None:
            progress.note(f"loaded {line}")

    try:
        await asyncio.gather(
            *(
                timed(kind, session.warm_up_llm() if kind == "llm" else model.warm_up())
                for kind, model in models.items()
            )
        )
    finally:
        if progress is not None:
            progress.stop()


def _warn(events: EventBus, t: float, code: str, message: str) -> None:
    log.warning("%s", message)
    events.emit(WarningEvent(t, code, message))


def report_of(session: ConversationSession, config: Config) -> RunReport:
    from companion.agent.events import ReplyFinished
    from companion.face.protocol import Topics

    finished = session.events.of_type(ReplyFinished)
    return RunReport(
        replies=len(finished),
        audio_files=[Path(e.audio_path) for e in finished if e.audio_path],
        face_topic=Topics(config.robot.id).frames,
    )
