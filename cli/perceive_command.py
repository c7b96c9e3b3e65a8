"""``companion perceive``: perception on its own, publishing what it sees over MQTT (``perception/state``).

Perception can then run on another computer (the one with the camera), and other programs (a dashboard, a logger,
a second robot) can read it. The agent uses it with ``perception.source: mqtt``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from pathlib import Path

from companion.cli import add_config_argument


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "perceive",
        help="run perception alone and publish it over MQTT",
        description=(
            "Runs perception (face detection, landmarks, facial actions, head gestures, presence, and affect where "
            "emotion inference is allowed) on the camera or a video file and publishes it on "
            "companion/<robot>/perception/state and perception/events until Ctrl-C or the video's end."
        ),
    )
    parser.add_argument("--video", type=Path, help="a video file to watch instead of the camera")
    parser.add_argument("--json", action="store_true", help="also print each state as one JSON object per line")
    add_config_argument(parser)
    parser.set_defaults(handler=run_perceive)


async def run_perceive(args: argparse.Namespace) -> int:
    from companion.agent.assembly import build_perceiver, open_video
    from companion.agent.broker import ensure_broker
    from companion.agent.config import load_config
    from companion.core.clock import LoopClock
    from companion.core.errors import InputError
    from companion.core.mqtt import MqttLink
    from companion.face.protocol import Topics
    from companion.perception.protocol import encode_state
    from companion.perception.publisher import PerceptionPublisher

    config = load_config(args.config)
    if args.video is not None and not args.video.is_file():
        raise InputError(f"video file not found: {args.video}")
    source = open_video(config, args.video)
    if source is None:
        raise InputError("no camera configured (perception.camera) and no --video given")
    clock = LoopClock()
    perceiver = build_perceiver(config, source)
    broker = await ensure_broker(config.broker)
    topics = Topics(config.robot.id)
    link = MqttLink(
        broker.host,
        broker.port,
        name=f"perception-{config.robot.id}",
        will=PerceptionPublisher.will(topics),
        keepalive_s=config.broker.keepalive_s,
        connect_timeout_s=config.broker.connect_timeout_s,
    )
    await link.connect()
    inference = config.emotion_inference_enabled
    publisher = PerceptionPublisher(link, topics, clock, emotion_inference=inference)
    await publisher.announce()
    landmarks = "landmarks" if perceiver.landmarks else "face boxes only (no landmark model: models fetch)"
    print(f"companion perceive: {source.name} -> {topics.perception_state} ({landmarks}); Ctrl-C to stop", flush=True)

    def on_state(state: object) -> None:
        publisher(state)  # type: ignore[arg-type]
        if args.json:
            line = encode_state(state, publisher.published, clock, inference).decode()  # type: ignore[arg-type]
            print(json.dumps(json.loads(line)), flush=True)

    running = asyncio.ensure_future(perceiver.run(on_state))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, running.cancel)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await running
    finally:
        await publisher.close()
        await broker.close()
    print(f"done: {publisher.published} states published", file=sys.stderr)
    return 0
