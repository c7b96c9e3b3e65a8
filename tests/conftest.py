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
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> TinyModels:
    """The tiny offline models and their config, built once per test session (about 5 s)."""
    from companion.tools.tiny import make_tiny_models

    return make_tiny_models(tmp_path_factory.mktemp("tiny-models"), seed=0)
