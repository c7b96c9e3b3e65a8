"""A dedicated worker thread per model, so model calls never block the event loop.

Each model gets its own single-thread executor: calls to one model queue behind each other (models are not
re-entrant, and queuing is the honest cost), while different models run side by side. The model's own thread
budget (torch/ctranslate2/onnxruntime intra-op threads) is set by the backend from the config.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class ModelWorker:
    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.busy = 0

    async def run(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        loop = asyncio.get_running_loop()
        self.busy += 1
        try:
            return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))
        finally:
            self.busy -= 1

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
