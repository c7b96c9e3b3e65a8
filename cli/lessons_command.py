"""``companion lessons list`` and ``companion lessons validate FILE...``: the lessons a robot can give, and a check
of a lesson file before it reaches a classroom (every problem with its line, exit 1 when any)."""

from __future__ import annotations

import argparse
from pathlib import Path

OK, BAD = "ok     ", "INVALID"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "lessons",
        help="list the lessons, validate lesson files",
        description="Lessons are YAML files (docs/LESSONS.md). companion ships solar-system and fractions.",
    )
    actions = parser.add_subparsers(dest="lessons_action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        help="the lessons found: name, title, audience, questions, where",
        description="Lists the lessons in the given folders and the built-in ones (a folder's lesson replaces a "
        "built-in one of the same name). Exits 1 when a lesson file is invalid.",
    )
    _folder_argument(listing)
    listing.set_defaults(handler=run_list)
    validate = actions.add_parser(
        "validate",
        help="check lesson files; every problem with its file, line and key",
        description="Validates each lesson file (or lesson name) and prints ok or its problems. Exits 1 when any "
        "is invalid.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="a lesson file, or the name of a known lesson")
    _folder_argument(validate)
    validate.set_defaults(handler=run_validate)


def _folder_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--folder",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="another folder of lesson files (may be given more than once)",
    )


def run_list(args: argparse.Namespace) -> int:
    from companion.plugins.lessons.loader import LessonError, lesson_files, load_lesson

    files = lesson_files(args.folder)
    if not files:
        print("no lessons found")
        return 0
    invalid = 0
    rows: list[tuple[str, ...]] = []
    for found in files:
        where = "built-in" if found.builtin else str(found.path)
        try:
            lesson = load_lesson(found.path)
        except LessonError as error:
            invalid += 1
            rows.append((found.name, BAD, error.message.splitlines()[0], "", where))
            continue
        questions = f"{lesson.asked_count} of {len(lesson.questions())}"
        rows.append((found.name, lesson.title, lesson.audience, questions, where))
    header = ("name", "title", "audience", "questions", "where")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        print("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]]).rstrip())
    if invalid:
        print(f"{invalid} invalid lesson{'s' * (invalid > 1)}: run `companion lessons validate FILE` for the details")
    return 1 if invalid else 0


def run_validate(args: argparse.Namespace) -> int:
    from companion.core.errors import CompanionError
    from companion.plugins.lessons.loader import find_lesson, load_lesson

    invalid = 0
    for given in args.files:
        path = Path(given)
        try:
            if not path.exists() and path.suffix == "" and len(path.parts) == 1:
                path = find_lesson(given, args.folder).path
            lesson = load_lesson(path)
        except CompanionError as error:
            invalid += 1
            print(f"{BAD} {error}")
            continue
        print(f"{OK} {path}: {lesson.title!r}, {lesson.asked_count} of {len(lesson.questions())} questions asked")
    return 1 if invalid else 0
