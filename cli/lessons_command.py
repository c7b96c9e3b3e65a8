"""``companion lessons list`` and ``companion lessons validate FILE...``: the lessons a robot can give, and a check
of a lesson file before it reaches a classroom (every problem with its line, exit 1 when any)."""

from __future__ import annotations

import argparse

from companion.cli.yaml_files import folder_argument, list_rows, print_table, validate_files


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
    folder_argument(listing, "lesson")
    listing.set_defaults(handler=run_list)
    validate = actions.add_parser(
        "validate",
        help="check lesson files; every problem with its file, line and key",
        description="Validates each lesson file (or lesson name) and prints ok or its problems. Exits 1 when any "
        "is invalid.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="a lesson file, or the name of a known lesson")
    folder_argument(validate, "lesson")
    validate.set_defaults(handler=run_validate)


def run_list(args: argparse.Namespace) -> int:
    from companion.plugins.lessons.loader import LESSONS
    from companion.plugins.lessons.schema import Lesson

    def describe(lesson: Lesson) -> tuple[str, ...]:
        return lesson.title, lesson.audience, f"{lesson.asked_count} of {len(lesson.questions())}"

    rows, invalid = list_rows(LESSONS, args.folder, describe)
    if not rows:
        print("no lessons found")
        return 0
    print_table(("name", "title", "audience", "questions", "where"), rows)
    if invalid:
        print(f"{invalid} invalid lesson{'s' * (invalid > 1)}: run `companion lessons validate FILE` for the details")
    return 1 if invalid else 0


def run_validate(args: argparse.Namespace) -> int:
    from companion.plugins.lessons.loader import LESSONS
    from companion.plugins.lessons.schema import Lesson

    def summary(lesson: Lesson) -> str:
        return f"{lesson.title!r}, {lesson.asked_count} of {len(lesson.questions())} questions asked"

    return validate_files(LESSONS, args.files, args.folder, summary)
