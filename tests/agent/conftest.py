"""Fixtures of the agent tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.openai_server import FakeOpenAIServer


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAIServer]:
    """A local OpenAI-compatible server (tests/support/openai_server.py), started for the test."""
    started = FakeOpenAIServer()
    await started.start()
    yield started
    await started.stop()
