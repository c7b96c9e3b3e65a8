"""Which config file a command uses, so every command works from any folder once companion is installed.

The first of these that applies wins:

1. ``--config PATH`` (``-c``), anywhere on the command line;
2. ``$COMPANION_CONFIG``;
3. ``./config.yaml`` in the current folder;
4. ``config.yaml`` in the user's config folder (``~/.config/companion/`` on Linux, platformdirs elsewhere);
5. the default config packaged with companion (the repository's ``config.yaml``).

A path given explicitly (1, 2) must exist: falling through to another file would run a robot on settings nobody
chose. Relative paths in a config are relative to its file, except in the packaged default, whose outputs go to
the user's data folder (the installed package may not be writable, and is no place for recordings).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from companion.core.errors import ConfigError

CONFIG_NAME = "config.yaml"
PACKAGED_NAME = "default_config.yaml"  # copied into companion/cli/ when the wheel is built (setup.py)
APP_NAME = "companion"


@dataclass(frozen=True)
class ConfigChoice:
    path: Path
    origin: str  # why this file: for -v and for messages
    base_dir: Path | None = None  # relative paths are relative to this (None: the file's folder)

    @property
    def packaged(self) -> bool:
        return self.base_dir is not None


def user_config_path() -> Path:
    from platformdirs import user_config_path as config_dir

    return config_dir(APP_NAME) / CONFIG_NAME


def user_data_path() -> Path:
    from platformdirs import user_data_path as data_dir

    return data_dir(APP_NAME)


def packaged_config_path() -> Path | None:
    """The default config shipped in the wheel; in a source checkout, the repository's own config.yaml."""
    shipped = Path(str(resources.files("companion.cli").joinpath(PACKAGED_NAME)))
    if shipped.is_file():
        return shipped
    checkout = Path(__file__).resolve().parents[1] / CONFIG_NAME
    return checkout if checkout.is_file() else None


def find_config(
    option: str | Path | None, environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> ConfigChoice:
    """The config file to use (see the module docstring). Raises ``ConfigError`` for a named file that is missing."""
    environ = os.environ if environ is None else environ
    if option:
        return _named(Path(option).expanduser(), "--config")
    if environ.get("COMPANION_CONFIG"):
        return _named(Path(environ["COMPANION_CONFIG"]).expanduser(), "$COMPANION_CONFIG")
    here = (cwd or Path.cwd()) / CONFIG_NAME
    if here.is_file():
        return ConfigChoice(Path(CONFIG_NAME) if cwd is None else here, "the current folder")
    user = user_config_path()
    if user.is_file():
        return ConfigChoice(user, "the user config folder")
    packaged = packaged_config_path()
    if packaged is None:
        raise ConfigError(
            "no config file found (--config, $COMPANION_CONFIG, ./config.yaml, "
            f"{user}) and the packaged default is missing",
            "reinstall companion, or pass --config PATH",
        )
    return ConfigChoice(packaged, "the packaged default", base_dir=user_data_path())


def _named(path: Path, origin: str) -> ConfigChoice:
    if not path.is_file():
        what = "is a folder, not a config file" if path.is_dir() else "config file not found"
        raise ConfigError(
            f"{path}: {what} (given by {origin})",
            "give an existing file, or leave it out to use ./config.yaml, "
            f"{user_config_path()} or the packaged default",
        )
    return ConfigChoice(path, origin)
