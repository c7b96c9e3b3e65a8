"""``companion models``: get the models the robot needs.

``fetch`` downloads the configured real models (needs internet once); ``make-tiny`` builds tiny random models
offline in seconds, with a config that uses them, so everything can be tried without a download.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from companion.cli import config_choice, load_agent_config


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``models fetch`` and ``models make-tiny``."""
    parser = subparsers.add_parser(
        "models",
        help="download the configured models, or build tiny offline ones",
        description="Get the models the robot needs: `fetch` downloads the real ones, `make-tiny` builds tiny "
        "random ones offline for a smoke test.",
    )
    actions = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    fetch = actions.add_parser(
        "fetch",
        help="download the configured speech, language and voice models into models.dir",
        description="Download the models named in the config (models.stt.model, models.llm.model, and the active "
        "persona's voice or models.tts.voice) from the Hugging Face hub into models.dir. Models already present "
        "(or given by an explicit path) are skipped. Fails within seconds when offline.",
    )
    fetch.add_argument(
        "--only",
        metavar="KINDS",
        help="comma-separated kinds to fetch, e.g. stt,tts (default: every model the config needs)",
    )
    fetch.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how long to wait for the hub to answer before giving up (default: 5)",
    )
    fetch.set_defaults(handler=run_fetch)

    tiny = actions.add_parser(
        "make-tiny",
        help="build tiny random models and a config that uses them (offline, seconds)",
        description="Build tiny models with random weights (speech-to-text, language model, piper voice, "
        "facial-affect classifier) and DIR/config.yaml using them. The robot then talks nonsense, but every real "
        "code path runs: try `companion chat --config DIR/config.yaml`. DIR must be new or empty.",
    )
    tiny.add_argument(
        "dir", metavar="DIR", type=Path, nargs="?", default=Path(),
        help="a new or empty folder (hidden files aside) to write; default: the current folder, whose config.yaml "
        "every command then finds",
    )  # fmt: skip
    tiny.add_argument("--seed", type=int, default=0, help="random seed of the weights (default: 0)")
    tiny.add_argument("--force", action="store_true", help="write into DIR even if it is not empty (overwrites)")
    tiny.set_defaults(handler=run_make_tiny)


def run_fetch(args: argparse.Namespace) -> int:
    from companion.agent.models.fetch import fetch_models

    config = load_agent_config(args)
    print(f"config: {config_choice(args).path}", file=sys.stderr)
    results = fetch_models(config, args.only, timeout_s=args.timeout)
    fetched = sum(result.downloaded for result in results)
    print(f"done: {fetched} downloaded, {len(results) - fetched} already present (models.dir: {config.models.dir})")
    return 0


def run_make_tiny(args: argparse.Namespace) -> int:
    from companion.cli.progress import Feedback
    from companion.tools.tiny import check_target, make_tiny_models

    check_target(args.dir, force=args.force)  # before the libraries load: a refusal is instant
    print(f"building tiny models in {args.dir} (seed {args.seed}) ...", flush=True)
    with Feedback() as feedback:
        feedback.start("building the tiny models (about 5 s)")

        def built(kind: str, path: Path, seconds: float) -> None:
            print(f"  {kind:6} {path}  ({seconds:.1f} s)", flush=True)

        models = make_tiny_models(args.dir, seed=args.seed, force=args.force, on_built=built)
    print(f"  config {models.config}")
    here = args.dir.resolve() == Path.cwd().resolve()
    print("try it: companion chat" + ("" if here else f" --config {models.config}"), file=sys.stdout)
    return 0
