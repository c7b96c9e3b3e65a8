"""Backends by name: every swappable part is found by the name in its config section's ``backend:`` key.

Each kind of part (speech-to-text, text-to-speech, language model, VAD, affect model, face driver, plugin, ...)
is an entry-point group. companion's own backends are registered in its ``pyproject.toml`` exactly like a third
party's, so a new backend is one class and one entry point, with no edit of companion::

    [project.entry-points."companion.stt"]
    my-asr = "my_package.asr:MyAsr"

A backend class may declare ``Options`` (a pydantic model of its config keys, validated with file:line errors like
the rest of the config) and ``from_config(options, context)`` (how to build it; by default each option is passed
as the keyword argument of the same name). Discovery reads the installed distributions once per group and caches
it; a backend's module is imported only when it is chosen.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import logging
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from companion.core.errors import CompanionError, ConfigError
from companion.core.models import ModelNeed

log = logging.getLogger(__name__)

DEFAULT_MODELS_DIR = Path("~/.cache/companion/models").expanduser()
OWN_DISTRIBUTION = "companion-agent"  # wins a name clash: a plugin cannot silently replace a built-in


class NoOptions(BaseModel):
    """The options of a backend that has none: any key given is an error."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class BuildContext:
    """What a backend may need beyond its own options when it is built from the config."""

    models_dir: Path = DEFAULT_MODELS_DIR
    language: str | None = None  # the active persona's language, e.g. "en"
    voice: str | None = None  # the active persona's voice, overriding the TTS backend's default


class Configurable:
    """Defaults for the optional backend hooks; backend base classes inherit them."""

    Options: ClassVar[type[BaseModel]] = NoOptions

    @classmethod
    def from_config(cls, options: Any, context: BuildContext) -> Any:
        return cls(**dict(options))

    @classmethod
    def model_needs(cls, options: Any, context: BuildContext) -> list[ModelNeed]:
        """The model files this backend loads, for ``companion check`` and ``companion models fetch``."""
        return []


@dataclass(frozen=True)
class BackendKind:
    """One kind of swappable part: its entry-point group and, for messages, what it is called."""

    group: str  # e.g. "companion.stt"
    what: str  # e.g. "speech-to-text backend"

    def names(self) -> list[str]:
        return sorted(_discover(self.group))

    def load(self, name: str) -> type[Any]:
        """The class registered as ``name``. Raises ``ConfigError`` (with a suggestion) for an unknown name."""
        found = _discover(self.group)
        entry = found.get(name)
        if entry is None:
            close = difflib.get_close_matches(name, list(found), n=1)
            installed = ", ".join(sorted(found)) or "none"
            hint = f"did you mean '{close[0]}'?" if close else f"installed: {installed}"
            raise ConfigError(f"unknown {self.what} {name!r}", hint)
        return _load(entry, self.what)

    def create(self, name: str, options: BaseModel, context: BuildContext) -> Any:
        return self.load(name).from_config(options, context)


@functools.cache
def _discover(group: str) -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for entry in entry_points(group=group):
        previous = found.get(entry.name)
        if previous is not None:
            ours = _distribution(previous) == OWN_DISTRIBUTION
            log.warning(
                "two %s entry points are called %r (%s and %s): using %s",
                group, entry.name, previous.value, entry.value, previous.value if ours else entry.value,
            )  # fmt: skip
            if ours:
                continue
        found[entry.name] = entry
    return found


def _distribution(entry: EntryPoint) -> str | None:
    dist = getattr(entry, "dist", None)
    return dist.metadata["Name"] if dist is not None else None


@functools.cache
def _load(entry: EntryPoint, what: str) -> type[Any]:
    try:
        loaded = entry.load()
    except Exception as error:  # a broken third-party package fails here, when chosen, not at start-up
        raise CompanionError(
            f"the {what} {entry.name!r} ({entry.value}) cannot be loaded: {error}",
            "reinstall the package that provides it, or choose another backend",
        ) from None
    if not isinstance(loaded, type):
        raise CompanionError(f"the {what} {entry.name!r} ({entry.value}) is not a class")
    return loaded


def require(module: str, *, extra: str, what: str) -> Any:
    """Import an optional dependency, or say which extra installs it (the face-controller install has none)."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise CompanionError(
            f"{what} needs the Python package {module!r}, which is not installed ({error})",
            f"pip install 'companion-agent[{extra}]'",
        ) from None
