"""``make demo``: one conversation turn end to end, on whatever models this machine has.

It uses the real models of config.yaml when they are present, else says so and builds the tiny offline ones
(``companion models make-tiny``), so the whole chain still runs: a spoken question (espeak-ng, when installed) is
heard through VAD and faster-whisper, answered by the policy chain and the language model, spoken by piper with
its phoneme alignments, and lip-synced face frames go over MQTT to a face-controller that writes every motor
command to a log. It prints what happened, each stage's timing, and where the outputs are.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from companion.agent.config import Config, load_config
from companion.agent.events import ReplyFinished, UserTurnEvent
from companion.agent.models.registry import model_status
from companion.agent.runner import RunOptions, open_session
from companion.cli import setup_logging
from companion.core.errors import CompanionError
from companion.face.config import DriverConfig
from companion.face.controller.rig import load_rig
from companion.face.controller.service import FaceController
from companion.face.drivers.registry import create_driver, describe_output
from companion.speech.sources import WavFileSource

QUESTION = "Can you tell me where the dinosaurs are?"


def choose_config(config_path: Path, tiny_dir: Path) -> tuple[Config, Path]:
    config = load_config(config_path)
    missing = [s for s in model_status(config) if not s.present and not s.optional]
    if not missing:
        return config, config_path
    for status in missing:
        print(f"real {status.kind} model '{status.name}' not found (looked in {', '.join(map(str, status.looked_in))})")
    print("-> running with tiny offline models instead (random weights: the words are nonsense, the chain is real)")
    print("   get the real ones with `companion models fetch`\n")
    tiny_config = tiny_dir / "config.yaml"
    if not tiny_config.is_file():
        from companion.tools.tiny import make_tiny_models

        make_tiny_models(tiny_dir)
    return load_config(tiny_config), tiny_config


def spoken_question(folder: Path) -> Path | None:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return None
    path = folder / "question.wav"
    subprocess.run([espeak, "-v", "en-us", "-s", "150", "-w", str(path), QUESTION], check=True)
    return path


def prepare(config_path: Path, tiny_dir: Path, output_dir: Path) -> Config:
    config, used = choose_config(config_path, tiny_dir)
    config.audio.output.dir = output_dir
    config.audio.output.sink = "wav"
    config.controller.driver = DriverConfig(backend="log", path=output_dir / "face-log.jsonl")
    output_dir.mkdir(parents=True, exist_ok=True)
    print(f"config: {used} (persona {config.active_persona.name})")
    return config


async def demo(config: Config, question: Path | None) -> int:
    turn_events: list[object] = []
    options = RunOptions(listen=question is not None, publish_face=True, on_event=turn_events.append)
    async with open_session(config, options) as session:
        # The face-controller normally runs as its own process (`companion face`); here it shares the loop.
        driver = create_driver(config.controller.driver)
        controller = FaceController(config, driver, load_rig(config.controller.rig))
        await controller.start()
        try:
            if question is not None:
                print(f"hearing: {question.name} ({QUESTION!r}, spoken by espeak-ng)")
                await session.listen(WavFileSource(question, trailing_silence_s=1.0))
            else:
                print("espeak-ng is not installed: typing the question instead of speaking it")
                await session.say(QUESTION)
            await asyncio.sleep(0.5)  # let the controller play the last frames
        finally:
            await controller.stop()
        frames = controller.stats.as_dict()

    for event in turn_events:
        if isinstance(event, UserTurnEvent):
            print(f"\nuser said ({event.source}): {event.text}")
        elif isinstance(event, ReplyFinished):
            print(f"{config.active_persona.name} [{event.emotion} {event.intensity:.1f}]: {event.text}")
            print("stage timings (ms after the end of the user's speech):")
            for name, ms in event.timings_ms.items():
                print(f"  {name:24s} {ms:8.1f}")
            print(f"reply audio: {event.audio_path}")
    print(f"face log:    {describe_output(driver)} (every motor command, one JSON object per tick)")
    print(f"controller:  {json.dumps({k: frames[k] for k in sorted(frames) if isinstance(frames[k], int)})}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m companion.cli.demo", description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("config.yaml"))
    parser.add_argument("--tiny-dir", type=Path, default=Path("models/tiny"))
    parser.add_argument("--output", type=Path, default=Path("outputs/demo"))
    parser.add_argument("-v", "--verbose", action="count", default=0)
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    try:
        config = prepare(args.config, args.tiny_dir, args.output)
        with tempfile.TemporaryDirectory() as scratch:
            return asyncio.run(demo(config, spoken_question(Path(scratch))))
    except CompanionError as error:
        print(f"demo: error: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
