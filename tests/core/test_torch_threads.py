"""torch's thread count is per thread: a worker's team, and one warning when the teams outgrow the cores."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import pytest

from companion.core import torch_threads
from companion.core.torch_threads import use_torch_threads, warn_if_teams_exceed_cores


def test_each_worker_thread_keeps_its_own_count() -> None:
    """The rule rests on this torch (OpenMP) behaviour: a count set in one thread is not another thread's."""
    torch = pytest.importorskip("torch")

    def set_then_read(threads: int) -> int:
        use_torch_threads("test", threads)
        return torch.get_num_threads()

    with ThreadPoolExecutor(1) as team, ThreadPoolExecutor(1) as single:
        assert team.submit(set_then_read, 2).result() == 2
        assert single.submit(set_then_read, 1).result() == 1
        assert team.submit(torch.get_num_threads).result() == 2  # the later single thread left the team alone


def test_two_teams_beyond_the_cores_are_reported(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=torch_threads.__name__):
        assert not warn_if_teams_exceed_cores({1: ("language model", 2)}, cores=2)
        assert not warn_if_teams_exceed_cores({1: ("language model", 2), 2: ("speech-to-text", 2)}, cores=4)
        assert warn_if_teams_exceed_cores({1: ("language model", 2), 2: ("speech-to-text", 2)}, cores=2)
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "language model 2, speech-to-text 2" in message and "threads: 1" in message
