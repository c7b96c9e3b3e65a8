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
from companion.core.errors import ModelMissingError, ModelsMissingError
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


def require_models(config: Config, *, listen: bool, perceive: bool) -> None:
    """Raise one ``ModelsMissingError`` listing every missing model a session with these senses loads, before any
    of them is loaded (a user then fetches them all at once, not one failure at a time)."""

    def used(loc: KeyPath) -> bool:
        if loc in (("models", "tts"), ("models", "llm")):
            return True
        if loc in (("models", "stt"), ("models", "vad")):
            return listen
        return perceive and (loc == ("models", "affect") or loc[:1] == ("perception",))

    missing: list[ModelMissingError] = []
    for need in model_needs(config, used):
        if need.optional:
            continue
        try:
            need.locate()
        except ModelMissingError as error:
            missing.append(error)
    if len(missing) == 1:
        raise missing[0]
    if missing:
        raise ModelsMissingError(missing)
