"""``companion counseling list`` and ``companion counseling validate FILE...``: the counseling scripts a robot can
run, and a check of a script file before it reaches people (every problem with its line, exit 1 when any)."""

from __future__ import annotations

import argparse
from pathlib import Path

OK, BAD = "ok     ", "INVALID"


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
    _folder_argument(listing)
    listing.set_defaults(handler=run_list)
    validate = actions.add_parser(
        "validate",
        help="check script files; every problem with its file, line and key",
        description="Validates each script file (or script name) and prints ok or its problems. Exits 1 when any "
        "is invalid.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="a script file, or the name of a known script")
    _folder_argument(validate)
    validate.set_defaults(handler=run_validate)


def _folder_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--folder",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="another folder of script files (may be given more than once)",
    )


def run_list(args: argparse.Namespace) -> int:
    from companion.plugins.counseling.loader import ScriptError, load_script, script_files

    invalid = 0
    rows: list[tuple[str, ...]] = []
    for found in script_files(args.folder):
        where = "built-in" if found.builtin else str(found.path)
        try:
            script = load_script(found.path)
        except ScriptError as error:
            invalid += 1
            rows.append((found.name, BAD, error.message.splitlines()[0], "", where))
            continue
        rows.append((found.name, script.title, script.kind, str(script.scored_questions), where))
    header = ("name", "title", "kind", "scored", "where")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        print("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]]).rstrip())
    if invalid:
        print(f"{invalid} invalid script{'s' * (invalid > 1)}: run `companion counseling validate FILE` for details")
    return 1 if invalid else 0


def run_validate(args: argparse.Namespace) -> int:
    from companion.core.errors import CompanionError
    from companion.plugins.counseling.loader import find_script, load_script

    invalid = 0
    for given in args.files:
        path = Path(given)
        try:
            if not path.exists() and path.suffix == "" and len(path.parts) == 1:
                path = find_script(given, args.folder).path
            script = load_script(path)
        except CompanionError as error:
            invalid += 1
            print(f"{BAD} {error}")
            continue
        print(f"{OK} {path}: {script.title!r}, a {script.kind} of {len(script.steps)} steps")
    return 1 if invalid else 0
