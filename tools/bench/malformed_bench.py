"""``companion bench malformed``: what a flood of malformed messages costs the face-controller.

A stranger on the broker (or a broken client) can send frames the decoder must refuse: ``Infinity`` where an
integer belongs, nesting thousands deep, a number beyond float range. Each used to cost a full traceback in the
log. This feeds each kind to the controller's pipeline many times and reports the time per dropped message and how
many log lines the whole flood produced (one per kind per 10 s is the design).
"""

from __future__ import annotations

import argparse
import json
import logging
import time

from companion.face.config import ControllerConfig
from companion.face.controller.rig import load_rig, packaged_rig
from companion.face.controller.service import FacePipeline

KINDS = {
    "Infinity in seq": b'{"v": 1, "seq": Infinity, "pts": 1, "ch": {}}',
    "1e400 in utt": b'{"v": 1, "seq": 1, "utt": 1e400, "pts": 1, "ch": {}}',
    "nesting 5000 deep": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "random bytes": bytes(range(256)) * 4,
}


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines = 0
        self.bytes = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.lines += 1
        self.bytes += len(self.format(record)) + 1


async def main(args: argparse.Namespace) -> int:
    pipeline = FacePipeline(load_rig(packaged_rig("sample")), ControllerConfig())
    counter = _Count()
    logger = logging.getLogger("companion.face.controller.service")
    logger.addHandler(counter)
    results = {}
    try:
        for name, payload in KINDS.items():
            started = time.perf_counter()
            for _ in range(args.messages):
                pipeline.on_frame(payload, 1.7e12)
            results[name] = round((time.perf_counter() - started) / args.messages * 1e6, 1)
    finally:
        logger.removeHandler(counter)
    summary = {
        "messages": args.messages * len(KINDS),
        "us_per_message": results,
        "counted_malformed": pipeline.stats.malformed,
        "log_lines": counter.lines,
        "log_bytes": counter.bytes,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        for name, us in results.items():
            print(f"{name:>18}: {us:6.1f} µs per dropped frame")
        print(f"{summary['messages']} malformed frames: {pipeline.stats.malformed} counted, {counter.lines} log lines")
    return 0
