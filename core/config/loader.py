"""Loads a YAML config file into a typed model, with errors that name the file, line and key path.

PyYAML forgets where values came from, so the file is first composed into a node tree and every key path is
mapped to its line. Validation errors from pydantic are then reported against those lines, unknown keys get a
"did you mean" suggestion, and a key given twice in one mapping is refused (PyYAML would keep the last silently).
Environment variables and command-line options may override settings; an error in one names the variable or the
option instead of a line. The options of every backend section are validated against the chosen backend's
``Options`` in the same pass, with the same kind of message. A check that involves several keys (the active
persona must exist, a privacy rule) raises ``KeyProblemError`` naming the key it is about, so the message points at
that key's line and not at the section or the file's first line.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from companion.core.config.section import BackendSection, KeyProblemError, resolve_paths
from companion.core.errors import CompanionError, ConfigError

KeyPath = tuple[str | int, ...]
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@/\s]*@")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Override:
    """A value set from outside the file: ``source`` names it in messages ("environment variable X", "--persona")."""

    key_path: KeyPath
    value: Any
    source: str


def load_config(
    path: str | Path,
    schema: type[M],
    *,
    env_overrides: Mapping[str, KeyPath] | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Sequence[Override] = (),
    base_dir: Path | None = None,
) -> M:
    """Read ``path``, apply ``env_overrides`` (variable -> key path), then ``overrides`` (command-line options),
    validate against ``schema`` and every chosen backend's options, and make relative paths relative to
    ``base_dir`` (default: the file's folder). Raises ``ConfigError``."""
    path = Path(path)
    environ = os.environ if environ is None else environ
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found", "pass --config PATH, or set $COMPANION_CONFIG to an existing file"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the config file ({error})") from None

    data, where = parse_yaml_with_lines(text, path)
    applied = [
        Override(key_path, environ[variable], f"environment variable {variable}")
        for variable, key_path in (env_overrides or {}).items()
        if environ.get(variable)
    ]
    for override in [*applied, *overrides]:
        _set_path(data, override.key_path, override.value)
        where[override.key_path] = override.source

    config = validate_with_lines(data, where, path, schema)
    _bind_backends(config, path, where)
    resolve_paths(config, (base_dir or path.resolve().parent).expanduser())
    return config


def _bind_backends(config: BaseModel, path: Path, where: dict[KeyPath, str]) -> None:
    """Validate each backend section's options against its backend; report every problem at once."""
    problems: list[str] = []
    for loc, section in backend_sections(config, ()):
        try:
            backend = section.backend_class()
        except CompanionError as error:
            place = _located(path, (*loc, "backend"), where)
            problems.append(f"  {place}: {_dotted((*loc, 'backend'))}: {error.message}")
            if error.hint:
                problems.append(f"    hint: {error.hint}")
            continue
        try:
            section.bind(backend.Options.model_validate(section.backend_options()))
        except ValidationError as error:
            declared = [name for name in type(section).model_fields if name != "backend"]
            problems.extend(_problems(error, path, where, backend.Options, prefix=loc, also_known=declared))
    if problems:
        count = len([p for p in problems if not p.startswith("    hint")])
        heading = f"{path}: invalid configuration ({count} problem{'s' * (count > 1)}):"
        raise ConfigError("\n".join([heading, *problems]))


def backend_sections(model: BaseModel, loc: KeyPath = ()) -> Iterator[tuple[KeyPath, BackendSection]]:
    """Every backend section in ``model``, with its key path (``("models", "stt")``)."""
    if isinstance(model, BackendSection):
        yield loc, model
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from backend_sections(value, (*loc, name))
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from backend_sections(item, (*loc, name, key))


def parse_yaml_with_lines(
    text: str,
    path: Path,
    *,
    what: str = "config file",
    empty_hint: str | None = "start from the repository's config.yaml",
) -> tuple[dict[str, Any], dict[KeyPath, str]]:
    """The YAML document as plain data, and ``key path -> "line N"`` for every key and item in it.
    ``what`` names the kind of file in messages ("lesson file")."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        raise ConfigError(_yaml_syntax_message(error, path)) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: YAML error: {error}") from None
    except RecursionError:
        raise ConfigError(f"{path}: the YAML nests too deeply to be a config file") from None
    if root is None:
        raise ConfigError(f"{path}: the {what} is empty", empty_hint)
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{path}:{root.start_mark.line + 1}: the top level must be a mapping of keys")

    where: dict[KeyPath, str] = {}
    try:
        _record_lines(root, (), where, path)
        data = yaml.SafeLoader("").construct_document(root)
    except RecursionError:
        raise ConfigError(f"{path}: the YAML nests too deeply to be a config file") from None
    except yaml.YAMLError as error:  # e.g. a tag or a timestamp the safe loader cannot construct
        raise ConfigError(f"{path}: YAML error: {error}") from None
    return data, where


def _yaml_syntax_message(error: yaml.MarkedYAMLError, path: Path) -> str:
    """Where the parser gave up, and where the construct it was reading opened (an unclosed bracket or quote is
    usually found lines later, where the parser stumbles on what follows)."""

    def at(mark: yaml.Mark | None) -> str:
        return f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""

    problem = error.problem or error.context or "invalid YAML"
    lines = [f"{path}{at(error.problem_mark or error.context_mark)}: YAML syntax error: {problem}"]
    opened = error.context_mark
    if opened is not None and error.problem_mark is not None and error.context:
        what = error.context.removeprefix("while ")
        lines.append(f"  {path}{at(opened)}: {what} that started here")
    return "\n".join(lines)


def _record_lines(node: yaml.Node, at: KeyPath, where: dict[KeyPath, str], path: Path) -> None:
    where[at] = f"line {node.start_mark.line + 1}"
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                dotted = _dotted((*at, key))
                raise ConfigError(f"{path}:{line}: {dotted}: key given twice (first on line {seen[key]})")
            seen[key] = line
            _record_lines(value_node, (*at, key), where, path)
            where[(*at, key)] = f"line {line}"
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*at, index), where, path)


def _set_path(data: dict[str, Any], key_path: KeyPath, value: Any) -> None:
    node: Any = data
    for key in key_path[:-1]:
        node = node.setdefault(key, {}) if isinstance(node, dict) else {}
    if isinstance(node, dict):
        node[key_path[-1]] = value


def _dotted(key_path: KeyPath) -> str:
    out = ""
    for key in key_path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "(top level)"


def validate_with_lines(
    data: Any, where: dict[KeyPath, str], path: Path, schema: type[M], *, what: str = "configuration"
) -> M:
    """``schema.model_validate(data)``, or a ``ConfigError`` listing every problem as ``file:line: key: message``.
    A validator that raises ``KeyProblemError`` points the message at the key it names."""
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        count = error.error_count()
        heading = f"{path}: invalid {what} ({count} problem{'s' * (count > 1)}):"
        raise ConfigError("\n".join([heading, *_problems(error, path, where, schema)])) from None


def located(path: Path, where: dict[KeyPath, str], key_path: KeyPath, message: str) -> str:
    """One problem line, ``  file:line: key.path: message``, for checks made outside pydantic."""
    return f"  {_located(path, key_path, where)}: {_dotted(key_path)}: {message}"


def _problems(
    error: ValidationError,
    path: Path,
    where: dict[KeyPath, str],
    schema: type[BaseModel],
    prefix: KeyPath = (),
    also_known: list[str] | None = None,
) -> list[str]:
    """One line per problem: ``file:line: key.path: what is wrong``. ``prefix`` locates ``schema`` in the file."""
    lines: list[str] = []
    for problem in error.errors():
        inner: KeyPath = tuple(problem["loc"])
        cause = (problem.get("ctx") or {}).get("error")
        if isinstance(cause, KeyProblemError):
            inner = (*inner, *cause.at)
        loc = (*prefix, *inner)
        place = _located(path, loc, where)
        dotted = _dotted(loc)
        if problem["type"] == "extra_forbidden":
            message = f"unknown key '{inner[-1]}'"
            suggestion = _suggest(schema, inner, also_known or [])
            if suggestion:
                message += f" (did you mean '{suggestion}'?)"
        elif problem["type"] == "missing":
            message = "required key is missing"
        elif isinstance(cause, KeyProblemError):
            message = str(cause)  # says what it found itself: the input here is the whole mapping
        else:
            message = _plain(problem["msg"])
            shown = problem.get("input")
            if not isinstance(shown, (dict, list)):  # a whole section repeated back helps nobody
                message += f"; got {_show(shown)}"
        lines.append(f"  {place}: {dotted}: {message}")
    return lines


def _located(path: Path, loc: KeyPath, where: dict[KeyPath, str]) -> str:
    """``file:LINE`` of the key (or of its nearest parent in the file), or ``file (environment variable X)`` when
    the value came from outside the file."""
    for cut in range(len(loc), -1, -1):
        place = where.get(loc[:cut])
        if place:
            return f"{path}:{place.removeprefix('line ')}" if place.startswith("line ") else f"{path} ({place})"
    return f"{path}:1"


def _plain(message: str) -> str:
    # pydantic phrases errors as "Input should be ..."; "expected ..." reads better after a key path.
    message = message.removeprefix("Value error, ")
    return message.replace("Input should be", "expected", 1)


def _show(value: Any) -> str:
    text = _URL_PASSWORD.sub(r"\1***@", repr(value))  # a password in a URL stays off the screen
    return text if len(text) <= 60 else text[:57] + "..."


def _suggest(schema: type[BaseModel], loc: KeyPath, also_known: list[str]) -> str | None:
    model = _model_at(schema, loc[:-1])
    if model is None:
        return None
    known = [*model.model_fields, *(also_known if len(loc) == 1 else [])]
    matches = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _model_at(model: type[BaseModel], loc: KeyPath) -> type[BaseModel] | None:
    """The pydantic model class that validates the mapping at ``loc`` (walking fields, dict values, lists)."""
    annotation: Any = model
    for key in loc:
        annotation = _unwrap_optional(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(key))
            if field is None:
                return None
            annotation = field.annotation
        elif get_origin(annotation) in (dict, list):
            annotation = get_args(annotation)[-1]
        else:
            return None
    annotation = _unwrap_optional(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _unwrap_optional(annotation: Any) -> Any:
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is not None and get_origin(annotation) not in (dict, list) and len(args) == 1:
        return args[0]
    return annotation
