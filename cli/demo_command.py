"""``companion demo`` (``make demo``): see and hear the robot in a browser, with one command.

It starts everything a robot needs in one process: the MQTT broker (an embedded one unless one answers), the
face-controller with the web simulator (it prints the page's URL and opens it when it can), and the agent. It
uses the real models of the config when they are present, else it says so and builds tiny offline ones (random
weights: the words are nonsense, every code path is real). A scripted visitor then asks a question aloud (spoken by
espeak-ng, and played in the page too), the robot hears it through VAD and speech-to-text, answers with a voice and
a lip-synced face in the page, and then takes typed turns until Ctrl-C. Without a terminal (CI) or with
``--no-input`` it stops after the first answer; ``--no-browser`` does not open the page.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from companion.cli import add_conversation_arguments, apply_lesson, config_choice, load_agent_config

if TYPE_CHECKING:
    from companion.agent.config import Config
    from companion.agent.session import ConversationSession
    from companion.face.controller.service import FaceController

QUESTION = "Can you tell me where the dinosaurs are?"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="see and hear the robot in your browser: one spoken question, then typed turns",
        description=(
            "Starts the broker (embedded unless one answers), the face-controller with the web simulator (prints "
            "its URL), and the robot; a visitor asks a question aloud, the robot answers with voice and face in "
            "the page, then you type. Uses tiny offline models when the configured ones are missing."
        ),
    )
    parser.add_argument("--no-browser", action="store_true", help="do not open the page (it is printed anyway)")
    parser.add_argument("--no-input", action="store_true", help="stop after the first answer (default without a tty)")
    parser.add_argument(
        "--tiny-dir",
        type=Path,
        help="where the tiny models go when the real ones are missing (default: the user cache folder)",
    )
    parser.add_argument("--port", type=int, help="the web simulator's port (default: controller.driver's, or 8765)")
    add_conversation_arguments(parser)
    parser.set_defaults(handler=run_demo)


def tiny_dir_default() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("companion") / "tiny-models"


def choose_config(args: argparse.Namespace) -> Config:
    """The config's own models when they are all present, else the tiny offline ones (built once, then kept)."""
    from companion.agent.config import load_config
    from companion.agent.models.registry import model_needs

    config = load_agent_config(args)
    missing = [need for need in model_needs(config) if not need.optional and need.find() is None]
    print(f"config: {config_choice(args).path} (from {config_choice(args).origin})")
    if not missing:
        return config
    for need in missing:
        print(f"  real {need.kind} model {need.name!r} not found ({', '.join(map(str, need.candidates))})")
    print("-> running with tiny offline models instead (random weights: the words are nonsense, the chain is real)")
    print("   get the real ones with `companion models fetch`")
    tiny_dir = args.tiny_dir or tiny_dir_default()
    tiny_config = tiny_dir / "config.yaml"
    if not tiny_config.is_file():
        from companion.cli.progress import Feedback
        from companion.tools.tiny import make_tiny_models

        with Feedback(quiet=args.verbose > 0) as feedback:
            feedback.start(f"building tiny models in {tiny_dir} (about 5 s, once)")
            make_tiny_models(tiny_dir, force=True, on_built=lambda kind, _p, s: feedback.note(f"  {kind} ({s:.1f} s)"))
    return load_config(tiny_config, persona=args.persona)


def prepare(config: Config, args: argparse.Namespace) -> None:
    """The demo's face: the web simulator, with the robot's voice published to it."""
    from companion.face.config import DriverConfig

    if args.output is not None:
        config.audio.output.dir = args.output
    apply_lesson(args, config)
    config.audio.output.sink = "wav"
    config.face.publish_audio = True
    driver = config.controller.driver
    port = args.port if args.port is not None else (driver.options.port if driver.backend == "sim" else 8765)
    host = driver.options.host if driver.backend == "sim" else "127.0.0.1"
    config.controller.driver = DriverConfig(backend="sim", host=host, port=port)


def spoken_question(folder: Path) -> Path | None:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return None
    path = folder / "question.wav"
    subprocess.run([espeak, "-v", "en-us", "-s", "150", "-w", str(path), QUESTION], check=True, capture_output=True)
    return path


def can_open_browser() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))  # never a text browser in here


async def start_face(config: Config) -> FaceController:
    """The face-controller with the simulator; a busy port falls back to a free one."""
    from companion.core.errors import CompanionError
    from companion.face.config import DriverConfig
    from companion.face.controller.rig import load_rig
    from companion.face.controller.service import FaceController
    from companion.face.drivers.registry import create_driver

    rig = load_rig(config.controller.rig)
    controller = FaceController(config, create_driver(config.controller.driver), rig)
    try:
        await controller.start()
    except CompanionError as error:
        if "cannot listen" not in error.message:
            raise
        host = config.controller.driver.options.host
        config.controller.driver = DriverConfig(backend="sim", host=host, port=0)
        controller = FaceController(config, create_driver(config.controller.driver), rig)
        await controller.start()
    return controller


async def wait_for_page(controller: FaceController, interactive: bool) -> None:
    """Interactive: until Enter, so the page can be opened and clicked first (a page may play sound only after a
    click); says when a page connects. Not interactive: at once."""
    if not interactive:
        return
    from companion.cli.chat_command import stdin_lines

    print("open the page, click it once (browsers play sound only after a click), then press Enter here", flush=True)
    lines = stdin_lines()
    connected = False
    while True:
        try:
            await asyncio.wait_for(lines.get(), 0.25)
            return
        except asyncio.TimeoutError:
            if not connected and getattr(controller.driver, "clients", 0):
                connected = True
                print("  the page is connected", flush=True)


async def visitor_asks(session: ConversationSession, question: Path | None) -> None:
    """The scripted visitor: heard through the whole speech chain (VAD, speech-to-text) and played in the page."""
    from companion.speech.sources import WavFileSource, read_audio_file
    from companion.speech.types import INPUT_SAMPLE_RATE

    if question is None:
        print(f"visitor (typed, espeak-ng is not installed): {QUESTION}")
        await session.say(QUESTION)
        return
    print(f"visitor (spoken by espeak-ng): {QUESTION!r}")
    publisher = session.parts.publisher
    if publisher is not None:
        samples = read_audio_file(question)
        # Utterance 0 is "not the robot": the page plays it, the face listens.
        await publisher.publish_audio(0, samples, INPUT_SAMPLE_RATE, session.clock.now() + 0.05)
    await session.listen(WavFileSource(question, trailing_silence_s=1.0))


async def run_demo(args: argparse.Namespace) -> int:
    from companion.agent.broker import ensure_broker
    from companion.agent.runner import RunOptions, open_session
    from companion.cli.chat_command import typed_turns
    from companion.cli.output import EventPrinter
    from companion.cli.progress import Feedback

    config = choose_config(args)
    prepare(config, args)
    interactive = sys.stdin.isatty() and not args.no_input
    broker = await ensure_broker(config.broker)
    try:
        controller = await start_face(config)
        try:
            url = getattr(controller.driver, "url", "")
            print(f"\nthe face: {url}   (robot id {config.robot.id!r}, broker {config.broker.url})", flush=True)
            if not args.no_browser and interactive and can_open_browser():
                import webbrowser

                with contextlib.suppress(Exception):
                    webbrowser.open(url)
            await wait_for_page(controller, interactive)
            printer = EventPrinter(config.active_persona.name, args.json)
            with Feedback(quiet=args.verbose > 0) as feedback, tempfile.TemporaryDirectory() as scratch:
                question = await asyncio.to_thread(spoken_question, Path(scratch))
                options = RunOptions(
                    listen=True, publish_face=True, greet=args.greet, on_event=printer, progress=feedback
                )
                async with open_session(config, options) as session:
                    await visitor_asks(session, question)
                    if interactive:
                        await typed_turns(session, prompt=not args.json)
            await asyncio.sleep(0.3)  # the last frames play out
        finally:
            await controller.stop()
        stats = controller.stats
    finally:
        await broker.close()
    print(f"face-controller: {stats.frames_received} frames received, {stats.frames_late} late, "
          f"{stats.malformed} malformed; reply audio in {config.audio.output.dir}")  # fmt: skip
    return 0
