"""Where a backend's model files are, and where they come from: one rule for every backend.

A backend that loads files declares them as ``ModelNeed`` s (``model_needs(options, context)``). Each need lists
the places it may be, in order:

1. an explicit path from the config (or its environment variable) wins; if it does not hold what the loader
   needs, that is an error, never a silent fall-back to another model;
2. otherwise the fixed layout under ``models.dir`` that ``companion models fetch`` writes, e.g.
   ``<models.dir>/stt/base.en/`` (a ``/`` in a name becomes ``--``, as in Hugging Face's own cache);
3. then the Hugging Face cache, where a model fetched by another tool may already be.

``companion check`` reports every need at once, ``companion models fetch`` downloads the ones with a ``source``,
and the backend calls ``locate()`` when it is built, so a missing model always says where it looked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from companion.core.errors import ModelMissingError

MAKE_TINY_HINT = "or `companion models make-tiny DIR` to build tiny offline models for a smoke test"


@dataclass(frozen=True)
class HubSource:
    """Where ``companion models fetch`` downloads a model from (a Hugging Face repository)."""

    repo_id: str
    target: Path  # where it goes (a folder for a snapshot, the first file's destination for single files)
    files: tuple[str, ...] = ()  # single files, moved side by side next to ``target``; empty: a snapshot
    allow_patterns: tuple[str, ...] = ()
    ignore_patterns: tuple[str, ...] = ()
    licence: str = ""  # said when it is downloaded
    revision: str | None = None  # a pinned commit (None: the one the hub serves now, pinned for the download)
    sha256: str | None = None  # of the single file (``files[0]``): checked after the download


@dataclass(frozen=True)
class BuiltSource:
    """A model ``companion models fetch`` makes itself, from files a package registry serves (e.g. the face-mesh
    networks converted from the mediapipe wheel on PyPI). ``build(target)`` writes the model at ``target``."""

    describe: str  # "converted from mediapipe 0.10.21 on PyPI", for the progress line
    target: Path
    build: Callable[[Path], None]
    licence: str = ""


@dataclass(frozen=True)
class ModelNeed:
    """One model a backend loads."""

    kind: str  # "stt", "llm", "tts", "affect", ... (``companion models fetch --only``)
    name: str  # as configured, for messages
    candidates: Sequence[Path]  # where it may be, in order (an explicit path: only that one)
    is_complete: Callable[[Path], bool]  # does this place hold everything the loader needs?
    hint: str  # how to get it
    source: HubSource | BuiltSource | None = None  # how ``companion models fetch`` gets it (None: it cannot)
    explicit: bool = False  # given by path: never looked for elsewhere
    optional: bool = False  # not configured and not needed (e.g. no affect classifier)
    describe: str = ""  # what it is, for the missing-model message ("speech-to-text model 'base.en'")

    def find(self) -> Path | None:
        for candidate in self.candidates:
            if self.is_complete(candidate):
                return candidate
        return None

    def locate(self) -> Path:
        """Where it is. Raises ``ModelMissingError`` naming every place it looked and how to get it."""
        found = self.find()
        if found is None:
            what = self.describe or f"{self.kind} model {self.name!r}"
            raise ModelMissingError(what, list(self.candidates), self.hint)
        return found


@dataclass(frozen=True)
class ModelStatus:
    """One need's state for ``companion check``: found where, or looked where and how to get it."""

    kind: str
    name: str
    present: bool
    path: Path | None
    looked_in: list[Path] = field(default_factory=list)
    hint: str | None = None
    optional: bool = False

    @classmethod
    def of(cls, need: ModelNeed) -> ModelStatus:
        found = need.find()
        if found is not None:
            return cls(need.kind, need.name, True, found, [found], optional=need.optional)
        return cls(need.kind, need.name, False, None, list(need.candidates), need.hint, need.optional)


def folder_name(model: str) -> str:
    """The folder name of a model id in the layout (``org/name`` -> ``org--name``)."""
    return model.strip("/").replace("/", "--")


def hf_cache_snapshot(repo_id: str, cache_dir: Path | None = None) -> Path:
    """The folder of ``repo_id``'s current snapshot in the Hugging Face cache (it may not exist)."""
    if cache_dir is None:
        cache_dir = default_hf_cache()
    repo_dir = cache_dir / f"models--{repo_id.replace('/', '--')}"
    try:
        revision = (repo_dir / "refs" / "main").read_text(encoding="utf-8").strip()
    except OSError:
        return repo_dir / "snapshots" / "main"
    return repo_dir / "snapshots" / revision


def default_hf_cache() -> Path:
    """Hugging Face's hub cache, as huggingface_hub computes it (without importing it: it may not be installed)."""
    import os

    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or str(Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")) / "huggingface")
    return Path(home).expanduser() / "hub"


def has_file(name: str) -> Callable[[Path], bool]:
    """A completeness check: a folder holding ``name``."""
    return lambda path: path.is_dir() and (path / name).is_file()


def is_file(path: Path) -> bool:
    return path.is_file()
