"""Plugins by name: a persona lists them, the ``companion.plugins`` entry points provide them (``repeat`` built in)."""

from __future__ import annotations

from collections.abc import Sequence

from companion.agent.policy.types import PLUGINS, Plugin
from companion.core.errors import CompanionError, ConfigError


def load_plugins(names: Sequence[str], where: str = "persona plugins") -> list[Plugin]:
    """Instantiate plugins by name; an unknown name is a ConfigError with a suggestion."""
    plugins: list[Plugin] = []
    for index, name in enumerate(names):
        try:
            factory = PLUGINS.load(name)
        except ConfigError as error:
            raise ConfigError(f"{where}[{index}]: {error.message}", error.hint) from None
        try:
            created = factory()
        except Exception as error:
            raise CompanionError(f"{where}[{index}]: plugin {name!r} failed to start: {error}") from None
        if not isinstance(created, Plugin):
            raise ConfigError(f"{where}[{index}]: '{name}' is not a plugin (it needs `name` and `on_turn`)")
        plugins.append(created)
    return plugins
