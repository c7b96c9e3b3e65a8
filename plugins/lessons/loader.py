"""Reading lesson files, and finding a lesson by name.

A lesson is validated like the config (``companion.core.config``): every problem is listed with the file, the line
and the key, unknown keys get a "did you mean". Lessons are found by file name in the folders given (a deployment's
own lessons) and then among the lessons companion ships (``content/``): a folder's lesson of the same name replaces
the built-in one. A name that is nowhere says where it looked and which names are close.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from companion.core.config import located, parse_yaml_with_lines, validate_with_lines
from companion.core.errors import CompanionError, ConfigError
from companion.plugins.lessons.schema import Lesson

SUFFIXES = (".yaml", ".yml")
_HINT = "docs/LESSONS.md describes every key; `companion lessons validate FILE` checks a lesson"


class LessonError(ConfigError):
    """A lesson file cannot be read or is invalid: the message names the file, line and key."""


class LessonNotFoundError(CompanionError):
    """No lesson of that name: the message says where it looked and suggests close names."""


@dataclass(frozen=True)
class LessonFile:
    """A lesson file found in a folder: its ``name`` (the file name without .yaml) and whether it ships with
    companion (``builtin``)."""

    name: str
    path: Path
    builtin: bool


def builtin_folder() -> Path:
    """The folder of the lessons companion ships (solar-system, fractions)."""
    return Path(str(resources.files("companion.plugins.lessons") / "content"))


def load_lesson(path: str | Path) -> Lesson:
    """Read and validate one lesson file. Raises ``LessonError`` listing every problem with its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LessonError(f"{path}: lesson file not found", "give the path of a .yaml lesson file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise LessonError(f"{path}: cannot read the lesson file ({error})") from None
    try:
        data, where = parse_yaml_with_lines(text, path, what="lesson file", empty_hint=_HINT)
        lesson = validate_with_lines(data, where, path, Lesson, what="lesson")
    except ConfigError as error:
        raise LessonError(error.message, error.hint or _HINT) from None
    if lesson.id is not None and lesson.id != path.stem:
        problem = located(
            path, where, ("id",), f"must be the file's name {path.stem!r} (or left out); got {lesson.id!r}"
        )
        raise LessonError(f"{path}: invalid lesson (1 problem):\n{problem}", _HINT)
    lesson.id = path.stem
    return lesson


def lesson_files(folders: Sequence[str | Path] = ()) -> list[LessonFile]:
    """Every lesson file in ``folders`` and then the built-in ones, one per name (the first found wins)."""
    found: dict[str, LessonFile] = {}
    places = [(Path(folder), False) for folder in folders] + [(builtin_folder(), True)]
    for folder, builtin in places:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix in SUFFIXES and path.is_file() and path.stem not in found:
                found[path.stem] = LessonFile(path.stem, path, builtin)
    return sorted(found.values(), key=lambda lesson: lesson.name)


def find_lesson(name: str, folders: Sequence[str | Path] = ()) -> LessonFile:
    """The lesson file called ``name``. Raises ``LessonNotFoundError`` naming the folders and close names."""
    files = lesson_files(folders)
    for lesson in files:
        if lesson.name == name:
            return lesson
    places = "\n".join(f"    - {Path(folder)}" for folder in [*folders, builtin_folder()])
    close = difflib.get_close_matches(name, [lesson.name for lesson in files], n=3, cutoff=0.5)
    known = ", ".join(lesson.name for lesson in files) or "none"
    hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else f"lessons found: {known}"
    raise LessonNotFoundError(f"lesson {name!r} not found. Looked in:\n{places}", hint)


def load_lesson_named(name: str, folders: Sequence[str | Path] = ()) -> Lesson:
    """Find the lesson called ``name`` (see ``find_lesson``) and load it."""
    return load_lesson(find_lesson(name, folders).path)
