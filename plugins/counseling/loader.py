"""Reading counseling script files, and finding a script by name.

A script is validated like a lesson (``companion.plugins.lessons.loader``): every problem is listed as
``file:line: key: message``, unknown keys get a "did you mean". Scripts are found by file name in the folders given
(a deployment's own) and then among the scripts companion ships (``scripts/``): a folder's script of the same name
replaces the shipped one.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from companion.core.config import located, parse_yaml_with_lines, validate_with_lines
from companion.core.errors import CompanionError, ConfigError
from companion.plugins.counseling.schema import Script

SUFFIXES = (".yaml", ".yml")
_HINT = "docs/COUNSELING.md describes every key; `companion counseling validate FILE` checks a script"


class ScriptError(ConfigError):
    """A script file cannot be read or is invalid: the message names the file, line and key."""


class ScriptNotFoundError(CompanionError):
    """No script of that name: the message says where it looked and suggests close names."""


@dataclass(frozen=True)
class ScriptFile:
    """A script file found in a folder: its ``name`` (the file name without .yaml) and whether companion ships it."""

    name: str
    path: Path
    builtin: bool


def builtin_folder() -> Path:
    """The folder of the scripts companion ships (phq9, gad7, breathing, grounding, thought-record)."""
    return Path(str(resources.files("companion.plugins.counseling") / "scripts"))


def load_script(path: str | Path) -> Script:
    """Read and validate one script file. Raises ``ScriptError`` listing every problem with its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScriptError(f"{path}: script file not found", "give the path of a .yaml script file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScriptError(f"{path}: cannot read the script file ({error})") from None
    try:
        data, where = parse_yaml_with_lines(text, path, what="script file", empty_hint=_HINT)
        script = validate_with_lines(data, where, path, Script, what="script")
    except ConfigError as error:
        raise ScriptError(error.message, error.hint or _HINT) from None
    if script.name is not None and script.name != path.stem:
        problem = located(
            path, where, ("name",), f"must be the file's name {path.stem!r} (or left out); got {script.name!r}"
        )
        raise ScriptError(f"{path}: invalid script (1 problem):\n{problem}", _HINT)
    script.name = path.stem
    return script


def script_files(folders: Sequence[str | Path] = ()) -> list[ScriptFile]:
    """Every script file in ``folders`` and then the shipped ones, one per name (the first found wins)."""
    found: dict[str, ScriptFile] = {}
    places = [(Path(folder), False) for folder in folders] + [(builtin_folder(), True)]
    for folder, builtin in places:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix in SUFFIXES and path.is_file() and path.stem not in found:
                found[path.stem] = ScriptFile(path.stem, path, builtin)
    return sorted(found.values(), key=lambda script: script.name)


def find_script(name: str, folders: Sequence[str | Path] = ()) -> ScriptFile:
    """The script file called ``name``. Raises ``ScriptNotFoundError`` naming the folders and close names."""
    files = script_files(folders)
    for script in files:
        if script.name == name:
            return script
    places = "\n".join(f"    - {Path(folder)}" for folder in [*folders, builtin_folder()])
    close = difflib.get_close_matches(name, [script.name for script in files], n=3, cutoff=0.5)
    known = ", ".join(script.name for script in files) or "none"
    hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else f"scripts found: {known}"
    raise ScriptNotFoundError(f"counseling script {name!r} not found. Looked in:\n{places}", hint)


def load_script_named(name: str, folders: Sequence[str | Path] = ()) -> Script:
    """Find the script called ``name`` (see ``find_script``) and load it."""
    return load_script(find_script(name, folders).path)
