"""Named YAML files in folders, validated like the config: what the lesson and counseling plugins both read.

A ``YamlFolder`` knows one kind of file (lessons, counseling scripts): its pydantic model, the key that must equal
the file's name, the folder companion ships them in, and the words its messages use. Files are found by name in
the folders given (a deployment's own) and then in the shipped folder: a folder's file of the same name replaces
the shipped one. Every problem is listed as ``file:line: key: message``; a name that is nowhere says where it
looked and which names are close.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel

from companion.core.config import located, parse_yaml_with_lines, validate_with_lines
from companion.core.errors import CompanionError, ConfigError

log = logging.getLogger(__name__)

SUFFIXES = (".yaml", ".yml")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class NamedFile:
    """A file found in a folder: its ``name`` (the file name without .yaml) and whether companion ships it."""

    name: str
    path: Path
    builtin: bool


@dataclass(frozen=True)
class YamlFolder(Generic[M]):
    model: type[M]
    name_key: str  # the model's field that is the file's name ("id" of a lesson, "name" of a script)
    package: str  # where the shipped files are: a package and its subfolder
    subfolder: str
    noun: str  # "lesson", "script": in "lesson file not found", "invalid lesson"
    title: str  # in "<title> 'x' not found"
    hint: str  # where the format is described
    error: type[ConfigError]  # a file that cannot be read or is invalid
    not_found: type[CompanionError]  # no file of that name

    def shipped_folder(self) -> Path:
        return Path(str(resources.files(self.package) / self.subfolder))

    def load(self, path: str | Path) -> M:
        """Read and validate one file. Raises ``error`` listing every problem with its line."""
        path = Path(path)
        noun = self.noun
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise self.error(f"{path}: {noun} file not found", f"give the path of a .yaml {noun} file") from None
        except (OSError, UnicodeDecodeError) as error:
            raise self.error(f"{path}: cannot read the {noun} file ({error})") from None
        try:
            data, where = parse_yaml_with_lines(text, path, what=f"{noun} file", empty_hint=self.hint)
            loaded = validate_with_lines(data, where, path, self.model, what=noun)
        except ConfigError as error:
            raise self.error(error.message, error.hint or self.hint) from None
        given = getattr(loaded, self.name_key)
        if given is not None and given != path.stem:
            problem = located(
                path, where, (self.name_key,), f"must be the file's name {path.stem!r} (or left out); got {given!r}"
            )
            raise self.error(f"{path}: invalid {noun} (1 problem):\n{problem}", self.hint)
        setattr(loaded, self.name_key, path.stem)
        return loaded

    def files(self, folders: Sequence[str | Path] = ()) -> list[NamedFile]:
        """Every file in ``folders`` and then the shipped ones, one per name (the first found wins)."""
        found: dict[str, NamedFile] = {}
        places = [(Path(folder), False) for folder in folders] + [(self.shipped_folder(), True)]
        for folder, builtin in places:
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if path.suffix in SUFFIXES and path.is_file() and path.stem not in found:
                    found[path.stem] = NamedFile(path.stem, path, builtin)
        return sorted(found.values(), key=lambda file: file.name)

    def load_valid(self, folders: Sequence[str | Path] = ()) -> dict[str, M]:
        """Every valid file by name, for a plugin at run time: an invalid one is one error line and left out."""
        loaded: dict[str, M] = {}
        for found in self.files(folders):
            try:
                loaded[found.name] = self.load(found.path)
            except ConfigError as error:
                log.error("%s %s is left out: %s", self.title, found.path, error.message)
        return loaded

    def find(self, name: str, folders: Sequence[str | Path] = ()) -> NamedFile:
        """The file called ``name``. Raises ``not_found`` naming the folders and close names."""
        files = self.files(folders)
        for file in files:
            if file.name == name:
                return file
        places = "\n".join(f"    - {Path(folder)}" for folder in [*folders, self.shipped_folder()])
        close = difflib.get_close_matches(name, [file.name for file in files], n=3, cutoff=0.5)
        known = ", ".join(file.name for file in files) or "none"
        hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else f"{self.noun}s found: {known}"
        raise self.not_found(f"{self.title} {name!r} not found. Looked in:\n{places}", hint)

    def load_named(self, name: str, folders: Sequence[str | Path] = ()) -> M:
        """Find the file called ``name`` (see ``find``) and load it."""
        return self.load(self.find(name, folders).path)
