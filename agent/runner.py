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
from companion.agent.policy.types import Plugin
from companion.agent.session import ConversationSession
from companion.core.clock import LoopClock
from companion.core.tasks import TaskSet

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
    watchers = TaskSet("runner")
    try:
        # Load every model now, not on the first turn: loading holds the interpreter for seconds, and a turn
        # that waits for it (or a listener starved by it) is a bad first impression.
        await session.warm_up()
        await session.start()
        if options.video is not None or options.use_camera:
            source = open_video(config, options.video)
            if source is not None:
                watchers.spawn(session.watch(build_perceiver(config, source)), "perception")
        if options.greet:
            await session.greet()
        yield session
    finally:
        await watchers.cancel()
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
