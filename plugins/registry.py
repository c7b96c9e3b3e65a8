"""Finds plugins by name: the built-in ones and those installed under the ``companion.plugins`` entry points."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points

from companion.core.errors import ConfigError
from companion.plugins.api import Plugin

ENTRY_POINT_GROUP = "companion.plugins"


def _builtin() -> dict[str, Callable[[], Plugin]]:
    from companion.plugins.builtin.repeat import RepeatPlugin

    return {"repeat": RepeatPlugin}


def available_plugins() -> dict[str, Callable[[], Plugin]]:
    found = dict(_builtin())
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry.name, entry.load)  # loaded lazily: a broken third-party plugin fails only if used
    return found


def load_plugins(names: Sequence[str], where: str = "persona plugins") -> list[Plugin]:
    """Instantiate plugins by name; an unknown name is a ConfigError with a suggestion."""
    factories = available_plugins()
    plugins: list[Plugin] = []
    for index, name in enumerate(names):
        factory = factories.get(name)
        if factory is None:
            close = difflib.get_close_matches(name, list(factories), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"installed plugins: {', '.join(sorted(factories))}"
            raise ConfigError(f"{where}[{index}]: unknown plugin '{name}'", hint)
        created = factory()
        if isinstance(created, type):  # an entry point names the class
            created = created()
        if not isinstance(created, Plugin):
            raise ConfigError(f"{where}[{index}]: '{name}' is not a plugin (it needs `name` and `on_turn`)")
        plugins.append(created)
    return plugins
