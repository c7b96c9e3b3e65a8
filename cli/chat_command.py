"""``companion chat``: a typed conversation (the robot still speaks and moves its face)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
from typing import TYPE_CHECKING

from companion.cli import add_conversation_arguments, load_conversation_config

if TYPE_CHECKING:
    from companion.agent.session import ConversationSession


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "chat",
        help="talk to the robot by typing",
        description=(
            "A typed conversation with the active persona. Each reply is spoken (wav files, or the speaker) "
            "and its face frames are published over MQTT, so `companion face` shows it. Without --say it reads "
            "lines from standard input until end of file."
        ),
    )
    parser.add_argument("--say", action="append", metavar="TEXT", help="a line to say (repeat for several turns)")
    add_conversation_arguments(parser)
    parser.set_defaults(handler=run_chat)


async def run_chat(args: argparse.Namespace) -> int:
    from companion.agent.runner import RunOptions, open_session
    from companion.cli.output import EventPrinter
    from companion.cli.progress import Feedback

    config = load_conversation_config(args)
    printer = EventPrinter(config.active_persona.name, args.json)
    with Feedback(quiet=args.verbose > 0) as feedback:
        options = RunOptions(publish_face=not args.no_face, greet=args.greet, on_event=printer, progress=feedback)
        async with open_session(config, options) as session:
            if args.say:
                for line in args.say:
                    await session.say(line)
                return 0
            await typed_turns(session, prompt=sys.stdin.isatty() and not args.json)
    return 0


async def typed_turns(session: ConversationSession, *, prompt: bool) -> None:
    """Read lines from standard input and say each, until end of file (Ctrl-D) or Ctrl-C."""
    if prompt:
        print("type to talk; Ctrl-D or Ctrl-C to stop", file=sys.stderr)
    lines = stdin_lines()
    while True:
        if prompt:
            print("> ", end="", flush=True)
        line = await lines.get()
        if line is None:
            return
        if line.strip():
            await session.say(line.strip())


_STDIN: dict[asyncio.AbstractEventLoop, asyncio.Queue[str | None]] = {}


def stdin_lines() -> asyncio.Queue[str | None]:
    """Standard input's lines (None at the end), read on one daemon thread per loop: a Ctrl-C must not wait for a
    line that never comes, as a thread of the loop's executor would make it (asyncio.run waits for those)."""
    loop = asyncio.get_running_loop()
    if loop in _STDIN:
        return _STDIN[loop]
    queue: asyncio.Queue[str | None] = _STDIN.setdefault(loop, asyncio.Queue())

    def read() -> None:
        try:
            for line in sys.stdin:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            loop.call_soon_threadsafe(queue.put_nowait, None)
        except (RuntimeError, ValueError):  # the loop is closed, or stdin was: the program is ending
            return

    threading.Thread(target=read, name="stdin", daemon=True).start()
    return queue
