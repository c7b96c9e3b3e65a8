"""``companion bench cancel``: how long the next reply waits behind a reply that a barge-in cancelled.

The voice has one worker thread. Without a way into a running synthesis, a cancelled clause kept that thread
busy until its audio was complete, and the next reply's first clause queued behind it. companion's piper backend
runs each sentence's ONNX graph with ``RunOptions`` and sets ``terminate`` when the clause is cancelled, so the
worker is free within milliseconds.

It uses the bench-size piper voice (real size, random weights, cached with the latency benchmark's models) and,
``--trials`` times: starts a long one-sentence clause, cancels it ``--cancel-after-ms`` in (a barge-in), and times
the next reply's short clause from the cancel until its audio is ready. For comparison it times the long clause
synthesized to the end, which is what the next reply waited before.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import time
from dataclasses import asdict, dataclass

from companion.speech.tts.piper import PiperTTS
from companion.tools.bench.models import make_bench_models

LONG_CLAUSE = (
    "The oldest robot in this museum was built by a watchmaker who spent eleven years fitting thousands of tiny "
    "brass gears into a body no taller than a child so that it could write letters with a real quill pen"
)
NEXT_CLAUSE = "Yes, of course."


@dataclass
class CancelResult:
    trials: int
    long_clause_ms: float  # synthesizing the long clause to its end: the wait before
    next_reply_wait_p50_ms: float  # from the cancel to the next clause's audio: the wait now
    next_reply_wait_max_ms: float
    next_clause_alone_ms: float  # the next clause on an idle voice, for reference


async def run_cancel_bench(args: argparse.Namespace) -> CancelResult:
    models = await asyncio.to_thread(make_bench_models, args.models_dir)
    tts = PiperTTS(models.tts, threads=args.tts_threads)
    await tts.warm_up()
    started = time.perf_counter()
    await tts.synthesize(LONG_CLAUSE)
    long_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    await tts.synthesize(NEXT_CLAUSE)
    alone_ms = (time.perf_counter() - started) * 1000
    waits: list[float] = []
    for _ in range(args.trials):
        speaking = asyncio.ensure_future(tts.synthesize(LONG_CLAUSE))
        await asyncio.sleep(args.cancel_after_ms / 1000)
        cancelled_at = time.perf_counter()
        speaking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await speaking
        await tts.synthesize(NEXT_CLAUSE)
        waits.append((time.perf_counter() - cancelled_at) * 1000)
    await tts.close()
    return CancelResult(
        trials=args.trials,
        long_clause_ms=round(long_ms, 1),
        next_reply_wait_p50_ms=round(statistics.median(waits), 1),
        next_reply_wait_max_ms=round(max(waits), 1),
        next_clause_alone_ms=round(alone_ms, 1),
    )


async def main(args: argparse.Namespace) -> int:
    result = await run_cancel_bench(args)
    if args.json:
        print(json.dumps(asdict(result)))
        return 0
    print(f"bench-size piper voice, {result.trials} cancellations {args.cancel_after_ms} ms into a long clause:")
    print(
        f"  the long clause to its end:            {result.long_clause_ms:7.1f} ms (what the next reply waited before)"
    )
    print(f"  next reply's clause after the cancel:  p50 {result.next_reply_wait_p50_ms:.1f} ms, "
          f"max {result.next_reply_wait_max_ms:.1f} ms")  # fmt: skip
    print(f"  the same clause on an idle voice:      {result.next_clause_alone_ms:7.1f} ms")
    return 0
