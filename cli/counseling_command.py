"""``companion counseling list`` and ``companion counseling validate FILE...``: the counseling scripts a robot can
run, and a check of a script file before it reaches people (every problem with its line, exit 1 when any)."""

from __future__ import annotations

import argparse

from companion.cli.yaml_files import folder_argument, list_rows, print_table, validate_files


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "counseling",
        help="list the counseling scripts, validate script files",
        description="Counseling scripts are YAML files (docs/COUNSELING.md). companion ships phq9, gad7, "
        "thought-record, grounding and breathing.",
    )
    actions = parser.add_subparsers(dest="counseling_action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        help="the scripts found: name, title, kind, scored questions, where",
        description="Lists the scripts in the given folders and the shipped ones (a folder's script replaces a "
        "shipped one of the same name). Exits 1 when a script file is invalid.",
    )
    folder_argument(listing, "script")
    listing.set_defaults(handler=run_list)
    validate = actions.add_parser(
        "validate",
        help="check script files; every problem with its file, line and key",
        description="Validates each script file (or script name) and prints ok or its problems. Exits 1 when any "
        "is invalid.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="a script file, or the name of a known script")
    folder_argument(validate, "script")
    validate.set_defaults(handler=run_validate)


def run_list(args: argparse.Namespace) -> int:
    from companion.plugins.counseling.loader import SCRIPTS
    from companion.plugins.counseling.schema import Script

    def describe(script: Script) -> tuple[str, ...]:
        return script.title, script.kind, str(script.scored_questions)

    rows, invalid = list_rows(SCRIPTS, args.folder, describe)
    print_table(("name", "title", "kind", "scored", "where"), rows)
    if invalid:
        print(f"{invalid} invalid script{'s' * (invalid > 1)}: run `companion counseling validate FILE` for details")
    return 1 if invalid else 0


def run_validate(args: argparse.Namespace) -> int:
    from companion.plugins.counseling.loader import SCRIPTS
    from companion.plugins.counseling.schema import Script

    def summary(script: Script) -> str:
        return f"{script.title!r}, a {script.kind} of {len(script.steps)} steps"

    return validate_files(SCRIPTS, args.files, args.folder, summary)
