"""Where models are looked for: one resolution rule per kind, and one error that says where it looked.

Resolution, for each kind:

1. An explicit ``path`` in the config (or its environment variable) wins. It must exist and hold what the loader
   needs; if it does not, that is an error, never a silent fall-back to another model.
2. Otherwise the model is looked for under ``models.dir`` in this fixed layout (what ``companion models fetch``
   writes)::

       <models.dir>/stt/<model>/model.bin             faster-whisper (CTranslate2) folder, e.g. stt/base.en/
       <models.dir>/llm/<org>--<name>/config.json     Hugging Face folder, e.g. llm/Qwen--Qwen2.5-0.5B-Instruct/
       <models.dir>/tts/<voice>.onnx (+ .onnx.json)   piper voice, e.g. tts/en_US-lessac-medium.onnx

   A ``/`` in a name becomes ``--`` (Hugging Face's own cache does the same).
3. Then the Hugging Face cache (``~/.cache/huggingface/hub``), where faster-whisper and transformers put models
   they downloaded themselves, so a model fetched by another tool is found too.

The TTS voice may come from the active persona (``Persona.voice``), so the voice name is a parameter. The affect
classifier has no default: no ``path`` means face detection only (``None``), not an error.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from companion.agent.config.schema import Config, ModelsConfig
from companion.core.errors import ConfigError, ModelMissingError

KINDS = ("stt", "llm", "tts", "affect")
PIPER_VOICES_REPO = "rhasspy/piper-voices"
MAKE_TINY_HINT = "or `companion models make-tiny DIR` to build tiny offline models for a smoke test"

# faster-whisper's names that do not follow "Systran/faster-whisper-<name>" (from faster_whisper.utils._MODELS).
_STT_REPO_EXCEPTIONS = {
    "large": "Systran/faster-whisper-large-v3",
    "distil-large-v2": "Systran/faster-distil-whisper-large-v2",
    "distil-medium.en": "Systran/faster-distil-whisper-medium.en",
    "distil-small.en": "Systran/faster-distil-whisper-small.en",
    "distil-large-v3": "Systran/faster-distil-whisper-large-v3",
    "distil-large-v3.5": "distil-whisper/distil-large-v3.5-ct2",
    "large-v3-turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
    "turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
}


@dataclass(frozen=True)
class ModelStatus:
    """One model's state for ``companion check``: found where, or looked where and how to get it."""

    kind: str
    name: str
    present: bool
    path: Path | None
    looked_in: list[Path] = field(default_factory=list)
    hint: str | None = None
    optional: bool = False


# --- names -----------------------------------------------------------------------------------------------------


def folder_name(model: str) -> str:
    """The folder name of a model id in the layout (``org/name`` -> ``org--name``)."""
    return model.strip("/").replace("/", "--")


def stt_repo_id(model: str) -> str:
    """The Hugging Face repo of a faster-whisper model name (``base.en`` -> ``Systran/faster-whisper-base.en``)."""
    if "/" in model:
        return model
    return _STT_REPO_EXCEPTIONS.get(model, f"Systran/faster-whisper-{model}")


def piper_voice_file(voice: str) -> str:
    """The ``.onnx`` file of a voice in ``rhasspy/piper-voices``: ``en_US-lessac-medium`` ->
    ``en/en_US/lessac/medium/en_US-lessac-medium.onnx``."""
    parts = voice.split("-")
    if len(parts) != 3 or "_" not in parts[0] or not all(parts):
        raise ConfigError(
            f"piper voice name {voice!r} is not of the form <lang>_<REGION>-<name>-<quality>",
            "for example en_US-lessac-medium; the voices are listed at https://huggingface.co/rhasspy/piper-voices",
        )
    region, name, quality = parts
    language = region.split("_")[0]
    return f"{language}/{region}/{name}/{quality}/{voice}.onnx"


def voice_name(models: ModelsConfig, persona_voice: str | None = None) -> str:
    """The piper voice to use: the persona's if it sets one, else ``models.tts.voice``."""
    return persona_voice or models.tts.voice


# --- what a loader needs ------------------------------------------------------------------------------------------


def is_stt_folder(path: Path) -> bool:
    return path.is_dir() and (path / "model.bin").is_file()


def is_llm_folder(path: Path) -> bool:
    return path.is_dir() and (path / "config.json").is_file()


def is_piper_voice(path: Path) -> bool:
    return path.suffix == ".onnx" and path.is_file() and Path(f"{path}.json").is_file()


def _hf_cache_snapshot(repo_id: str, cache_dir: Path | None = None) -> Path:
    """The folder of ``repo_id``'s current snapshot in the Hugging Face cache (it may not exist)."""
    if cache_dir is None:
        from huggingface_hub import constants

        cache_dir = Path(constants.HF_HUB_CACHE)
    repo_dir = cache_dir / f"models--{repo_id.replace('/', '--')}"
    try:
        revision = (repo_dir / "refs" / "main").read_text(encoding="utf-8").strip()
    except OSError:
        return repo_dir / "snapshots" / "main"
    return repo_dir / "snapshots" / revision


# --- resolution ---------------------------------------------------------------------------------------------------


def stt_model_path(models: ModelsConfig, hf_cache: Path | None = None) -> Path:
    """The CTranslate2 whisper folder to load. Raises ``ModelMissingError``."""
    stt = models.stt
    if stt.path is not None:
        if is_stt_folder(stt.path):
            return stt.path
        raise ModelMissingError(
            f"speech-to-text model at models.stt.path ({stt.path}, a folder with model.bin)",
            [stt.path],
            "fix models.stt.path (or $COMPANION_STT_MODEL) to point at a faster-whisper (CTranslate2) folder, "
            f"or remove it to use models.stt.model ({stt.model!r}) from models.dir",
        )
    candidates = [models.dir / "stt" / folder_name(stt.model), _hf_cache_snapshot(stt_repo_id(stt.model), hf_cache)]
    for candidate in candidates:
        if is_stt_folder(candidate):
            return candidate
    raise ModelMissingError(
        f"speech-to-text model {stt.model!r}",
        candidates,
        f"run `companion models fetch --only stt` (downloads {stt_repo_id(stt.model)}), {MAKE_TINY_HINT}, "
        "or set models.stt.path ($COMPANION_STT_MODEL) to a faster-whisper model folder",
    )


def llm_model_path(models: ModelsConfig, hf_cache: Path | None = None) -> Path:
    """The Hugging Face model folder to load with transformers. Raises ``ModelMissingError``."""
    llm = models.llm
    if llm.path is not None:
        if is_llm_folder(llm.path):
            return llm.path
        raise ModelMissingError(
            f"language model at models.llm.path ({llm.path}, a folder with config.json)",
            [llm.path],
            "fix models.llm.path (or $COMPANION_LLM_MODEL) to point at a Hugging Face model folder, "
            f"or remove it to use models.llm.model ({llm.model!r}) from models.dir",
        )
    candidates = [models.dir / "llm" / folder_name(llm.model), _hf_cache_snapshot(llm.model, hf_cache)]
    for candidate in candidates:
        if is_llm_folder(candidate):
            return candidate
    raise ModelMissingError(
        f"language model {llm.model!r}",
        candidates,
        f"run `companion models fetch --only llm`, {MAKE_TINY_HINT}, set models.llm.path ($COMPANION_LLM_MODEL) "
        "to a model folder, or use models.llm.backend: openai with a running server",
    )


def tts_voice_path(models: ModelsConfig, voice: str | None = None, hf_cache: Path | None = None) -> Path:
    """The piper ``.onnx`` voice to load (its ``.onnx.json`` is beside it). ``voice`` is the persona's voice, if any.

    An explicit ``models.tts.path`` wins over any voice name. Raises ``ModelMissingError``.
    """
    tts = models.tts
    if tts.path is not None:
        if is_piper_voice(tts.path):
            return tts.path
        raise ModelMissingError(
            f"piper voice at models.tts.path ({tts.path}, an .onnx file with its .onnx.json beside it)",
            [tts.path, Path(f"{tts.path}.json")],
            "fix models.tts.path (or $COMPANION_TTS_VOICE) to point at a piper .onnx voice, "
            "or remove it to use the voice name from models.dir",
        )
    name = voice_name(models, voice)
    candidates = [models.dir / "tts" / f"{name}.onnx"]
    with contextlib.suppress(ConfigError):  # not a published voice name: only the layout folder can hold it
        candidates.append(_hf_cache_snapshot(PIPER_VOICES_REPO, hf_cache) / piper_voice_file(name))
    for candidate in candidates:
        if is_piper_voice(candidate):
            return candidate
    raise ModelMissingError(
        f"piper voice {name!r} (an .onnx file with its .onnx.json)",
        candidates,
        f"run `companion models fetch --only tts`, {MAKE_TINY_HINT}, "
        "or set models.tts.path ($COMPANION_TTS_VOICE) to a piper .onnx voice",
    )


def affect_model_path(models: ModelsConfig) -> Path | None:
    """The ONNX affect classifier, or ``None`` when none is configured. Raises ``ModelMissingError`` if the
    configured file is missing."""
    path = models.affect.path
    if path is None:
        return None
    if path.is_file():
        return path
    raise ModelMissingError(
        f"facial-affect classifier at models.affect.path ({path})",
        [path],
        "fix models.affect.path (or $COMPANION_AFFECT_MODEL) to point at an ONNX classifier, remove it to run "
        f"face detection only, {MAKE_TINY_HINT}",
    )


def model_status(config: Config, hf_cache: Path | None = None) -> list[ModelStatus]:
    """The state of every model the config needs, for ``companion check``.

    The LLM is left out when ``models.llm.backend`` is ``openai`` (the server holds the model).
    """
    models = config.models
    voice = voice_name(models, config.active_persona.voice)
    checks = [
        ("stt", str(models.stt.path or models.stt.model), lambda: stt_model_path(models, hf_cache)),
        ("tts", str(models.tts.path or voice), lambda: tts_voice_path(models, voice, hf_cache)),
    ]
    if models.llm.backend == "transformers":
        checks.insert(1, ("llm", str(models.llm.path or models.llm.model), lambda: llm_model_path(models, hf_cache)))
    statuses: list[ModelStatus] = []
    for kind, name, resolve in checks:
        try:
            path = resolve()
        except ModelMissingError as error:
            statuses.append(ModelStatus(kind, name, False, None, error.looked_in, error.hint))
        else:
            statuses.append(ModelStatus(kind, name, True, path, [path]))
    if models.affect.path is None:
        statuses.append(
            ModelStatus(
                "affect",
                "(none configured)",
                False,
                None,
                [],
                "optional: set models.affect.path to an ONNX classifier for facial affect",
                optional=True,
            )
        )
    else:
        try:
            found = affect_model_path(models)
            statuses.append(ModelStatus("affect", str(models.affect.path), True, found, [models.affect.path]))
        except ModelMissingError as error:
            statuses.append(ModelStatus("affect", str(models.affect.path), False, None, error.looked_in, error.hint))
    return statuses
