"""Plugins by name: a persona lists them, the ``companion.plugins`` entry points provide them (``repeat`` built in)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from companion.agent.policy.types import PLUGINS, Plugin
from companion.core.errors import CompanionError, ConfigError

log = logging.getLogger(__name__)


def load_plugins(names: Sequence[str], where: str = "persona plugins", *, strict: bool = False) -> list[Plugin]:
    """Instantiate plugins by name. An unknown name is a ConfigError with a suggestion (a typo in the config). A
    plugin whose constructor fails, or that is not a plugin, is one error line naming it and the robot runs
    without it; ``strict`` (``companion check``) raises a CompanionError instead."""
    plugins: list[Plugin] = []
    for index, name in enumerate(names):
        try:
            factory = PLUGINS.load(name)
        except ConfigError as error:
            raise ConfigError(f"{where}[{index}]: {error.message}", error.hint) from None
        try:
            created = factory()
            problem = None if isinstance(created, Plugin) else "is not a plugin (it needs `name` and `on_turn`)"
        except Exception as error:
            problem = f"failed to start: {type(error).__name__}: {error}"
        if problem is not None:
            if strict:
                raise CompanionError(f"{where}[{index}]: plugin {name!r} {problem}")
            log.error("%s[%d]: plugin %r %s; the robot runs without it", where, index, name, problem)
            continue
        plugins.append(created)
    return plugins
