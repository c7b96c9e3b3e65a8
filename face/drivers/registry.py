"""Face drivers by name, through the ``companion.drivers`` entry points (``log``, ``sim``, ``maestro`` built in).

A driver's module is imported only when it is chosen: the Maestro needs pyserial and the simulator a web server,
and a robot that uses one should not pay for (or break on) the others.
"""

from __future__ import annotations

from pathlib import Path

from companion.core.registry import BuildContext
from companion.face.config import DriverConfig
from companion.face.drivers.base import DRIVERS, Driver


def driver_names() -> list[str]:
    return DRIVERS.names()


def create_driver(section: DriverConfig) -> Driver:
    """A new, unopened driver as ``controller.driver`` describes it. Raises ``ConfigError`` for an unknown name."""
    driver: Driver = section.backend_class().from_config(section.options, BuildContext())
    return driver


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
