"""``companion face``: run the face-controller that turns face frames from MQTT into motion on your hardware.

It runs beside the agent (often on the robot's own computer), prints where its output goes, and keeps running
until SIGINT/SIGTERM, reconnecting to the broker forever; then it eases the face to neutral and publishes an
orderly "offline". A broker that does not answer at start is an error: a controller that silently waits forever
looks like a broken face.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

from companion.cli import add_config_argument
from companion.face.config import DriverConfig, load_controller_config
from companion.face.controller.rig import load_rig
from companion.face.controller.service import FaceController
from companion.face.drivers.registry import create_driver, describe_output


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "face",
        help="run the face-controller (MQTT face frames -> log file, web simulator or servos)",
        description="Run the face-controller: subscribe to the face protocol, map channels to actuators through "
        "a rig, keep the hardware safe, and drive the chosen driver until Ctrl-C.",
    )
    parser.add_argument(
        "--driver",
        metavar="NAME",
        help="where the face goes: log, sim, maestro or an installed driver (default: controller.driver)",
    )
    parser.add_argument(
        "--rig", help="a rig YAML, or the name of a packaged rig such as 'sample' (default: controller.rig)"
    )
    parser.add_argument("--log", metavar="PATH", help="the log driver's JSONL file (default: controller.driver.path)")
    add_config_argument(parser)
    parser.set_defaults(handler=run_face)


def build_controller(args: argparse.Namespace) -> FaceController:
    """The controller the command line asks for: the config file, then --driver, --log and --rig on top.

    Only the config's ``robot``, ``broker`` and ``controller`` sections are read: the face-controller's computer
    needs nothing of the agent's.
    """
    config = load_controller_config(args.config)
    settings = config.controller
    if args.driver and args.driver != settings.driver.backend:
        settings.driver = DriverConfig(backend=args.driver)  # another driver: its own defaults
    if args.log:
        log_path = Path(args.log).expanduser().absolute()  # relative to where the user typed it
        if settings.driver.backend == "log":
            settings.driver = DriverConfig(backend="log", path=log_path)
    rig = load_rig(args.rig or settings.rig)
    return FaceController(config, create_driver(settings.driver), rig)


async def run_face(args: argparse.Namespace) -> int:
    controller = build_controller(args)
    config, driver, rig = controller.config, controller.driver, controller.rig
    # Handlers first: a SIGTERM that comes while starting must still end in an orderly shutdown.
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stopping.set)
    try:
        await controller.start()
        print(
            f"companion face: {describe_output(driver)} (rig {rig.name}, robot {config.robot.id}, "
            f"broker {config.broker.url}); Ctrl-C to stop",
            flush=True,
        )
        try:
            await stopping.wait()
        finally:
            await controller.stop()
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
    return 0
