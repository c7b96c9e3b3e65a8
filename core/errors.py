"""User-facing errors.

Anything a user can cause (a bad config file, a missing model, an unreachable broker, an unreadable input file)
raises a ``CompanionError``. The CLI prints its message and hint and exits non-zero, never a traceback: the
traceback is for bugs in companion, not for mistakes in a YAML file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class CompanionError(Exception):
    """An error the user can fix. ``str(error)`` is the full message, ``hint`` says how to fix it."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class ConfigError(CompanionError):
    """The configuration is invalid: the message names the file, line and key path."""


class ModelMissingError(CompanionError):
    """A model is not where the configuration says: names where it looked and how to get it."""

    exit_code = 3

    def __init__(self, what: str, looked_in: Sequence[Path], how_to_get: str) -> None:
        places = "\n".join(f"    - {p}" for p in looked_in) or "    (no location configured)"
        super().__init__(f"{what} not found. Looked in:\n{places}", how_to_get)
        self.what = what
        self.looked_in = list(looked_in)


class ModelsMissingError(CompanionError):
    """Several models are missing: every one is listed at once (fetching them one failure at a time is tedious)."""

    exit_code = 3

    def __init__(self, missing: Sequence[ModelMissingError]) -> None:
        parts = [error.message for error in missing]
        hints = list(dict.fromkeys(error.hint for error in missing if error.hint))
        count = f"{len(missing)} models are missing:\n" if len(missing) > 1 else ""
        super().__init__(count + "\n".join(parts), "\n  hint: ".join(hints) or None)
        self.missing = list(missing)


class BrokerUnreachableError(CompanionError):
    """The MQTT broker does not answer."""

    exit_code = 4


class BrokerAccessError(CompanionError):
    """The MQTT broker answers but refuses this client: not authorised, or a TLS certificate problem. Retrying with
    the same settings cannot help, so it is reported at once."""

    exit_code = 4


class InputError(CompanionError):
    """An input file (audio, video) cannot be read."""


class OfflineError(CompanionError):
    """A download was asked for but the model hub cannot be reached."""

    exit_code = 5
