"""The ``companion`` command line.

Each subcommand lives in its own module with a ``register(subparsers)`` function that adds its parser and sets
``handler``: a function ``(args) -> int`` or a coroutine function. ``main`` turns user mistakes
(``CompanionError``) into a message and an exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from companion.agent.config import Config, load_config
from companion.core.errors import CompanionError

SUBCOMMANDS = ("chat", "run", "face", "perceive", "check", "models", "bench", "lessons")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="companion",
        description="Conversational robots with expressive faces: talk, perceive, emote, lip-sync over MQTT.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        module = __import__(f"companion.cli.{name}_command", fromlist=["register"])
        module.register(subparsers)
    return parser


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        default=os.environ.get("COMPANION_CONFIG", "config.yaml"),
        help="the configuration file (default: $COMPANION_CONFIG or ./config.yaml)",
    )


def add_conversation_arguments(parser: argparse.ArgumentParser) -> None:
    """The options ``chat`` and ``run`` share: --config, --json, --output, --greet, --no-face."""
    add_config_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object per event")
    parser.add_argument("--output", type=Path, help="where reply audio goes (default: audio.output.dir)")
    parser.add_argument("--greet", action="store_true", help="start with the persona's greeting")
    parser.add_argument("--no-face", action="store_true", help="do not publish face frames (no broker needed)")


def load_conversation_config(args: argparse.Namespace) -> Config:
    """The config named by --config, with --output applied."""
    config = load_config(args.config)
    if args.output is not None:
        config.audio.output.dir = args.output
    return config


def setup_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("httpx", "httpcore", "urllib3", "filelock", "amqtt", "transitions", "faster_whisper"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    try:
        result = args.handler(args)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
        return int(result or 0)
    except CompanionError as error:
        print(f"companion: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("companion: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
