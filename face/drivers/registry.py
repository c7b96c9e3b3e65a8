"""Driver names to driver objects, so the config and ``companion face --driver`` pick the output by name.

Drivers are imported only when chosen: the Maestro needs pyserial and the simulator a web server, and a robot
that uses one should not pay for (or break on) the others.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

from companion.agent.config.schema import ControllerConfig
from companion.core.errors import CompanionError
from companion.face.drivers.base import Driver

DRIVER_NAMES = ("log", "sim", "maestro")


class UnknownDriverError(CompanionError):
    """No driver has that name, or it cannot be loaded."""


def _log(config: ControllerConfig) -> Driver:
    from companion.face.drivers.log import LogDriver

    return LogDriver(config.log_path)


def _sim(config: ControllerConfig) -> Driver:
    try:
        from companion.face.drivers.sim import SimDriver
    except ImportError as error:
        raise UnknownDriverError(
            f"the web simulator driver cannot be loaded: {error}", "use --driver log, or reinstall companion"
        ) from None
    return SimDriver(config.sim)


def _maestro(config: ControllerConfig) -> Driver:
    from companion.face.drivers.maestro import MaestroDriver

    return MaestroDriver(config.maestro)


_FACTORIES: dict[str, Callable[[ControllerConfig], Driver]] = {"log": _log, "sim": _sim, "maestro": _maestro}


def create_driver(name: str, config: ControllerConfig) -> Driver:
    """A new, unopened driver called ``name``, set up from the controller config."""
    factory = _FACTORIES.get(name)
    if factory is None:
        close = difflib.get_close_matches(name, DRIVER_NAMES, n=1)
        suggestion = f" (did you mean '{close[0]}'?)" if close else ""
        hint = f"choose one of: {', '.join(DRIVER_NAMES)}"
        raise UnknownDriverError(f"unknown face driver {name!r}{suggestion}", hint)
    return factory(config)


def describe_output(driver: Driver) -> str:
    """Where a driver's output goes, in words, for the one line ``companion face`` prints at start."""
    url = getattr(driver, "url", None)
    if url:
        return f"web simulator at {url}"
    path = getattr(driver, "path", None)
    if isinstance(path, Path):
        return f"face log at {path}"
    port = getattr(driver, "port", None)
    if port:
        return f"Maestro on {port}"
    return f"{driver.name} driver"
