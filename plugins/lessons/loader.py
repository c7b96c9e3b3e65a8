"""Reading lesson files, and finding a lesson by name.

A lesson is validated like the config (``companion.core.config``): every problem is listed with the file, the line
and the key, unknown keys get a "did you mean". Lessons are found by file name in the folders given (a deployment's
own lessons) and then among the lessons companion ships (``content/``): a folder's lesson of the same name replaces
the built-in one. A name that is nowhere says where it looked and which names are close. The reading and finding
are ``plugins/yaml_folder.py``'s, shared with the counseling scripts.
"""

from __future__ import annotations

from companion.core.errors import CompanionError, ConfigError
from companion.plugins.lessons.schema import Lesson
from companion.plugins.yaml_folder import NamedFile, YamlFolder

__all__ = [
    "LESSONS",
    "LessonError",
    "LessonFile",
    "LessonNotFoundError",
    "find_lesson",
    "lesson_files",
    "load_lesson",
    "load_lesson_named",
]


class LessonError(ConfigError):
    """A lesson file cannot be read or is invalid: the message names the file, line and key."""


class LessonNotFoundError(CompanionError):
    """No lesson of that name: the message says where it looked and suggests close names."""


LessonFile = NamedFile
LESSONS = YamlFolder(
    model=Lesson,
    name_key="id",
    package="companion.plugins.lessons",
    subfolder="content",
    noun="lesson",
    title="lesson",
    hint="docs/LESSONS.md describes every key; `companion lessons validate FILE` checks a lesson",
    error=LessonError,
    not_found=LessonNotFoundError,
)
load_lesson = LESSONS.load
lesson_files = LESSONS.files
find_lesson = LESSONS.find
load_lesson_named = LESSONS.load_named
