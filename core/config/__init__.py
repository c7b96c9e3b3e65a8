"""Configuration machinery every package uses: typed sections, backend sections, and the YAML loader whose errors
name the file, the line and the key. Each package owns its own sections (``face.config``, ``speech.config``, ...);
the agent's root config composes them.
"""

from companion.core.config.loader import (
    Override,
    backend_sections,
    load_config,
    located,
    parse_yaml_with_lines,
    validate_with_lines,
)
from companion.core.config.section import BackendSection, KeyProblemError, Section, resolve_paths
from companion.core.config.shared import SHARED_ENV_OVERRIDES, BrokerConfig, RobotConfig

__all__ = [
    "SHARED_ENV_OVERRIDES",
    "BackendSection",
    "BrokerConfig",
    "KeyProblemError",
    "Override",
    "RobotConfig",
    "Section",
    "backend_sections",
    "load_config",
    "located",
    "parse_yaml_with_lines",
    "resolve_paths",
    "validate_with_lines",
]
