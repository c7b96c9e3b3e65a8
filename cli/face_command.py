"""``companion face``: run the face-controller that turns face frames from MQTT into motion on your hardware.

It runs beside the agent (often on the robot's own computer), prints where its output goes, and keeps running
until SIGINT/SIGTERM, reconnecting to the broker forever; then it eases the face to neutral and publishes an
orderly "offline". A robot boots its parts in any order, so by default it waits for a broker that does not answer
yet (the face rests at neutral, and a log line says what it waits for); ``--fail-fast`` makes that an error
instead. A broker that refuses the login or the TLS handshake is always an error: waiting cannot fix it.

Operators read its log: the agent going online and offline, lost and re-established broker connections, layouts
asked for, and (rate-limited) dropped messages are logged at the default verbosity.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
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
    parser.add_argument(
        "--fail-fast",
        action="store_true",
        help="exit with an error when the broker does not answer within broker.connect_timeout_s "
        "(default: wait for it, retrying with backoff)",
    )
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


# What an operator needs to see without -v: the agent's comings and goings, broker reconnects, layout requests.
OPERATOR_LOGGERS = ("companion.face.controller", "companion.core.mqtt", "companion.face.drivers")


async def run_face(args: argparse.Namespace) -> int:
    controller = build_controller(args)
    config, driver, rig = controller.config, controller.driver, controller.rig
    for name in OPERATOR_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
    # Handlers first: a SIGTERM that comes while starting (or waiting for the broker) must still end in order.
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stopping.set)
    try:
        starting = asyncio.ensure_future(controller.start(wait_for_broker=not args.fail_fast))
        stop_asked = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({starting, stop_asked}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
            return 0
        stop_asked.cancel()
        starting.result()  # a refused login, a TLS error, or --fail-fast and no broker: the CLI prints it
        print(
            f"companion face: {describe_output(driver)} (rig {rig.name}, robot {config.robot.id}, "
            f"broker {config.broker.display_url}); Ctrl-C to stop",
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
