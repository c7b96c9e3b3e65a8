"""``companion face``: run the face-controller that turns face frames from MQTT into motion on your hardware.

It runs beside the agent (often on the robot's own computer), prints where its output goes, and keeps running
until SIGINT/SIGTERM, reconnecting to the broker forever; then it eases the face to neutral and publishes an
orderly "offline". A robot boots its parts in any order: when no broker answers at start it starts the embedded one,
as the agent does (if ``broker.embedded_fallback`` is on and the broker is on this machine), so ``companion face`` in
one terminal and ``companion chat`` in another just work; otherwise it waits for the broker (the face rests at
neutral, and a log line says what it waits for); ``--fail-fast`` makes that an error instead. A broker that refuses
the login or the TLS handshake is always an error: waiting cannot fix it.

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
from typing import TYPE_CHECKING

from companion.cli import config_choice

if TYPE_CHECKING:
    from companion.face.controller.service import FaceController

AGENT_GRACE_S = 10.0  # an agent that is running has announced itself (retained) long before this


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
    parser.set_defaults(handler=run_face)


def build_controller(args: argparse.Namespace) -> FaceController:
    """The controller the command line asks for: the config file, then --driver, --log and --rig on top.

    Only the config's ``robot``, ``broker`` and ``controller`` sections are read: the face-controller's computer
    needs nothing of the agent's.
    """
    from companion.face.config import DriverConfig, load_controller_config
    from companion.face.controller.rig import load_rig
    from companion.face.controller.service import FaceController
    from companion.face.drivers.registry import create_driver

    choice = config_choice(args)
    config = load_controller_config(choice.path, base_dir=choice.base_dir)
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
    from companion.agent.broker import BrokerHandle, ensure_broker
    from companion.core.errors import BrokerUnreachableError
    from companion.face.controller.realtime import raise_priority
    from companion.face.drivers.registry import describe_output
    from companion.face.protocol import TOPIC_ROOT

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
    broker: BrokerHandle | None = None
    try:
        broker = await ensure_broker(config.broker)  # embedded when allowed and nothing answers on this machine
    except BrokerUnreachableError:
        if args.fail_fast:
            raise
        # Otherwise the controller waits for the broker below: a robot boots its parts in any order.
    scheduling = raise_priority(config.controller.realtime_priority)  # this process only: the motors' ticks
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
        embedded = " (embedded)" if broker is not None and broker.embedded is not None else ""
        print(
            f"companion face: {describe_output(driver)} (rig {rig.name}, robot id {config.robot.id!r}: topics "
            f"{TOPIC_ROOT}/{config.robot.id}/..., broker {config.broker.display_url}{embedded}, scheduling "
            f"{scheduling}); Ctrl-C to stop",
            flush=True,
        )
        try:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stopping.wait(), AGENT_GRACE_S)
            if not stopping.is_set() and controller.agent_online is not True:
                logging.getLogger("companion.face.controller").warning(
                    "no agent on robot id %r yet (%s): an agent started with another robot.id or broker "
                    "publishes where this controller does not listen",
                    config.robot.id,
                    controller.topics.agent_status,
                )
            await stopping.wait()
        finally:
            await controller.stop()
    finally:
        if broker is not None:
            await broker.close()
        for sig in signals:
            loop.remove_signal_handler(sig)
    return 0
