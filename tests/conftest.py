"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.broker import Broker, start_mosquitto

if TYPE_CHECKING:
    from companion.tools.tiny import TinyModels


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A real mosquitto on a free loopback port, shared by the session's tests."""
    started = start_mosquitto(tmp_path_factory.mktemp("mosquitto"))
    yield started
    started.stop()


@pytest.fixture
def fresh_broker(tmp_path: Path) -> Iterator[Broker]:
    """A mosquitto of the test's own, for tests that stop or restart it."""
    started = start_mosquitto(tmp_path)
    yield started
    started.stop()


@pytest.fixture(scope="session")
def landmark_models() -> Path:
    """The face-landmark model in the shared models folder, converted from the mediapipe wheel on PyPI the first
    time (``companion models fetch`` does the same; about 15 s with the download), then reused."""
    from companion.core.registry import DEFAULT_MODELS_DIR
    from companion.perception.landmarks.face_mesh import FaceMeshOptions, build_models, model_need

    need = model_need(FaceMeshOptions(), DEFAULT_MODELS_DIR)
    found = need.find()
    if found is not None:
        return found
    target = DEFAULT_MODELS_DIR / "landmarks" / "mediapipe-face-mesh"
    build_models(target)
    return target


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory, landmark_models: Path) -> TinyModels:
    """The tiny offline models and their config, built once per test session (about 5 s); the landmark model is
    the real one (it is small), found in the shared models folder."""
    from companion.tools.tiny import make_tiny_models

    return make_tiny_models(tmp_path_factory.mktemp("tiny-models"), seed=0)
