"""Reading counseling script files, and finding a script by name.

A script is validated like a lesson: every problem is listed as ``file:line: key: message``, unknown keys get a
"did you mean". Scripts are found by file name in the folders given (a deployment's own) and then among the scripts
companion ships (``scripts/``): a folder's script of the same name replaces the shipped one. The reading and
finding are ``plugins/yaml_folder.py``'s, shared with the lessons.
"""

from __future__ import annotations

from companion.core.errors import CompanionError, ConfigError
from companion.plugins.counseling.schema import Script
from companion.plugins.yaml_folder import NamedFile, YamlFolder

__all__ = [
    "SCRIPTS",
    "ScriptError",
    "ScriptFile",
    "ScriptNotFoundError",
    "find_script",
    "load_script",
    "load_script_named",
    "script_files",
]


class ScriptError(ConfigError):
    """A script file cannot be read or is invalid: the message names the file, line and key."""


class ScriptNotFoundError(CompanionError):
    """No script of that name: the message says where it looked and suggests close names."""


ScriptFile = NamedFile
SCRIPTS = YamlFolder(
    model=Script,
    name_key="name",
    package="companion.plugins.counseling",
    subfolder="scripts",
    noun="script",
    title="counseling script",
    hint="docs/COUNSELING.md describes every key; `companion counseling validate FILE` checks a script",
    error=ScriptError,
    not_found=ScriptNotFoundError,
)
load_script = SCRIPTS.load
script_files = SCRIPTS.files
find_script = SCRIPTS.find
load_script_named = SCRIPTS.load_named
