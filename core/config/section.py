"""Typed config sections, and the section of a swappable part whose keys belong to the backend it names.

Every section forbids unknown keys, so a typo is an error with a suggestion instead of a silently ignored setting.
A ``BackendSection`` holds ``backend: NAME`` plus that backend's own options, validated against the backend's
``Options`` model (``companion.core.registry``). A plain string is shorthand for ``{backend: NAME}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, model_validator

from companion.core.errors import ConfigError
from companion.core.registry import BackendKind


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class KeyProblemError(ValueError):
    """Raised by a model validator to blame one key of the model (``at``, relative to it), so the loader's message
    names that key's line rather than the whole mapping's."""

    def __init__(self, at: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.at = at


class BackendSection(Section):
    """``backend`` names the implementation; every other key is one of its options (or a key the section declares
    for all backends of its kind)."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)
    kind: ClassVar[BackendKind]

    backend: str
    _options: BaseModel | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"backend": data} if isinstance(data, str) else data

    def backend_class(self) -> type[Any]:
        return self.kind.load(self.backend)

    def backend_options(self) -> dict[str, Any]:
        """The keys given for the backend (everything the section does not declare itself)."""
        return dict(self.model_extra or {})

    @property
    def options(self) -> BaseModel:
        """The backend's validated options (validated on first use when the loader has not done it already)."""
        if self._options is None:
            try:
                self._options = self.backend_class().Options.model_validate(self.backend_options())
            except ValidationError as error:
                raise ConfigError(f"{self.kind.what} {self.backend!r}: invalid options: {error}") from None
        return self._options

    def bind(self, options: BaseModel) -> None:
        """Set the validated options (the loader validates them itself, to report errors with file and line)."""
        self._options = options

    def __getattr__(self, name: str) -> Any:
        # ``section.path`` reads the backend's validated option (a resolved Path), not the raw YAML value.
        if not name.startswith("_") and name in (self.model_extra or {}):
            return getattr(self.options, name)
        return super().__getattr__(name)  # type: ignore[misc]


def resolve_paths(model: BaseModel, base_dir: Path) -> None:
    """Make every relative ``Path`` in ``model`` (and its sections) relative to ``base_dir``, and expand ``~``.

    Relative paths in a config file mean "relative to this file", wherever the command was started.
    """
    for name in type(model).model_fields:
        value = getattr(model, name)
        fixed = _resolved(value, base_dir)
        if fixed is not value:
            setattr(model, name, fixed)
    if isinstance(model, BackendSection) and model._options is not None:
        resolve_paths(model._options, base_dir)


def _resolved(value: Any, base_dir: Path) -> Any:
    if isinstance(value, Path):
        path = value.expanduser()
        return path if path.is_absolute() else base_dir / path
    if isinstance(value, BaseModel):
        resolve_paths(value, base_dir)
    elif isinstance(value, dict):
        for item in value.values():
            if isinstance(item, BaseModel):
                resolve_paths(item, base_dir)
    return value
