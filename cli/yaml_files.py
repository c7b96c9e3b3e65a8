"""What ``companion lessons`` and ``companion counseling`` share: listing a kind of YAML file as a table, and
validating files given by path or by name (``plugins/yaml_folder.py``), every problem with its file and line."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from pydantic import BaseModel

    from companion.plugins.yaml_folder import YamlFolder

M = TypeVar("M", bound="BaseModel")
OK, BAD = "ok     ", "INVALID"


def folder_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--folder",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help=f"another folder of {what} files (may be given more than once)",
    )


def list_rows(
    kind: YamlFolder[M], folders: Sequence[Path], describe: Callable[[M], tuple[str, ...]]
) -> tuple[list[tuple[str, ...]], int]:
    """A row per file found (name, then ``describe``'s cells, then where), and how many were invalid: an invalid
    file's row says INVALID and its first problem."""
    from companion.core.errors import ConfigError

    invalid = 0
    rows: list[tuple[str, ...]] = []
    for found in kind.files(folders):
        where = "built-in" if found.builtin else str(found.path)
        try:
            loaded = kind.load(found.path)
        except ConfigError as error:
            invalid += 1
            rows.append((found.name, BAD, error.message.splitlines()[0], "", where))
            continue
        rows.append((found.name, *describe(loaded), where))
    return rows, invalid


def print_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """Columns padded to their widest cell; the last column (where) is left as it is."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        print("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]]).rstrip())


def validate_files(
    kind: YamlFolder[M], given: Sequence[str], folders: Sequence[Path], summary: Callable[[M], str]
) -> int:
    """Validate each file (a bare name is looked up); print ok with ``summary`` or the problems. 1 when any is
    invalid."""
    from companion.core.errors import CompanionError

    invalid = 0
    for name in given:
        path = Path(name)
        try:
            if not path.exists() and path.suffix == "" and len(path.parts) == 1:
                path = kind.find(name, folders).path
            loaded = kind.load(path)
        except CompanionError as error:
            invalid += 1
            print(f"{BAD} {error}")
            continue
        print(f"{OK} {path}: {summary(loaded)}")
    return 1 if invalid else 0
