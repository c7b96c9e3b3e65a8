"""Maps the repository's top-level folders onto the ``companion`` namespace.

The design card keeps ``agent/ perception/ speech/ face/ plugins/`` at the top of the repository, but installing
packages called ``face`` or ``plugins`` into site-packages would collide with other projects. So each folder is
installed as ``companion.<folder>`` and subpackages are found by walking the tree (nothing to forget when a new
subpackage is added). Everything else lives in pyproject.toml.

The repository's ``config.yaml`` is the default configuration; the wheel carries a copy as
``companion/cli/default_config.yaml``, the last place the config search looks (``companion.cli.config_search``),
so every command works from any folder after ``pip install``. It is copied at build time, so there is one file
to edit.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TOP_LEVEL = ("core", "face", "speech", "perception", "plugins", "agent", "tools", "cli")
ROOT = Path(__file__).parent


def _packages() -> tuple[list[str], dict[str, str]]:
    packages: list[str] = []
    package_dir: dict[str, str] = {}
    for top in TOP_LEVEL:
        for init in sorted((ROOT / top).rglob("__init__.py")):
            rel = init.parent.relative_to(ROOT)
            name = "companion." + ".".join(rel.parts)
            packages.append(name)
            package_dir[name] = rel.as_posix()
    return packages, package_dir


PACKAGES, PACKAGE_DIR = _packages()
# Folders of data files inside a package are packages to setuptools too (it warns otherwise).
PACKAGES.append("companion.face.web.static")
PACKAGE_DIR["companion.face.web.static"] = "face/web/static"
PACKAGES.append("companion.plugins.lessons.content")
PACKAGE_DIR["companion.plugins.lessons.content"] = "plugins/lessons/content"
PACKAGES.append("companion.plugins.counseling.scripts")
PACKAGE_DIR["companion.plugins.counseling.scripts"] = "plugins/counseling/scripts"

DEFAULT_CONFIG = "config.yaml"
PACKAGED_CONFIG = ("companion", "cli", "default_config.yaml")


class BuildWithDefaultConfig(build_py):
    """Copies the repository's config.yaml into the built package (a wheel, or the sdist's wheel)."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib).joinpath(*PACKAGED_CONFIG)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / DEFAULT_CONFIG, target)


setup(
    cmdclass={"build_py": BuildWithDefaultConfig},
    packages=PACKAGES,
    package_dir=PACKAGE_DIR,
    package_data={
        "companion.face.web.static": ["*"],
        "companion.face.rigs": ["*.yaml"],
        "companion.agent.safety": ["data/*.yaml", "data/*.txt", "data/*.npz"],
        "companion.tools.safety": ["data/*.yaml", "data/training/*.yaml"],
        "companion.plugins.lessons.content": ["*.yaml"],
        "companion.plugins.counseling.scripts": ["*.yaml"],
    },
    include_package_data=True,
)
