"""The ``companion`` command line.

Each subcommand lives in its own module with a ``register(subparsers)`` function that adds its parser and sets
``handler``: a function ``(args) -> int`` or a coroutine function. The global options (``-v``, ``-c``,
``--persona``, ``--version``) are accepted before or after the subcommand: they are added to every parser of the
tree. ``main`` turns user mistakes (``CompanionError``) into a message and an exit code, never a traceback.
Subcommand modules import their heavy parts inside the handlers, so ``companion --help`` stays instant.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from companion.cli.config_search import ConfigChoice, find_config
from companion.core.errors import CompanionError

if TYPE_CHECKING:
    from companion.agent.config import Config

SUBCOMMANDS = (
    "demo", "chat", "run", "face", "perceive", "status", "check", "models", "bench", "safety", "lessons", "counseling",
    "results",
)  # fmt: skip
CONFIG_SEARCH = (
    "Config file: --config PATH, else $COMPANION_CONFIG, else ./config.yaml, else config.yaml in the user config "
    "folder (~/.config/companion/ on Linux), else the packaged default."
)
log = logging.getLogger("companion.cli")


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("companion-agent")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _add_global_options(parser: argparse.ArgumentParser, *, root: bool) -> None:
    """The options every command takes. Below the root their default is SUPPRESS, so ``-c X chat`` is not undone
    by the subcommand's parser, and ``-v`` after the subcommand counts on top of ``-v`` before it."""
    default = (lambda value: value) if root else (lambda value: argparse.SUPPRESS)
    group = parser.add_argument_group("global options (before or after the command)")
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        dest="verbose" if root else "verbose_more",
        default=default(0),
        help="say more: -v start-up details (config, models, broker, topics, persona), -vv debug",
    )
    group.add_argument(
        "-c", "--config", metavar="PATH", default=default(None), help="the config file (default: searched, see below)"
    )
    group.add_argument(
        "--persona", metavar="NAME", default=default(None), help="the persona to use (overrides $COMPANION_PERSONA)"
    )
    group.add_argument("--version", action="version", version=f"companion {version()}")


def _share_global_options(parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases map to the same parser
                _add_global_options(sub, root=False)
                if not sub.epilog:
                    sub.epilog = CONFIG_SEARCH
                _share_global_options(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="companion",
        description="Conversational robots with expressive faces: talk, perceive, emote, lip-sync over MQTT.",
        epilog=f"Start with `companion demo`. {CONFIG_SEARCH} `companion COMMAND --help` explains each command.",
    )
    _add_global_options(parser, root=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        module = __import__(f"companion.cli.{name}_command", fromlist=["register"])
        module.register(subparsers)
    _share_global_options(parser)
    return parser


def config_choice(args: argparse.Namespace) -> ConfigChoice:
    """The config file this command uses (searched once per command line); logged at -v."""
    choice: ConfigChoice | None = getattr(args, "_config_choice", None)
    if choice is None:
        choice = find_config(getattr(args, "config", None))
        args._config_choice = choice
        base = f"; relative paths from {choice.base_dir}" if choice.base_dir is not None else ""
        log.info("config %s (from %s%s)", choice.path, choice.origin, base)
    return choice


def load_agent_config(args: argparse.Namespace) -> Config:
    """The whole config, found as ``config_choice`` says, with ``--persona`` applied."""
    from companion.agent.config import load_config

    choice = config_choice(args)
    return load_config(choice.path, persona=getattr(args, "persona", None), base_dir=choice.base_dir)


def add_conversation_arguments(parser: argparse.ArgumentParser) -> None:
    """The options ``chat``, ``run`` and ``demo`` share: --json, --output, --greet, --no-face."""
    parser.add_argument("--json", action="store_true", help="print one JSON object per event (docs/EVENTS.md)")
    parser.add_argument("--output", type=Path, help="where reply audio goes (default: audio.output.dir)")
    parser.add_argument("--greet", action="store_true", help="start with the persona's greeting")
    parser.add_argument("--no-face", action="store_true", help="do not publish face frames (no broker needed)")
    parser.add_argument(
        "--lesson", metavar="NAME", help="open with this lesson (companion lessons list); implies --greet"
    )


def load_conversation_config(args: argparse.Namespace) -> Config:
    """The config, with --output and --lesson applied."""
    config = load_agent_config(args)
    if getattr(args, "output", None) is not None:
        config.audio.output.dir = args.output
    apply_lesson(args, config)
    return config


def apply_lesson(args: argparse.Namespace, config: Config) -> None:
    """``--lesson NAME``: every conversation opens with that lesson (the persona gets the lesson plugin)."""
    if not getattr(args, "lesson", None):
        return
    from companion.plugins.lessons.loader import find_lesson

    find_lesson(args.lesson, config.lessons.folders)  # an unknown name: where it looked, and close names
    config.lessons.start = args.lesson
    plugins = config.active_persona.plugins
    if "lesson" not in plugins:
        plugins.append("lesson")
    args.greet = True


class _Formatter(logging.Formatter):
    """Plain ``warning: ...`` lines by default; time, level and logger with -v."""

    def __init__(self, detailed: bool) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s" if detailed else None)
        self.detailed = detailed

    def format(self, record: logging.LogRecord) -> str:
        if self.detailed:
            return super().format(record)
        return f"{record.levelname.lower()}: {record.getMessage()}" + (
            "\n" + self.formatException(record.exc_info) if record.exc_info else ""
        )


def setup_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(detailed=verbosity > 0))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for noisy in ("httpx", "httpcore", "urllib3", "filelock", "amqtt", "transitions", "faster_whisper", "asyncio"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.verbose = args.verbose + getattr(args, "verbose_more", 0)
    setup_logging(args.verbose)
    log.debug("companion %s on Python %s, verbosity %d", version(), sys.version.split()[0], args.verbose)
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
