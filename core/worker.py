"""Model calls off the event loop: a worker thread per model, cancellation that reaches into the thread, and stats.

Each model gets its own single-thread executor: calls to one model queue behind each other (models are not
re-entrant, and queuing is the honest cost), while different models run side by side. The model's own thread
budget (torch/ctranslate2/onnxruntime intra-op threads) is set by the backend from the config; torch's is a
property of the calling thread, so a torch backend's worker sets it in its thread (``torch_threads``).

Cancellation is a normal path (a barge-in). When the awaiting task is cancelled:

* a call still queued never runs;
* a running call gets its ``CancelToken`` set: the work checks it between steps (tokens, sentences, segments)
  and may register a hook that aborts the step in progress (onnxruntime's ``RunOptions.terminate``);
* the caller does not wait for the thread: the next call queues behind what is left of the cancelled one,
  which is at most one step.

``ThreadedModel`` is the base of the threaded speech-to-text, text-to-speech and language-model backends: it
loads the model once, in its thread, and counts calls, cancellations, failures and busy time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from companion.core.torch_threads import use_torch_threads

T = TypeVar("T")


class CancelToken:
    """Set once the caller gave up on a call; thread-safe. Hooks run (once) in the cancelling thread."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._hooks: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            hooks, self._hooks = self._hooks, []
        for hook in hooks:
            with contextlib.suppress(Exception):  # a hook that fails must not break the cancelling code path
                hook()

    def on_cancel(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` when cancelled (at once if it already is): abort the step in progress."""
        with self._lock:
            if not self._event.is_set():
                self._hooks.append(hook)
                return
        hook()


class CancelledInWorkerError(Exception):
    """Raised inside a worker by code that noticed its token was cancelled, to stop early."""


@dataclass
class WorkerStats:
    calls: int = 0
    cancelled: int = 0
    failures: int = 0
    busy_s: float = 0.0
    last_s: float = 0.0


_DONE = object()


class ModelWorker:
    """A single-thread executor for one model, with cancellable calls and streams.

    ``torch_threads``: the thread runs torch on that many threads (set once, in the thread, before any call;
    ``companion.core.torch_threads``); None leaves torch alone (a model that does not use it).
    """

    def __init__(self, name: str, torch_threads: int | None = None) -> None:
        self.name = name
        setup = functools.partial(use_torch_threads, name, torch_threads) if torch_threads else None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name, initializer=setup)
        self.busy = 0  # calls queued or running
        self.stats = WorkerStats()

    def _timed(self, fn: Callable[[CancelToken], T], token: CancelToken) -> T:
        started = time.perf_counter()
        try:
            return fn(token)
        except Exception:
            if not token.cancelled:
                self.stats.failures += 1
            raise
        finally:
            elapsed = time.perf_counter() - started
            self.stats.busy_s += elapsed
            self.stats.last_s = elapsed

    async def call(self, fn: Callable[[CancelToken], T]) -> T:
        """Run ``fn(token)`` in the worker thread; cancelling the caller cancels the token (and the queued call)."""
        loop = asyncio.get_running_loop()
        token = CancelToken()
        self.busy += 1
        self.stats.calls += 1
        future = loop.run_in_executor(self._executor, self._timed, fn, token)
        try:
            return await future
        except asyncio.CancelledError:
            token.cancel()
            self.stats.cancelled += 1
            raise
        finally:
            self.busy -= 1

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` (which takes no token) in the worker thread."""
        return await self.call(lambda _token: fn(*args))

    async def stream(self, produce: Callable[[CancelToken], Iterator[T]]) -> AsyncIterator[T]:
        """Iterate the blocking generator ``produce(token)`` in the worker thread and yield its items here.

        When the consumer stops early (it breaks, is cancelled, or the generator is closed), the token is
        cancelled and the worker stops at its next item; nobody waits for it.
        """

        def push(emit: Callable[[T], None], token: CancelToken) -> None:
            for item in produce(token):
                if token.cancelled:
                    return
                emit(item)

        async with contextlib.aclosing(self.push_stream(push)) as items:
            async for item in items:
                yield item

    async def push_stream(self, work: Callable[[Callable[[T], None], CancelToken], None]) -> AsyncIterator[T]:
        """Run ``work(emit, token)`` in the worker thread and yield here every item it passes to ``emit``.

        For engines that push results through a callback (a transformers streamer). Stopping early cancels the
        token, as for ``stream``; an exception in ``work`` is raised here.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()
        token = CancelToken()

        def hand_over(item: object) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody is listening any more
                loop.call_soon_threadsafe(queue.put_nowait, item)

        def emit(item: T) -> None:
            if not token.cancelled:
                hand_over(item)

        def run(token: CancelToken) -> None:
            try:
                work(emit, token)
            except Exception as error:  # handed to the consumer, raised there
                if not token.cancelled:
                    self.stats.failures += 1
                    hand_over(_Failure(error))
            finally:
                hand_over(_DONE)

        self.busy += 1
        self.stats.calls += 1
        future = loop.run_in_executor(self._executor, self._timed, run, token)
        finished = False
        try:
            while True:
                item = await queue.get()
                if item is _DONE:
                    finished = True
                    return
                if isinstance(item, _Failure):
                    finished = True
                    raise item.error
                yield item  # type: ignore[misc]
        finally:
            self.busy -= 1
            if not finished:
                token.cancel()
                self.stats.cancelled += 1
                future.cancel()  # never starts if it was still queued
            # The worker's own exceptions reached the consumer already; don't let the future log them again.
            future.add_done_callback(lambda f: f.cancelled() or f.exception())

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


@dataclass
class _Failure:
    error: Exception


class ThreadedModel:
    """A model that lives in its own worker thread: loaded once (in that thread), called through ``worker``."""

    def __init__(self, name: str, torch_threads: int | None = None) -> None:
        self.worker = ModelWorker(name, torch_threads)
        self._loaded = False
        self._load_lock = threading.Lock()

    def _load(self) -> None:
        """Load the model (runs in a worker thread, once). Backends that need nothing loaded skip it."""

    def ensure_loaded(self) -> None:
        """Load the model now if it is not yet (blocking; call from a worker thread)."""
        with self._load_lock:
            if not self._loaded:
                self._load()
                self._loaded = True

    @property
    def stats(self) -> WorkerStats:
        return self.worker.stats

    async def close(self) -> None:
        self.worker.shutdown()
