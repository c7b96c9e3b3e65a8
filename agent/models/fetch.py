"""``companion models fetch``: download the configured real models into the registry's layout.

Offline, it must say so in seconds: huggingface_hub retries a failed download for about 20 s per file. So the
hub is probed first (``model_info`` for every repo, which also catches a misspelt model name before gigabytes
move), under a hard deadline on a daemon thread, and only then are files downloaded with the hub's progress
bars. Files are downloaded into a ``.partial`` folder beside their final place and moved in when complete, so an
interrupted fetch never leaves a half model that the registry would take for a whole one (a rerun resumes).
"""

from __future__ import annotations

import shutil
import sys
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, TypeVar

from companion.agent.config.schema import Config
from companion.agent.models import registry
from companion.core.errors import CompanionError, ConfigError, ModelMissingError, OfflineError

FETCHABLE = ("stt", "llm", "tts")
STT_FILES = ["config.json", "preprocessor_config.json", "model.bin", "tokenizer.json", "vocabulary.*"]
LLM_FILES = [
    "*.json",
    "*.safetensors",
    "*.jinja",
    "tokenizer.model",
    "merges.txt",
    "vocab.txt",
    "*.tiktoken",
]
# Alternative exports some model repos carry next to the safetensors weights: not needed, often large.
LLM_IGNORE = ["onnx/*", "openvino/*", "original/*", "*.gguf", "*.pth", "*.bin", "*.pt", "*.h5", "*.msgpack"]

T = TypeVar("T")


@dataclass(frozen=True)
class FetchItem:
    """One model to fetch: where it comes from and where it goes."""

    kind: str
    name: str
    repo_id: str
    target: Path
    files: tuple[str, ...] = ()  # single files to download (piper); empty: a snapshot with patterns (stt, llm)


@dataclass(frozen=True)
class FetchResult:
    kind: str
    name: str
    path: Path
    downloaded: bool  # False: it was already there


def parse_only(only: str | None) -> list[str]:
    """``"stt,llm"`` -> ``["stt", "llm"]``; ``None`` -> all fetchable kinds. Raises ``ConfigError`` on unknown kinds."""
    if not only:
        return list(FETCHABLE)
    kinds = [k.strip() for k in only.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in FETCHABLE]
    if "affect" in unknown:
        raise ConfigError(
            "facial-affect classifiers are not fetched: there is no single standard one",
            "download an ONNX classifier (FER+, OpenCV Zoo FER, HSEmotion) and set models.affect.path",
        )
    if unknown or not kinds:
        raise ConfigError(f"--only: unknown model kind(s) {', '.join(unknown) or only!r}", "use stt, llm and/or tts")
    return kinds


def plan(config: Config, kinds: Collection[str]) -> tuple[list[FetchItem], list[FetchResult]]:
    """Split the wanted models into those to download and those already present (returned as results)."""
    models = config.models
    voice = registry.voice_name(models, config.active_persona.voice)
    todo: list[FetchItem] = []
    present: list[FetchResult] = []
    for kind in FETCHABLE:
        if kind not in kinds:
            continue
        if kind == "llm" and models.llm.backend != "transformers":
            continue  # an OpenAI-compatible server holds the model
        explicit = getattr(models, kind).path
        if explicit is not None:
            # The explicit path wins at load time: downloading elsewhere would not be used.
            path = _resolve(kind, config, voice)
            present.append(FetchResult(kind, str(explicit), path, downloaded=False))
            continue
        try:
            present.append(FetchResult(kind, _name(kind, config, voice), _resolve(kind, config, voice), False))
        except ModelMissingError:
            todo.append(_item(kind, config, voice))
    return todo, present


def _name(kind: str, config: Config, voice: str) -> str:
    return {"stt": config.models.stt.model, "llm": config.models.llm.model, "tts": voice}[kind]


def _resolve(kind: str, config: Config, voice: str) -> Path:
    models = config.models
    if kind == "stt":
        return registry.stt_model_path(models)
    if kind == "llm":
        return registry.llm_model_path(models)
    return registry.tts_voice_path(models, voice)


def _item(kind: str, config: Config, voice: str) -> FetchItem:
    models = config.models
    if kind == "stt":
        name = models.stt.model
        return FetchItem(kind, name, registry.stt_repo_id(name), models.dir / "stt" / registry.folder_name(name))
    if kind == "llm":
        name = models.llm.model
        return FetchItem(kind, name, name, models.dir / "llm" / registry.folder_name(name))
    onnx_file = registry.piper_voice_file(voice)
    return FetchItem(
        kind, voice, registry.PIPER_VOICES_REPO, models.dir / "tts" / f"{voice}.onnx", (onnx_file, onnx_file + ".json")
    )


# --- the hub --------------------------------------------------------------------------------------------------------


def _call_with_deadline(fn: Callable[[], T], deadline_s: float) -> T:
    """Run ``fn`` on a daemon thread and give up after ``deadline_s`` (a hung connection cannot hold us)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as error:  # handed back to the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, name="companion-hub-probe", daemon=True)
    thread.start()
    thread.join(deadline_s)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {deadline_s:g} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def probe_hub(repo_ids: Collection[str], endpoint: str | None = None, timeout_s: float = 5.0) -> dict[str, str]:
    """Check that the hub answers and that every repo exists; return each repo's current commit.

    Raises ``OfflineError`` or ``ModelMissingError``.
    """
    from huggingface_hub import HfApi, constants
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

    endpoint = endpoint or constants.ENDPOINT
    offline_hint = (
        "connect to the internet (or set HF_ENDPOINT to a reachable mirror) and run it again; to try companion "
        "offline, run `companion models make-tiny DIR` and `companion chat --config DIR/config.yaml`"
    )
    if constants.HF_HUB_OFFLINE:
        raise OfflineError("cannot download models: HF_HUB_OFFLINE is set", offline_hint)
    api = HfApi(endpoint=endpoint)
    commits: dict[str, str] = {}
    for repo_id in repo_ids:
        try:
            info = _call_with_deadline(
                lambda repo_id=repo_id: api.model_info(repo_id, timeout=timeout_s), timeout_s + 1.0
            )
        except GatedRepoError:
            raise CompanionError(
                f"{repo_id} is gated on the Hugging Face hub: accept its licence there first",
                "log in with `hf auth login` (or set HF_TOKEN) after accepting the licence on the model's page",
            ) from None
        except RepositoryNotFoundError:
            raise ModelMissingError(
                f"model repository {repo_id!r}",
                [Path(f"{endpoint}/{repo_id}")],
                "check the model name in the config (models.stt.model, models.llm.model, models.tts.voice)",
            ) from None
        except HfHubHTTPError as error:
            raise CompanionError(f"the model hub refused {repo_id}: {error}", offline_hint) from None
        except Exception as error:  # any transport failure (DNS, refused, timeout): offline
            raise OfflineError(f"cannot reach the model hub at {endpoint} ({error})", offline_hint) from None
        commits[repo_id] = info.sha or "main"
    return commits


def _download(item: FetchItem, revision: str, endpoint: str | None) -> Path:
    """Download one model at ``revision`` into a ``.partial`` staging folder, then move it into place.

    Pinning the commit the probe saw keeps all files of a model from one version, and makes the hub refuse to
    hand back an incomplete staging folder if the connection drops mid-way (it would otherwise return it).
    """
    from huggingface_hub import hf_hub_download, snapshot_download

    staging = item.target.parent / f".{item.target.name}.partial"
    staging.mkdir(parents=True, exist_ok=True)
    if item.files:
        for filename in item.files:
            hf_hub_download(item.repo_id, filename, revision=revision, local_dir=staging, endpoint=endpoint)
        # piper-voices keeps voices in nested folders; the layout wants <voice>.onnx(.json) side by side.
        for filename in item.files:
            suffix = filename[len(item.files[0]) :]  # "" for the .onnx, ".json" for its config
            shutil.move(str(staging / filename), f"{item.target}{suffix}")
        shutil.rmtree(staging, ignore_errors=True)
        return item.target
    patterns = STT_FILES if item.kind == "stt" else LLM_FILES
    ignore = None if item.kind == "stt" else LLM_IGNORE
    snapshot_download(
        item.repo_id,
        revision=revision,
        local_dir=staging,
        allow_patterns=patterns,
        ignore_patterns=ignore,
        endpoint=endpoint,
    )
    complete = registry.is_stt_folder if item.kind == "stt" else registry.is_llm_folder
    if not complete(staging):
        raise ModelMissingError(
            f"{item.kind} model {item.name!r} (downloaded from {item.repo_id}, but incomplete)",
            [staging],
            "run `companion models fetch` again to resume; check that the repository holds the model files",
        )
    shutil.rmtree(staging / ".cache", ignore_errors=True)  # the hub's resume bookkeeping, useless once complete
    if item.target.exists():
        shutil.rmtree(item.target)  # an incomplete earlier copy that the registry refused
    staging.replace(item.target)
    return item.target


def fetch_models(
    config: Config,
    kinds: Collection[str] = FETCHABLE,
    *,
    endpoint: str | None = None,
    timeout_s: float = 5.0,
    out: TextIO | None = None,
) -> list[FetchResult]:
    """Download the configured models of ``kinds`` that are not present yet; return what is where.

    Raises ``OfflineError`` within about ``timeout_s`` when the hub cannot be reached.
    """
    out = out or sys.stdout
    todo, results = plan(config, kinds)
    for result in results:
        print(f"{result.kind}: {result.name} already present at {result.path}", file=out)
    if not todo:
        return results
    commits = probe_hub([item.repo_id for item in todo], endpoint=endpoint, timeout_s=timeout_s)
    for item in todo:
        print(f"{item.kind}: downloading {item.name} from {item.repo_id} to {item.target}", file=out, flush=True)
        path = _download(item, commits[item.repo_id], endpoint)
        results.append(FetchResult(item.kind, item.name, path, downloaded=True))
    return results
