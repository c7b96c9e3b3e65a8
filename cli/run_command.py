"""``companion run``: the robot with its configured senses (microphone, camera) or with recorded ones."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from companion.agent.runner import RunOptions, open_session, report_of
from companion.cli import add_conversation_arguments, load_conversation_config
from companion.cli.output import EventPrinter
from companion.speech.sources import MicrophoneSource, WavFileSource


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the robot: listen, watch, talk, move the face",
        description=(
            "Runs the conversation loop. With --wav (and optionally --video) it listens to the recording as if "
            "it were the microphone, answers, and exits once the input is used up and the last reply has played. "
            "Without --wav it uses the microphone and the configured camera until Ctrl-C."
        ),
    )
    parser.add_argument("--wav", type=Path, help="an audio file to hear instead of the microphone")
    parser.add_argument("--video", type=Path, help="a video file to watch instead of the camera")
    parser.add_argument("--partials", action="store_true", help="also print partial transcripts")
    parser.add_argument("--mirror", action="store_true", help="mirror the visitor's face from the start")
    add_conversation_arguments(parser)
    parser.set_defaults(handler=run_robot)


async def run_robot(args: argparse.Namespace) -> int:
    config = load_conversation_config(args)
    # Open the input first: a missing file is reported before any model loads.
    source = WavFileSource(args.wav) if args.wav else MicrophoneSource(config.audio.input_device)
    if args.video is not None and not args.video.is_file():
        from companion.core.errors import InputError

        raise InputError(f"video file not found: {args.video}")
    printer = EventPrinter(config.active_persona.name, args.json, partials=args.partials)
    options = RunOptions(
        listen=True,
        publish_face=not args.no_face,
        greet=args.greet,
        video=args.video,
        use_camera=args.video is None and args.wav is None,
        on_event=printer,
        mirror=args.mirror,
    )
    async with open_session(config, options) as session:
        listening = asyncio.create_task(session.listen(source))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, listening.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await listening
        report = report_of(session, config)
    if not args.json:
        files = ", ".join(str(p) for p in report.audio_files) or "none"
        print(f"done: {report.replies} replies; audio: {files}; face frames on {report.face_topic}", file=sys.stderr)
    return 0
