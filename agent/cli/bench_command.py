"""``companion bench``: the performance benchmarks whose numbers are in the README."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="measure voice-to-voice latency and face timing",
        description="Benchmarks that print numbers: `latency` (voice to voice) and `face` (frames, sync).",
    )
    sub = parser.add_subparsers(dest="bench", metavar="BENCHMARK", required=True)
    from companion.agent.bench import face_bench, latency_bench

    latency_bench.register(sub)
    face_bench.register(sub)
