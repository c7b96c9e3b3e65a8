"""``companion bench latency``: voice-to-voice latency on real-size models, against a naive pipeline.

Offline, it builds models of real size with random weights (whisper tiny-size, a 0.5B LLM of the Qwen2.5
shape, a piper low-size VITS voice), cached after the first run. The LLM is forced to say the same reply every
turn, so every turn generates the same number of tokens. A spoken question (espeak-ng) is played into the real
session as a microphone would, turn after turn, and the benchmark reports:

* voice-to-voice latency: from the last voiced sample of the question to the first sample of the reply coming
  out of the speaker (its pts), p50 and p90;
* the same models in a naive sequential pipeline (transcribe all, generate all, synthesize all), and the ratio;
* where the time goes (VAD detection, speech-to-text, the crisis check with its sentence classifier, LLM to the
  first clause, the wait for a clause's end, TTS of the first clause, scheduling to the first sample, the face
  lookahead) and the framework overhead: the gaps between those stages, which are neither model compute nor a
  configured wait;
* answers to a truncated question (a transcript that missed speech before the pause) and the machine's load.

``--stt moonshine`` swaps the speech model; ``--peer DIR --peer-harness DIR [--llm-url URL]`` runs the peer
benchmark's workload instead (peer_workload.py), so companion and Pipecat can be compared side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from companion.agent.config.schema import Config, LlmConfig, ModelsConfig, Persona, SttConfig, TtsConfig
from companion.agent.events import ClauseScheduled, EventBus, ReplyFinished, UserTurnEvent
from companion.agent.hearing import SpeechPaused
from companion.agent.llm.base import ChatMessage, LanguageModel
from companion.agent.llm.openai_compat import OpenAICompatibleLLM, OpenAIOptions
from companion.agent.llm.prompt import build_messages
from companion.agent.llm.transformers_llm import TransformersLLM
from companion.agent.policy.types import DialogueContext, UserTurn
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.core.errors import CompanionError
from companion.core.torch_threads import run_in_passing_thread
from companion.core.worker import CancelToken
from companion.speech.sources import ArraySource, read_audio_file
from companion.speech.stt.base import SpeechToText, ThreadedSpeechToText
from companion.speech.stt.faster_whisper import WHISPER_WINDOW_S, FasterWhisperSTT
from companion.speech.stt.moonshine import MoonshineSTT
from companion.speech.tts.piper import PiperTTS
from companion.speech.types import INPUT_SAMPLE_RATE
from companion.speech.vad import SileroVad
from companion.tools.bench.known_words import VOICED, KnownWords, SpokenQuestion
from companion.tools.bench.models import make_bench_models
from companion.tools.bench.peer_workload import PeerMoonshine, PeerQuestion, PeerWhisper, load_peer_workload
from companion.tools.bench.scripted_reply import forced_reply_factory
from companion.tools.bench.timed_models import Call, CallLog, TimedLLM, TimedSTT, TimedTTS, time_safety

QUESTION = "Excuse me, where can I find the dinosaurs?"
# A trained model writes about one token per word and punctuation mark plus its start and end tokens (the
# peer-bench's estimate); random weights rarely stop by themselves, so every backend decodes exactly this many.
STT_TOKENS = len(QUESTION.split()) + sum(not c.isalnum() and not c.isspace() for c in QUESTION) + 3
TRUNCATION_MS = 40.0  # more unheard speech than one VAD chunk: the transcript missed (part of) a word
REPLY = (
    "[happy] That is a great question. The dinosaurs are on the first floor, right next to the big whale "
    "skeleton, and the fossils are just behind them."
)


STAGES = (
    "detection_ms",
    "stt_ms",
    "safety_ms",
    "llm_first_clause_ms",
    "clause_end_wait_ms",
    "tts_first_ms",
    "schedule_ms",
    "lookahead_ms",
    "waits_ms",
)
CLAUSE_ENDS = ".!?"


@dataclass
class TurnMeasure:
    voice_to_voice_ms: float
    detection_ms: float  # last voiced sample -> the VAD reports the pause
    stt_ms: float  # the transcription the reply used
    safety_ms: float  # the crisis check of the turn (lexicon and its sentence classifier), before the LLM
    llm_first_clause_ms: float  # LLM call start -> first clause complete
    clause_end_wait_ms: float  # the piece that ends the first clause arrived -> the clause was cut (a next token?)
    tts_first_ms: float  # synthesis of the first clause
    schedule_ms: float  # its synthesis done -> its first sample's pts (the lookahead and the hand-over)
    lookahead_ms: float  # audio is scheduled this far ahead, for the face
    waits_ms: float  # waiting on turn-taking rules (end-of-turn silence) and on a busy STT worker
    overhead_ms: float  # gaps between stages that are none of the above
    prefill_tokens: int
    unheard_ms: float = 0.0  # speech after the end of the audio the answered transcript was made from


@dataclass
class LatencyResult:
    turns: int
    reply_tokens: int
    p50_ms: float
    p90_ms: float
    naive_p50_ms: float
    naive_p90_ms: float
    ratio: float
    overhead_ms: float  # p50 of the per-turn framework overhead
    loop_lag_p99_ms: float
    truncated_turns: int = 0  # answered on a transcript that missed speech at the end (more than one 32 ms chunk)
    load_1m: float = 0.0  # the machine's load average at the end of the run
    stages_p50_ms: dict[str, float] = field(default_factory=dict)
    per_turn: list[TurnMeasure] = field(default_factory=list)
    naive_ms: list[float] = field(default_factory=list)
    build_s: dict[str, float] = field(default_factory=dict)
    workload: str = "companion"  # or "peer": ../shared/peer-bench's models, questions, prompt, reply and server
    stt_backend: str = "faster-whisper"


def question_audio(text: str = QUESTION) -> tuple[np.ndarray, float]:
    """The question spoken by espeak-ng at 16 kHz, and where its last voiced sample is (seconds)."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise CompanionError(
            "the latency benchmark speaks its question with espeak-ng, which is not installed",
            "apt-get install espeak-ng (`make bench` installs it as root)",
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "question.wav"
        subprocess.run([espeak, "-v", "en-us", "-s", "160", "-w", str(path), text], check=True)
        audio = read_audio_file(path)
    envelope = np.abs(audio) > 0.02
    voiced_end = (np.nonzero(envelope)[0][-1] + 1) / INPUT_SAMPLE_RATE if envelope.any() else len(audio) / 16000
    return audio[: int(voiced_end * INPUT_SAMPLE_RATE) + 1600], float(voiced_end)


def _config(models_dir: Path, stt_path: Path, llm_path: Path, tts_path: Path, args: argparse.Namespace) -> Config:
    persona = Persona(
        name="Ada",
        style="You are Ada, a friendly guide robot in a science museum. Answer in two or three short sentences.",
    )
    models = ModelsConfig(
        dir=models_dir,
        stt=SttConfig(
            backend=args.stt, path=stt_path, threads=args.stt_threads, max_new_tokens=STT_TOKENS, **_window(args)
        ),
        llm=LlmConfig(
            path=llm_path,
            threads=args.llm_threads,
            temperature=0.0,
            max_new_tokens=96,
            quantize=args.llm_quantize,
            dtype=args.llm_dtype,
        ),
        tts=TtsConfig(path=tts_path, threads=args.tts_threads),
    )
    config = Config(persona="bench", personas={"bench": persona}, models=models)
    config.face.lookahead_ms = args.lookahead_ms
    return config


def _window(args: argparse.Namespace) -> dict[str, float]:
    """faster-whisper's ``window_s`` when ``--stt-window`` shortens it (no other backend has the option)."""
    window = getattr(args, "stt_window", WHISPER_WINDOW_S)
    return {"window_s": window} if args.stt == "faster-whisper" and window < WHISPER_WINDOW_S else {}


def _stt_label(args: argparse.Namespace) -> str:
    window = _window(args)
    return f"{args.stt} (window {window['window_s']:g} s)" if window else args.stt


def bench_stt(config: Config) -> ThreadedSpeechToText:
    """The configured speech-to-text backend on the bench model (``--stt``), decoding ``STT_TOKENS`` tokens."""
    options = config.models.stt.options
    if config.models.stt.backend == "moonshine":
        return MoonshineSTT(options.path, threads=options.threads, max_new_tokens=STT_TOKENS)
    return FasterWhisperSTT(
        options.path, threads=options.threads, beam_size=options.beam_size, max_new_tokens=STT_TOKENS,
        window_s=options.window_s,
    )  # fmt: skip


class _PauseRecorder(ConversationSession):
    """The session, remembering when each pause in the user's speech was detected."""

    pauses: list[float]

    def on_speech_paused(self, event: SpeechPaused) -> None:
        self.pauses.append(self.clock.now())
        super().on_speech_paused(event)


@dataclass(frozen=True)
class Question:
    audio: np.ndarray
    voiced_end_s: float  # where its last voiced sample is, in seconds from the start of ``audio``
    before: Callable[[], None] = lambda: None  # called just before it is played (the peer STT learns the question)


async def _session_turns(
    config: Config,
    llm: LanguageModel,
    stt: SpeechToText,
    questions: list[Question],
    turns: int,
    warmup: int,
    note: Callable[[str], None] = lambda _line: None,
    *,
    whole_replies: bool = False,
    prefill: bool = True,
) -> tuple[list[TurnMeasure], float]:
    """Play ``questions`` in turn into a real session. ``whole_replies``: each reply plays out and the next
    visitor starts fresh (the peer harness's schedule); otherwise the reply stops after its first clause."""
    clock = LoopClock()
    log = CallLog()
    tts_options = config.models.tts.options
    timed_stt = TimedSTT(stt, clock, log)
    tts = TimedTTS(PiperTTS(tts_options.path, threads=tts_options.threads), clock, log)
    timed_llm = TimedLLM(llm, clock, log, prefill=prefill)
    await asyncio.gather(timed_stt.warm_up(), tts.warm_up(), timed_llm.warm_up())
    events = EventBus()
    parts = SessionParts(tts=tts, llm=timed_llm, stt=timed_stt, vad=SileroVad())
    session = _PauseRecorder(config, parts, clock, events)
    session.pauses = []
    time_safety(session.chain.safety, clock, log)
    await session.start()
    measures: list[TurnMeasure] = []
    try:
        for index in range(warmup + turns):
            question = questions[index % len(questions)]
            question.before()
            source = ArraySource(question.audio, trailing_silence_s=2.0)
            listen_start = clock.now()
            listening = asyncio.create_task(session.listen(source))
            clause = await events.wait_for(ClauseScheduled, lambda e, t=listen_start: e.t > t)
            if not whole_replies:
                await session.stop_speaking()
            await listening
            finished = await events.wait_for(ReplyFinished, lambda e, u=clause.utterance_id: e.utterance_id == u)
            if index >= warmup:
                true_end = listen_start + question.voiced_end_s
                measures.append(_measure(true_end, session.pauses, clause, finished, log, llm, config))
                measures[-1].unheard_ms = _unheard_ms(events, finished.turn_id)
                note(f"turn {index - warmup + 1}/{turns}: voice to voice {measures[-1].voice_to_voice_ms:.0f} ms")
            else:
                note(f"warm-up turn {index + 1}/{warmup} done")
            if whole_replies:
                session.new_visitor("bench: the next question starts a fresh conversation")
                await asyncio.sleep(1.0)
        lag = session.loop_lag.stats().p99_ms
    finally:
        await session.close()
        await timed_stt.close()
        await tts.close()
    return measures, lag


def _measure(
    true_end: float,
    pauses: list[float],
    clause: ClauseScheduled,
    finished: ReplyFinished,
    log: CallLog,
    llm: LanguageModel,
    config: Config,
) -> TurnMeasure:
    assert finished.end_of_speech_t is not None
    base = finished.end_of_speech_t

    def at(name: str) -> float:
        return base + finished.timings_ms[name] / 1000.0

    transcript_t, first_clause_t, pts = at("transcript_final"), at("first_clause"), clause.start_t
    detected = min((p for p in pauses if p >= true_end), default=true_end)
    stt_call = max((c for c in log.stt if c.end is not None and c.end <= transcript_t + 1e-3), key=lambda c: c.end or 0)
    llm_call = max((c for c in log.llm if c.start <= first_clause_t), key=lambda c: c.start)
    tts_call = min((c for c in log.tts if c.start >= first_clause_t - 1e-3), key=lambda c: c.start)
    assert stt_call.end is not None and tts_call.end is not None
    stt_ms = (stt_call.end - stt_call.start) * 1000
    checks = [c for c in log.safety if c.end is not None and stt_call.end - 1e-3 <= c.start <= llm_call.start]
    safety_ms = sum(((c.end or c.start) - c.start) for c in checks) * 1000
    llm_ms = (first_clause_t - llm_call.start) * 1000
    tts_ms = (tts_call.end - tts_call.start) * 1000
    lookahead_ms = config.face.lookahead_ms
    v2v_ms = (pts - true_end) * 1000
    detection_ms = max(0.0, (detected - true_end) * 1000)
    # Waiting on rules or a busy worker: from the pause to the STT call that counted (it may have started earlier,
    # as a partial), and from the transcript to the reply's start when the end-of-turn rule held it.
    stt_queue_ms = max(0.0, (stt_call.start - detected) * 1000)
    gaps_ms = (
        max(0.0, (llm_call.start - max(stt_call.end, detected)) * 1000 - safety_ms)
        + max(0.0, (tts_call.start - first_clause_t) * 1000)
        + max(0.0, ((pts - lookahead_ms / 1000) - tts_call.end) * 1000)
    )
    return TurnMeasure(
        voice_to_voice_ms=round(v2v_ms, 1),
        detection_ms=round(detection_ms, 1),
        stt_ms=round(stt_ms, 1),
        safety_ms=round(safety_ms, 1),
        llm_first_clause_ms=round(llm_ms, 1),
        tts_first_ms=round(tts_ms, 1),
        clause_end_wait_ms=round(_clause_end_wait_ms(llm_call, first_clause_t), 1),
        schedule_ms=round((pts - tts_call.end) * 1000, 1),
        lookahead_ms=float(lookahead_ms),
        waits_ms=round(stt_queue_ms, 1),
        overhead_ms=round(gaps_ms, 1),
        prefill_tokens=getattr(llm, "last_prefill_tokens", 0),  # unknown for a model on a server
    )


def _clause_end_wait_ms(call: Call, first_clause_t: float) -> float:
    """From the arrival of the piece that ends the first clause to the moment the clause was cut."""
    text = ""
    for t, piece in call.pieces:
        text += piece
        if any(mark in text.split("]")[-1] for mark in CLAUSE_ENDS):
            return max(0.0, (first_clause_t - t) * 1000)
    return 0.0


def _unheard_ms(events: EventBus, turn_id: int) -> float:
    """How much speech the answered transcript missed at its end (0 when it covers all of it)."""
    turn = next((e for e in events.of_type(UserTurnEvent) if e.turn_id == turn_id), None)
    if turn is None or turn.end_of_speech_t is None or turn.heard_until_t is None:
        return 0.0
    return round(max(0.0, turn.end_of_speech_t - turn.heard_until_t) * 1000, 1)


def _naive_turns(config: Config, llm: TransformersLLM, question: np.ndarray, turns: int) -> list[float]:
    """Transcribe all, then generate all, then synthesize all: the first sample is ready when everything is."""
    tts_options = config.models.tts.options
    stt = bench_stt(config)
    tts = PiperTTS(tts_options.path, threads=tts_options.threads)
    stt._load()
    tts._load()
    context = DialogueContext(config.active_persona)
    results: list[float] = []
    for index in range(turns + 1):
        start = time.perf_counter()
        stt._transcribe(question, False, CancelToken())  # its cost; a trained model would hear the question
        text = QUESTION
        messages: list[ChatMessage] = build_messages(UserTurn(index, text, "voice", 0.0), context, 0)
        pieces: list[str] = []
        llm.reuse_cache = False  # a naive pipeline prefills the whole prompt every time
        llm._generate(messages, None, pieces.append, CancelToken())
        reply = "".join(pieces)
        list(tts._synthesize(reply.split("]", 1)[-1].strip() or reply, CancelToken()))
        if index:  # the first run warms up
            results.append(round((time.perf_counter() - start) * 1000, 1))
    llm.reuse_cache = True
    return results


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else 0.0


def _progress(args: argparse.Namespace) -> Callable[[str], None]:
    """Where progress lines go: ``args.note`` (the CLI's feedback on standard error) or nowhere."""
    note = getattr(args, "note", None)
    return note if callable(note) else (lambda _line: None)


async def run_latency_bench(args: argparse.Namespace) -> LatencyResult:
    note = _progress(args)
    note(f"bench models in {args.models_dir}")
    models = await run_in_passing_thread(make_bench_models, args.models_dir, on_step=note, stt_backend=args.stt)
    config = _config(models.root, models.stt, models.llm, models.tts, args)
    question, voiced_end = question_audio()
    llm = TransformersLLM(
        models.llm,
        threads=args.llm_threads,
        dtype=args.llm_dtype,
        quantize=args.llm_quantize,
        temperature=0.0,
        max_new_tokens=96,
    )
    note("loading the models ...")
    await llm.worker.run(llm.ensure_loaded)  # in its thread, with its torch threads (core/torch_threads.py)
    factory = forced_reply_factory(llm._tokenizer, REPLY)
    llm._logits_processor_factory = factory
    stt = KnownWords(bench_stt(config))
    voiced = np.nonzero(np.abs(question) > VOICED)[0]
    stt.question = SpokenQuestion(QUESTION, question, float(voiced[0]) / INPUT_SAMPLE_RATE, voiced_end)
    questions = [Question(question, voiced_end)]
    measures, lag_p99 = await _session_turns(
        config, llm, stt, questions, args.turns, args.warmup, note, prefill=not args.no_prefill
    )
    note(f"the naive pipeline, {args.turns} turns ...")
    naive = await llm.worker.run(_naive_turns, config, llm, question, args.turns)  # the model's thread
    return _result(
        measures, lag_p99, _stt_label(args), reply_tokens=factory.reply_tokens, naive=naive, build_s=models.build_s
    )


async def run_peer_latency_bench(args: argparse.Namespace) -> LatencyResult:
    """Companion on the peer benchmark's workload (tools/bench/peer_workload.py); no naive run (the harness's
    ``baseline_bench.py`` is the naive pipeline there)."""
    note = _progress(args)
    workload = load_peer_workload(args.peer, args.peer_harness)
    # The peer's system prompt exactly: without --emotion-tags companion adds nothing to it.
    persona = Persona(name="Robo", style=workload.system_prompt, emotion_tags=args.emotion_tags)
    stt_options = {"path": workload.stt, "threads": args.stt_threads, "beam_size": args.stt_beam}
    models = ModelsConfig(
        dir=args.peer / "models",
        stt=SttConfig(backend="faster-whisper", **stt_options),
        tts=TtsConfig(path=workload.tts, threads=args.tts_threads),
    )
    config = Config(persona="peer", personas={"peer": persona}, models=models)
    config.face.lookahead_ms = args.lookahead_ms
    stt: PeerWhisper | PeerMoonshine
    if args.stt == "moonshine":  # not the peer's model: the bench's moonshine-tiny-size one, built if missing
        built = await run_in_passing_thread(
            make_bench_models, args.models_dir, on_step=note, stt_backend="moonshine", kinds=("stt",)
        )
        stt = PeerMoonshine(built.stt, threads=args.stt_threads)
    else:
        stt = PeerWhisper(workload.stt, threads=args.stt_threads, beam_size=args.stt_beam)
    llm: LanguageModel
    if args.llm_url:
        note(f"the language model: the server at {args.llm_url}")
        llm = OpenAICompatibleLLM(OpenAIOptions(base_url=args.llm_url, temperature=0.0), max_new_tokens=96)
    else:
        note(f"the language model: {workload.llm} in-process, forced to the peer's reply")
        local = TransformersLLM(
            workload.llm, threads=args.llm_threads, dtype=args.llm_dtype, quantize=args.llm_quantize,
            temperature=0.0, max_new_tokens=96,
        )  # fmt: skip
        await local.worker.run(local.ensure_loaded)
        local._logits_processor_factory = forced_reply_factory(local._tokenizer, workload.reply)
        llm = local

    known = KnownWords(stt)

    def asking(question: PeerQuestion) -> Callable[[], None]:
        def ask() -> None:
            stt.question = known.question = question

        return ask

    questions = [Question(q.audio, q.speech_end_s, asking(q)) for q in workload.questions]
    measures, lag_p99 = await _session_turns(
        config, llm, known, questions, args.turns, args.warmup, note, whole_replies=True, prefill=not args.no_prefill
    )
    if isinstance(llm, OpenAICompatibleLLM):
        await llm.close()
    return _result(measures, lag_p99, args.stt, workload="peer")


def _result(
    measures: list[TurnMeasure],
    lag_p99: float,
    stt_backend: str,
    *,
    reply_tokens: int = 0,
    naive: list[float] | None = None,
    build_s: dict[str, float] | None = None,
    workload: str = "companion",
) -> LatencyResult:
    """The summary of a run's turns (and of the naive pipeline's, when it ran: otherwise its fields are 0)."""
    v2v = [m.voice_to_voice_ms for m in measures]
    p50 = statistics.median(v2v)
    naive_p50 = statistics.median(naive) if naive else 0.0
    return LatencyResult(
        turns=len(measures),
        reply_tokens=reply_tokens,
        p50_ms=round(p50, 1),
        p90_ms=round(_percentile(v2v, 0.9), 1),
        naive_p50_ms=round(naive_p50, 1),
        naive_p90_ms=round(_percentile(naive, 0.9), 1) if naive else 0.0,
        ratio=round(p50 / naive_p50, 3) if naive else 0.0,
        overhead_ms=round(statistics.median(m.overhead_ms for m in measures), 1),
        loop_lag_p99_ms=round(lag_p99, 2),
        truncated_turns=sum(m.unheard_ms > TRUNCATION_MS for m in measures),
        load_1m=round(os.getloadavg()[0], 2),
        stages_p50_ms={name: round(statistics.median(getattr(m, name) for m in measures), 1) for name in STAGES},
        per_turn=measures,
        naive_ms=naive or [],
        build_s=build_s or {},
        workload=workload,
        stt_backend=stt_backend,
    )


async def main(args: argparse.Namespace) -> int:
    if getattr(args, "peer", None) is not None:
        result = await run_peer_latency_bench(args)
    else:
        result = await run_latency_bench(args)
    if args.json:
        print(json.dumps(asdict(result)))
        return 0
    out = sys.stdout
    what = "the peer workload" if result.workload == "peer" else f"{result.reply_tokens}-token reply"
    print(f"voice-to-voice latency over {result.turns} turns ({what}, stt {result.stt_backend}):", file=out)
    print(f"  companion  p50 {result.p50_ms:7.1f} ms   p90 {result.p90_ms:7.1f} ms", file=out)
    if result.workload != "peer":
        print(f"  naive      p50 {result.naive_p50_ms:7.1f} ms   p90 {result.naive_p90_ms:7.1f} ms", file=out)
        print(f"  ratio      {result.ratio:.3f}", file=out)
    print(f"  framework overhead p50 {result.overhead_ms:.1f} ms", file=out)
    print(f"  event-loop lag p99 {result.loop_lag_p99_ms} ms", file=out)
    print(f"  answers to a truncated question: {result.truncated_turns}; load average {result.load_1m}", file=out)
    print("  stages (p50 ms): " + ", ".join(f"{k.removesuffix('_ms')} {v}" for k, v in result.stages_p50_ms.items()))
    return 0
