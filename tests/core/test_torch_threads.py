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


async def test_a_model_worker_sets_its_threads_before_its_first_call() -> None:
    torch = pytest.importorskip("torch")
    from companion.core.worker import ModelWorker

    team, drafts = ModelWorker("team", torch_threads=2), ModelWorker("drafts", torch_threads=1)
    try:
        assert await drafts.run(torch.get_num_threads) == 1
        assert await team.run(torch.get_num_threads) == 2
        assert await drafts.run(torch.get_num_threads) == 1
    finally:
        team.shutdown()
        drafts.shutdown()


async def test_passing_work_runs_in_a_thread_that_ends() -> None:
    import threading

    ran_in = await torch_threads.run_in_passing_thread(lambda: threading.current_thread())
    assert ran_in is not threading.current_thread()
    ran_in.join(timeout=5)
    assert not ran_in.is_alive()  # its torch team (if any) is gone with it
