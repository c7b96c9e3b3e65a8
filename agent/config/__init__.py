"""The agent's configuration: the root schema (``schema``) and loading it from YAML with located errors."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from companion.agent.config.schema import Config, Persona, TurnTakingConfig
from companion.core.config import SHARED_ENV_OVERRIDES, Override
from companion.core.config import load_config as load_section_config

KeyPath = tuple[str | int, ...]

# Environment variable -> the key path it overrides.
ENV_OVERRIDES: dict[str, KeyPath] = {
    **SHARED_ENV_OVERRIDES,
    "COMPANION_PERSONA": ("persona",),
    "COMPANION_MODELS_DIR": ("models", "dir"),
    "COMPANION_STT_MODEL": ("models", "stt", "path"),
    "COMPANION_LLM_MODEL": ("models", "llm", "path"),
    "COMPANION_TTS_VOICE": ("models", "tts", "path"),
    "COMPANION_AFFECT_MODEL": ("models", "affect", "path"),
}


def load_config(
    path: str | Path,
    environ: Mapping[str, str] | None = None,
    *,
    persona: str | None = None,
    base_dir: Path | None = None,
) -> Config:
    """Read, override from the environment (and ``persona``: the ``--persona`` option, which wins), validate
    (backends included) and resolve relative paths against ``base_dir`` (default: the file's folder). Raises
    ``ConfigError``."""
    overrides = [Override(("persona",), persona, "option --persona")] if persona else []
    return load_section_config(
        path, Config, env_overrides=ENV_OVERRIDES, environ=environ, overrides=overrides, base_dir=base_dir
    )


__all__ = ["ENV_OVERRIDES", "Config", "Persona", "TurnTakingConfig", "load_config"]
