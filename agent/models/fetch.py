"""``companion models fetch``: download the models the configured backends need into the ``models.dir`` layout.

Offline, it must say so in seconds: huggingface_hub retries a failed download for about 20 s per file. So the
hub is probed first (``model_info`` for every repo, which also catches a misspelt model name before gigabytes
move), under a hard deadline on a daemon thread, and only then are files downloaded with the hub's progress
bars. Files are downloaded into a ``.partial`` folder beside their final place and moved in when complete, so an
interrupted fetch never leaves a half model that the registry would take for a whole one (a rerun resumes).
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, TypeVar

from companion.agent.config.schema import Config
from companion.agent.models.registry import model_needs
from companion.core.errors import CompanionError, ConfigError, ModelMissingError, OfflineError
from companion.core.models import BuiltSource, HubSource, ModelNeed

T = TypeVar("T")


@dataclass(frozen=True)
class FetchResult:
    kind: str
    name: str
    path: Path
    downloaded: bool  # False: it was already there


def parse_only(only: str | None, needs: Sequence[ModelNeed]) -> list[str]:
    """``"stt,llm"`` -> ``["stt", "llm"]``; ``None`` -> every kind the config needs. Raises ``ConfigError``."""
    known = list(dict.fromkeys(need.kind for need in needs))
    if not only:
        return known
    kinds = [k.strip() for k in only.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in known]
    if unknown or not kinds:
        raise ConfigError(
            f"--only: no configured model of kind(s) {', '.join(unknown) or only!r}",
            f"this config needs: {', '.join(known) or 'no model files'}",
        )
    return kinds


def plan(needs: Sequence[ModelNeed], kinds: Collection[str]) -> tuple[list[ModelNeed], list[FetchResult]]:
    """Split the wanted models into those to download and those already present (returned as results)."""
    todo: list[ModelNeed] = []
    present: list[FetchResult] = []
    for need in needs:
        if need.kind not in kinds or need.optional:
            continue
        found = need.find()
        if found is not None:
            present.append(FetchResult(need.kind, need.name, found, downloaded=False))
        elif need.explicit or need.source is None:
            need.locate()  # raises: a wrong explicit path (downloading elsewhere would not be used), or unfetchable
        else:
            todo.append(need)
    return todo, present


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
                "check the model names in the config (models.stt.model, models.llm.model, models.tts.voice, ...)",
            ) from None
        except HfHubHTTPError as error:
            raise CompanionError(f"the model hub refused {repo_id}: {error}", offline_hint) from None
        except Exception as error:  # any transport failure (DNS, refused, timeout): offline
            raise OfflineError(f"cannot reach the model hub at {endpoint} ({error})", offline_hint) from None
        commits[repo_id] = info.sha or "main"
    return commits


def _download(need: ModelNeed, revision: str, endpoint: str | None) -> Path:
    """Download one model at ``revision`` into a ``.partial`` staging folder, then move it into place.

    Pinning the commit the probe saw keeps all files of a model from one version, and makes the hub refuse to
    hand back an incomplete staging folder if the connection drops mid-way (it would otherwise return it).
    """
    from huggingface_hub import hf_hub_download, snapshot_download

    source = need.source
    assert isinstance(source, HubSource)
    staging = source.target.parent / f".{source.target.name}.partial"
    staging.mkdir(parents=True, exist_ok=True)
    if source.files:
        for filename in source.files:
            hf_hub_download(source.repo_id, filename, revision=revision, local_dir=staging, endpoint=endpoint)
        # Repositories keep files in nested folders; the layout wants them side by side (<voice>.onnx(.json)).
        if source.sha256 is not None:
            digest = hashlib.sha256((staging / source.files[0]).read_bytes()).hexdigest()
            if digest != source.sha256:
                shutil.rmtree(staging, ignore_errors=True)
                raise CompanionError(
                    f"{need.kind} model {need.name!r} from {source.repo_id}: the file is not the expected one "
                    f"(sha256 {digest[:12]}..., expected {source.sha256[:12]}...)",
                    "the repository changed: pin another revision in the config, or report it",
                )
        for filename in source.files:
            suffix = filename[len(source.files[0]) :]  # "" for the first file, e.g. ".json" for its config
            source.target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staging / filename), f"{source.target}{suffix}")
        shutil.rmtree(staging, ignore_errors=True)
        return source.target
    snapshot_download(
        source.repo_id,
        revision=revision,
        local_dir=staging,
        allow_patterns=list(source.allow_patterns) or None,
        ignore_patterns=list(source.ignore_patterns) or None,
        endpoint=endpoint,
    )
    if not need.is_complete(staging):
        raise ModelMissingError(
            f"{need.kind} model {need.name!r} (downloaded from {source.repo_id}, but incomplete)",
            [staging],
            "run `companion models fetch` again to resume; check that the repository holds the model files",
        )
    shutil.rmtree(staging / ".cache", ignore_errors=True)  # the hub's resume bookkeeping, useless once complete
    if source.target.exists():
        shutil.rmtree(source.target)  # an incomplete earlier copy that was refused
    staging.replace(source.target)
    return source.target


def fetch_models(
    config: Config,
    only: str | None = None,
    *,
    endpoint: str | None = None,
    timeout_s: float = 5.0,
    out: TextIO | None = None,
) -> list[FetchResult]:
    """Download the configured models (of the kinds in ``only``, e.g. ``"stt,tts"``) that are not present yet.

    Raises ``OfflineError`` within about ``timeout_s`` when the hub cannot be reached.
    """
    out = out or sys.stdout
    needs = model_needs(config)
    todo, results = plan(needs, parse_only(only, needs))
    for result in results:
        print(f"{result.kind}: {result.name} already present at {result.path}", file=out)
    if not todo:
        return results
    hub = [need for need in todo if isinstance(need.source, HubSource)]
    repos = list(dict.fromkeys(need.source.repo_id for need in hub if isinstance(need.source, HubSource)))
    commits = probe_hub(repos, endpoint=endpoint, timeout_s=timeout_s) if repos else {}
    for need in todo:
        source = need.source
        assert source is not None
        licence = f" (licence: {source.licence})" if source.licence else ""
        if isinstance(source, BuiltSource):
            print(
                f"{need.kind}: building {need.name}, {source.describe}, in {source.target}{licence}",
                file=out,
                flush=True,
            )
            source.build(source.target)
            path = need.locate()
        else:
            print(
                f"{need.kind}: downloading {need.name} from {source.repo_id} to {source.target}{licence}",
                file=out,
                flush=True,
            )
            path = _download(need, source.revision or commits[source.repo_id], endpoint)
        results.append(FetchResult(need.kind, need.name, path, downloaded=True))
    return results
