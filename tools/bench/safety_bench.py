"""``companion bench safety``: how long the crisis detector takes per turn, on one core.

The target (issue 10) is p99 <= 30 ms per turn on one core. The benchmark pins the process to one core (``--core``),
runs the model with one thread, and times every utterance of the evaluation set ``--rounds`` times:

* the lexicon layer alone (normalisation, idioms, phrases; runs on the event loop),
* a whole turn (``assess``: lexicon, classifier in its worker thread, context) as the session awaits it,
* the output screen on one clause.

While the turns run it also measures the event loop's longest stall (a 1 ms ticker): the classifier's work happens
in its thread, so the loop should stall for no more than the lexicon's fraction of a millisecond.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass

from companion.agent.safety.context import TurnMemory
from companion.agent.safety.detector import CrisisDetector
from companion.agent.safety.normalise import normalise
from companion.agent.safety.output_screen import OutputScreen
from companion.tools.safety.evaluation import load_set


@dataclass
class SafetyBench:
    core: int | None
    utterances: int
    rounds: int
    load_s: float
    lexicon_p50_ms: float
    lexicon_p99_ms: float
    turn_p50_ms: float
    turn_p99_ms: float
    turn_max_ms: float
    loop_stall_max_ms: float
    screen_p50_ms: float
    screen_p99_ms: float


def _pin(core: int | None) -> int | None:
    os.environ["OMP_NUM_THREADS"] = "1"
    if core is None or not hasattr(os, "sched_setaffinity"):
        return None
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {core})
        return core
    return None


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


async def run(args: argparse.Namespace) -> SafetyBench:
    core = _pin(args.core)
    texts = [item.text for item in load_set(args.set)]
    started = time.perf_counter()
    detector = CrisisDetector.create()
    await detector.warm_up()
    load_s = time.perf_counter() - started
    screen = OutputScreen()
    for text in texts[:20]:  # warm caches and the ONNX session
        await detector.assess(text)

    lexicon: list[float] = []
    turns: list[float] = []
    screens: list[float] = []
    stall = 0.0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal stall
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            stall = max(stall, now - last - 0.001)
            last = now

    tick = asyncio.create_task(ticker())
    for _ in range(args.rounds):
        memory = TurnMemory()
        for text in texts:
            t0 = time.perf_counter()
            detector.lexicon.match(normalise(text))
            t1 = time.perf_counter()
            await detector.assess(text, memory)
            t2 = time.perf_counter()
            screen.screen_sync(text)
            t3 = time.perf_counter()
            lexicon.append(t1 - t0)
            turns.append(t2 - t1)
            screens.append(t3 - t2)
    stop.set()
    await tick
    detector.close()
    return SafetyBench(
        core=core,
        utterances=len(texts),
        rounds=args.rounds,
        load_s=round(load_s, 2),
        lexicon_p50_ms=_ms(lexicon, 0.5),
        lexicon_p99_ms=_ms(lexicon, 0.99),
        turn_p50_ms=_ms(turns, 0.5),
        turn_p99_ms=_ms(turns, 0.99),
        turn_max_ms=round(max(turns) * 1000, 2),
        loop_stall_max_ms=round(stall * 1000, 2),
        screen_p50_ms=_ms(screens, 0.5),
        screen_p99_ms=_ms(screens, 0.99),
    )


async def main(args: argparse.Namespace) -> int:
    result = await run(args)
    if args.json:
        print(json.dumps(asdict(result)))
        return 0
    where = f"core {result.core}" if result.core is not None else "no core pinning"
    print(f"crisis detector, one model thread, {where}: {result.utterances} utterances x {result.rounds} rounds")
    print(f"  load (model + exemplars)  {result.load_s:.2f} s")
    print(f"  lexicon layer             p50 {result.lexicon_p50_ms:.2f} ms   p99 {result.lexicon_p99_ms:.2f} ms")
    print(
        f"  whole turn (awaited)      p50 {result.turn_p50_ms:.2f} ms   p99 {result.turn_p99_ms:.2f} ms   "
        f"max {result.turn_max_ms:.2f} ms   (target p99 <= 30 ms)"
    )
    print(f"  event loop longest stall  {result.loop_stall_max_ms:.2f} ms")
    print(f"  output screen per clause  p50 {result.screen_p50_ms:.3f} ms   p99 {result.screen_p99_ms:.3f} ms")
    return 0
