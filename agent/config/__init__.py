"""Configuration: the typed schema and the YAML loader with located errors."""

from companion.agent.config.loader import ENV_OVERRIDES, load_config
from companion.agent.config.schema import Config, Persona, TurnTakingConfig

__all__ = ["ENV_OVERRIDES", "Config", "Persona", "TurnTakingConfig", "load_config"]
