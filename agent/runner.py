"""Runs a conversation for the CLI: load config, assemble, start, feed inputs, report, shut down cleanly."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from companion.agent.assembly import assemble, build_perceiver, open_video
from companion.agent.config.schema import Config
from companion.agent.events import Event, EventBus
from companion.agent.mqtt_inputs import AgentInputs
from companion.agent.policy.types import Plugin
from companion.agent.session import ConversationSession
from companion.core.clock import LoopClock
from companion.core.tasks import TaskSet
from companion.perception.publisher import PerceptionPublisher

log = logging.getLogger(__name__)


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


@dataclass
class RunReport:
    replies: int = 0
    audio_files: list[Path] = field(default_factory=list)
    face_topic: str | None = None


@contextlib.asynccontextmanager
async def open_session(config: Config, options: RunOptions) -> AsyncIterator[ConversationSession]:
    clock = LoopClock()
    events = EventBus()
    if options.on_event is not None:
        events.subscribe(options.on_event)
    assembly = await assemble(config, clock, listen=options.listen, publish_face=options.publish_face)
    assembly.parts.plugins.extend(options.plugins)
    session = ConversationSession(config, assembly.parts, clock, events)
    if assembly.parts.metrics is not None:
        events.subscribe(assembly.parts.metrics.count_event)
    publisher = assembly.parts.publisher
    if publisher is not None:
        inputs = AgentInputs(session, publisher.topics, clock, assembly.parts.metrics)
        face = publisher

        def route(topic: str, payload: bytes) -> None:
            # The controller's status is the publisher's (layout requests); the rest is the session's.
            if topic == face.topics.controller_status:
                face.on_message(topic, payload)
            else:
                inputs(topic, payload)

        publisher.link.on_message = route
    watchers = TaskSet("runner")
    perception_out: PerceptionPublisher | None = None
    try:
        # Load every model now, not on the first turn: loading holds the interpreter for seconds, and a turn
        # that waits for it (or a listener starved by it) is a bad first impression.
        await session.warm_up()
        await session.start()
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
        await session.close()
        await assembly.close()


def report_of(session: ConversationSession, config: Config) -> RunReport:
    from companion.agent.events import ReplyFinished
    from companion.face.protocol import Topics

    finished = session.events.of_type(ReplyFinished)
    return RunReport(
        replies=len(finished),
        audio_files=[Path(e.audio_path) for e in finished if e.audio_path],
        face_topic=Topics(config.robot.id).frames,
    )
