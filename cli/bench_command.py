"""``companion bench``: the performance benchmarks whose numbers are in the README.

Arguments are declared here so ``--help`` is instant; the benchmark modules (torch, models) load only when run.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from companion.core.errors import InputError
from companion.tools.bench import DEFAULT_BENCH_MODELS

SAFETY_SET = Path(__file__).resolve().parents[1] / "tools" / "safety" / "data" / "eval.yaml"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="measure voice-to-voice latency, face timing, cancellation and long-run resource use",
        description="Benchmarks that print numbers: `latency` (voice to voice), `face` (frames and lip-sync), "
        "`cancel` (the wait behind a cancelled reply) and `soak` (memory and tasks over many turns).",
    )
    sub = parser.add_subparsers(dest="bench", metavar="BENCHMARK", required=True)

    latency = sub.add_parser(
        "latency",
        help="voice-to-voice latency on real-size models, against a naive pipeline",
        description=(
            "Builds real-size models with random weights offline (whisper tiny-size, a 0.5B LLM, a piper "
            "low-size voice; cached), forces a fixed reply, plays a spoken question into the real session turn "
            "after turn, and reports voice-to-voice latency (end of speech to first audio sample) p50/p90, the "
            "same models in a naive sequential pipeline, their ratio, the stages and the framework overhead. "
            "--peer runs ../shared/peer-bench's workload instead, for a side-by-side with Pipecat."
        ),
    )
    latency.add_argument("--turns", type=int, default=10, help="measured turns (default 10)")
    latency.add_argument("--warmup", type=int, default=1, help="turns run first and not counted (default 1)")
    latency.add_argument(
        "--models-dir",
        type=lambda text: Path(text).expanduser(),
        default=DEFAULT_BENCH_MODELS.expanduser(),
        help="where the bench models are cached (default ~/.cache/companion/bench-models)",
    )
    latency.add_argument(
        "--stt",
        choices=["faster-whisper", "moonshine"],
        default="faster-whisper",
        help="the speech-to-text backend (whisper tiny-size or moonshine-tiny-size; default faster-whisper)",
    )
    latency.add_argument("--stt-threads", type=int, default=1)
    latency.add_argument("--stt-beam", type=int, default=1, help="faster-whisper beam size (Pipecat's default is 5)")
    latency.add_argument(
        "--stt-window",
        type=float,
        default=30.0,
        help="faster-whisper's shortest encoder window in seconds (models.stt.window_s; default 30, Whisper's own)",
    )
    latency.add_argument(
        "--peer",
        type=lambda text: Path(text).expanduser(),
        help="run the peer benchmark's workload built in this folder (its models/ and inputs/, e.g. /tmp/peer)",
    )
    latency.add_argument(
        "--peer-harness",
        type=lambda text: Path(text).expanduser(),
        help="the peer harness folder (../shared/peer-bench): its common.py has the system prompt and reply",
    )
    latency.add_argument(
        "--llm-url",
        help="with --peer: the peer's OpenAI-compatible server (its llm_server.py), e.g. http://127.0.0.1:8011/v1; "
        "without it the peer's checkpoint runs in-process",
    )
    latency.add_argument(
        "--no-prefill",
        action="store_true",
        help="do not compute the prompt's start while the user speaks (to measure what that pays)",
    )
    latency.add_argument(
        "--emotion-tags",
        action="store_true",
        help="with --peer: ask the model for emotion tags too (a longer prompt than the peer's)",
    )
    latency.add_argument("--llm-threads", type=int, default=2)
    latency.add_argument("--tts-threads", type=int, default=1)
    latency.add_argument("--llm-quantize", choices=["none", "int8"], default="int8", help="as models.llm.quantize")
    latency.add_argument("--llm-dtype", choices=["float32", "bfloat16"], default="bfloat16", help="as models.llm.dtype")
    latency.add_argument("--lookahead-ms", type=int, default=100, help="face lookahead (audio starts this far out)")
    latency.add_argument("--json", action="store_true", help="print the results as one JSON object")
    latency.set_defaults(handler=_run_latency)

    face = sub.add_parser(
        "face",
        help="frame delivery, controller jitter, audio/visual sync, viseme timing",
        description=(
            "Publishes lip-synced speech at 100 Hz through a real mosquitto on loopback to a face-controller in "
            "its own process, and reports frame delivery latency (p50/p99), output jitter at the controller, the "
            "audio/visual offset between mouth onsets and phoneme onsets as played, and the viseme onset error "
            "against the TTS alignments."
        ),
    )
    face.add_argument("--seconds", type=float, default=20.0, help="how much speech to play (default 20 s)")
    face.add_argument("--rate", type=int, default=100, help="frame rate in Hz (default 100)")
    face.add_argument(
        "--lookahead-ms",
        type=int,
        default=None,
        help="face lookahead (default face.lookahead_ms, 100; a session "
        "fits it to the rig: latency + face.lookahead_margin_ms)",
    )
    face.add_argument(
        "--load", type=int, default=0, metavar="N", help="run N busy processes beside it (a robot's loaded cores)"
    )
    face.add_argument(
        "--normal-priority",
        action="store_true",
        help="run the controller at normal priority (default: real-time where permitted, as `companion face`)",
    )
    face.add_argument("--json", action="store_true", help="print the results as one JSON object")
    face.set_defaults(handler=_run_face)

    cancel = sub.add_parser(
        "cancel",
        help="how long the next reply waits behind a cancelled one (text-to-speech)",
        description=(
            "Starts a long clause on the bench-size piper voice, cancels it as a barge-in would, and times the next "
            "reply's clause from the cancel until its audio is ready, against the long clause synthesized to its end."
        ),
    )
    cancel.add_argument("--trials", type=int, default=10)
    cancel.add_argument("--cancel-after-ms", type=int, default=30, help="how far into the long clause to cancel")
    cancel.add_argument("--tts-threads", type=int, default=1)
    cancel.add_argument(
        "--models-dir", type=lambda text: Path(text).expanduser(), default=DEFAULT_BENCH_MODELS.expanduser()
    )
    cancel.add_argument("--json", action="store_true", help="print the results as one JSON object")
    cancel.set_defaults(handler=_run_cancel)

    runtime = sub.add_parser(
        "llm-runtime",
        help="the bench-size language model's prefill and decode costs, torch int8 against CTranslate2 int8",
        description=(
            "Times what a prompt token costs on top of a kept cache and what a decode step costs for the bench-size "
            "language model in torch int8 (companion's runtime) and in CTranslate2 int8 (converted and cached), and "
            "how CTranslate2's static-prompt cache grows with distinct prompts (README, performance)."
        ),
    )
    runtime.add_argument("--threads", type=int, default=2)
    runtime.add_argument("--rounds", type=int, default=3, help="repetitions of each timing (medians are shown)")
    runtime.add_argument(
        "--models-dir", type=lambda text: Path(text).expanduser(), default=DEFAULT_BENCH_MODELS.expanduser()
    )
    runtime.add_argument("--json", action="store_true", help="print the results as one JSON object")
    runtime.set_defaults(handler=_run_llm_runtime)

    soak = sub.add_parser(
        "soak",
        help="memory, asyncio tasks, threads and open files over many turns (does a long day leak?)",
        description=(
            "Runs N typed turns through the real session (tiny offline models unless -c/--config) with face frames "
            "through a real mosquitto to a face-controller, and reports resident memory, asyncio tasks, threads "
            "and open files after each turn: first, last, peak, and the memory slope over the second half."
        ),
    )
    soak.add_argument("--turns", type=int, default=30)
    soak.add_argument("--every", type=int, default=10, help="print a line every this many turns")
    soak.add_argument("--json", action="store_true", help="print the results as one JSON object")
    soak.set_defaults(handler=_run_soak)

    malformed = sub.add_parser(
        "malformed",
        help="what a flood of malformed frames costs the face-controller (time per drop, log lines)",
        description="Feeds malformed frames of several kinds (Infinity, 1e400, deep nesting, random bytes) to the "
        "controller's pipeline and reports the time per dropped frame and the log lines the flood produced.",
    )
    malformed.add_argument("--messages", type=int, default=10000, help="frames of each kind (default 10000)")
    malformed.add_argument("--json", action="store_true", help="print the results as one JSON object")
    malformed.set_defaults(handler=_run_malformed)

    mirror = sub.add_parser(
        "mirror",
        help="perception frame rate, camera-to-face-frame latency, anticipation (needs the landmark model)",
        description=(
            "On a real face made to smile (the astronaut photo, 640x480): the frames a second perception analyses "
            "on one core, the time from a camera frame to the face frame that answers it (through a real "
            "mosquitto), and how far ahead of the visitor's smile the robot's starts, with and without anticipation."
        ),
    )
    mirror.add_argument("--anticipation-ms", type=float, default=200.0, help="the anticipation to compare (200)")
    mirror.add_argument("--json", action="store_true", help="print the results as one JSON object")
    mirror.set_defaults(handler=_run_mirror)

    safety = sub.add_parser(
        "safety",
        help="the crisis detector's latency per turn on one core (target p99 <= 30 ms)",
        description=(
            "Pins the process to one core, runs the crisis detector's model with one thread, and times every utterance "
            "of the evaluation set: the lexicon layer, a whole turn as the session awaits it (p50/p99/max), the event "
            "loop's longest stall meanwhile, and the output screen per clause."
        ),
    )
    safety.add_argument("--core", type=int, default=0, help="the CPU core to run on (default 0; -1: do not pin)")
    safety.add_argument("--rounds", type=int, default=3, help="passes over the set (default 3)")
    safety.add_argument(
        "--set", type=Path, default=SAFETY_SET, help="utterances to time (default: the built-in evaluation set)"
    )
    safety.add_argument("--json", action="store_true", help="print the results as one JSON object")
    safety.set_defaults(handler=_run_safety)


async def _run_mirror(args: argparse.Namespace) -> int:
    from companion.tools.bench.mirror_bench import main

    return await main(args)


async def _run_safety(args: argparse.Namespace) -> int:
    from companion.tools.bench.safety_bench import main

    if args.core < 0:
        args.core = None
    return await main(args)


async def _run_cancel(args: argparse.Namespace) -> int:
    from companion.tools.bench.cancel_bench import main

    return await main(args)


async def _run_llm_runtime(args: argparse.Namespace) -> int:
    from companion.tools.bench.llm_runtime_bench import main

    return await main(args)


async def _run_malformed(args: argparse.Namespace) -> int:
    from companion.tools.bench.malformed_bench import main

    return await main(args)


async def _run_soak(args: argparse.Namespace) -> int:
    from companion.tools.bench.soak_bench import main

    return await main(args)


async def _run_latency(args: argparse.Namespace) -> int:
    from companion.cli.progress import Feedback
    from companion.tools.bench.latency_bench import main

    if (args.peer is None) != (args.peer_harness is None):
        raise InputError(
            "--peer and --peer-harness go together",
            "e.g. --peer /tmp/peer --peer-harness ../shared/peer-bench (the harness's README builds /tmp/peer)",
        )
    if args.llm_url and args.peer is None:
        raise InputError("--llm-url is for the peer workload (--peer); the default workload runs its model in-process")
    with Feedback() as feedback:
        args.note = feedback.note  # each step on standard error; the results on standard output
        return await main(args)


async def _run_face(args: argparse.Namespace) -> int:
    from companion.tools.bench.face_bench import main

    return await main(args)
