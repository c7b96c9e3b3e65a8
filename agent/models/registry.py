"""Every model the configuration needs, found or not: asked of each configured backend (``model_needs``).

Where each backend looks is its own rule (``companion.core.models`` explains the common one: an explicit path,
then ``models.dir``, then the Hugging Face cache); ``companion check`` prints this list, ``companion models
fetch`` downloads what is missing, and a backend that is built without its model says where it looked.
"""

from __future__ import annotations

from collections.abc import Callable

from companion.agent.config.schema import Config
from companion.core.config import backend_sections
from companion.core.config.loader import KeyPath
from companion.core.models import ModelNeed, ModelStatus


def model_needs(config: Config, used: Callable[[KeyPath], bool] | None = None) -> list[ModelNeed]:
    """The model files of every configured backend (the perception ones only when perception is on); ``used``
    narrows it to the sections a command builds (``companion chat`` needs no speech-to-text)."""
    context = config.build_context()
    needs: list[ModelNeed] = []
    for loc, section in backend_sections(config):
        if used is not None and not used(loc):
            continue
        if not config.perception.enabled and (loc[:1] == ("perception",) or loc == ("models", "affect")):
            continue
        if loc == ("models", "affect") and not config.emotion_inference_enabled:
            continue  # never loaded: emotion inference is off
        needs.extend(section.backend_class().model_needs(section.options, context))
    return needs


def model_status(config: Config) -> list[ModelStatus]:
    """The state of every model the config needs, for ``companion check``."""
    return [ModelStatus.of(need) for need in model_needs(config)]
