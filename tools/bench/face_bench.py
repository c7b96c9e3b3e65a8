"""``companion bench face``: frame delivery, controller jitter, audio/visual sync and viseme timing.

The agent's real face path runs at ``--rate`` Hz for ``--seconds`` of synthesized English speech: museum-guide
replies cut into clauses as the responder cuts them, piper (with its decoder's phoneme alignments), the playout
timeline, ``FaceAnimator``, ``FacePublisher`` (``face.lookahead_ms`` from the config defaults), a mosquitto of the
benchmark's own on loopback, and a ``FaceController`` in its own process (its own interpreter and event loop, as
deployed) with the sample rig (``face/rigs/sample.yaml``, actuator latency 40 ms). The agent records every frame
it sends; the controller records every frame it receives and every output tick it commands. The definitions:

* **Frame delivery latency**: controller receive wall time (when its MQTT callback gets the frame) minus agent
  publish wall time (taken just before the frame is handed to the MQTT client). p50/p99/max. Both processes read
  the same system clock; the skew between their epoch offsets is measured and printed (``clock_skew_ms``).
  *Headroom* is how long before the controller needed it (its pts minus the rig latency) a frame arrived; a frame
  with negative headroom is late and dropped.
* **Output jitter**: ``|actual interval between consecutive output ticks - 1 / controller.output_rate_hz|`` at the
  controller, p50/p99/max (target p99 <= 2 ms), over the ticks of the measured run. The same measure on the
  agent's sends (against ``1 / rate``) tells whether jitter comes from the machine or from one side.
* **Viseme onset error**: ``companion.face.lipsync.onset_errors_ms`` on each clause's real alignments, sampled on
  the frame grid at the phase the clause had in this run: the animator's mouth against the alignment alone, no
  transport. p50/p99 of ``|error|`` (target <= one decoder hop).
* **Audio/visual offset as played**: the audio's phoneme onsets are the clause's start on the playout timeline (the
  pts its first sample is played at, as the agent schedules it; a sound card adds its own output latency) plus the
  folded alignment onset. The mouth as *shown* is rebuilt from the controller's output ticks: a tick commanded at
  wall time ``t`` drives the face toward the playhead ``t + latency_ms``, and the motors take ``latency_ms`` to get
  there, so the face shows that tick's channel values at ``t + latency_ms`` (exactly so if the rig's latency is
  right: an error in it adds one to one), moving linearly from tick to tick. Each onset is found with the
  definition of ``onset_errors_ms``: progress of the speech channels from the previous viseme's key toward this
  one's, its last upward crossing of 0.5 between the middle of the previous segment and the end of this one.
  Offset = shown mouth onset - phoneme onset (negative: the mouth is early), p50 and ``|p99|`` (target
  ``|p99|`` <= 10 ms; people notice audio 45 ms early). Onsets the shown mouth never crosses (a stall that froze
  or skipped the movement) are counted as missed, not hidden.

How they add up: the same onset search on the frames as *published* (their pts and values) gives the animator's
error on the real frame grid, about the viseme onset error; the *transport shift* is shown minus published onset,
what MQTT, the jitter buffer, the controller's interpolation at its own tick times and the latency compensation
add. Per onset, A/V offset = published error + transport shift. Frame delivery latency does not enter the offset
while frames arrive before the playhead (positive headroom); late or dropped frames, a controller stall, a playhead
off by the latency, or a resume ramp during speech do, through the transport shift.

The emotion stays neutral, so the speech channels carry the lip-sync alone; idle life (blinks, gaze, breathing)
runs as usual on the other channels. The voice is the bench-size VITS voice when ``~/.cache/companion/bench-models``
has it (``companion bench latency`` builds it), else the tiny offline voice; the output names which. The
benchmark's mosquitto runs with ``set_tcp_nodelay true``: without it, Nagle's algorithm on the broker's side meets
the controller's delayed ACKs and holds frames back about 40 ms each time the controller publishes its status.
The numbers are the machine's: on a loaded machine, scheduler stalls show up in every measure.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from companion.agent.clauses import ClauseChunker
from companion.agent.config.schema import FaceConfig
from companion.core.clock import LoopClock
from companion.core.errors import CompanionError
from companion.core.mqtt import MqttLink
from companion.face.animator import FaceAnimator
from companion.face.config import ControllerConfig
from companion.face.controller.rig import Rig, load_rig
from companion.face.protocol import DEFAULT_LAYOUT, Topics, decode_frame
from companion.face.publisher import FacePublisher
from companion.speech.playout import Playout
from companion.speech.sinks import NullSink
from companion.speech.tts.piper import PiperTTS
from companion.speech.types import SpeechAudio
from companion.tools.bench.cpu_load import cpu_load
from companion.tools.bench.face_analysis import (
    AV_TARGET_MS,
    JITTER_TARGET_MS,
    FaceBenchResult,
    FaceRun,
    PlayedClause,
    analyse,
)
from companion.tools.bench.face_controller_process import (
    ControllerProcess,
    bench_config,
)
from companion.tools.mosquitto import LocalMosquitto, start_mosquitto

# A museum guide's lines: varied English so the onsets cover every viseme group, stress and pauses.
SENTENCES = (
    "Welcome to the museum of natural history.",
    "The dinosaurs are on the first floor, right next to the big whale skeleton.",
    "Would you like to see the fossils first, or the meteorite?",
    "This tooth belonged to a giant shark that lived millions of years ago.",
    "Please don't touch the glass, but feel free to take pictures.",
    "The butterfly garden opens at ten, and it is very warm inside.",
    "Our planetarium shows the night sky over the city, as it looked a thousand years ago.",
    "Thank you for visiting. Have a wonderful afternoon!",
    "Zebras, giraffes and elephants share the savanna hall on the second floor.",
    "Did you know that an octopus has three hearts and blue blood?",
    "Follow the yellow footprints to find the cafeteria and the gift shop.",
    "Children under twelve may join the free workshop at half past two.",
)
SENTENCES_PER_REPLY = 2  # each reply is cut into clauses and scheduled back to back, as the responder does
LEAD_IN_S = 0.6  # frames flow this long before the first reply, so the controller follows (its ramp is 150 ms)
REPLY_PAUSE_S = 0.4  # silence between replies: the mouth starts from rest again


# --- the agent's side ---------------------------------------------------------------------------------------------


class _SendRecorder(MqttLink):
    """The agent's link, noting each frame it sends: wall ms just before the send, and the payload."""

    def __init__(self, *args: Any, clock: LoopClock, frames_topic: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock
        self._frames_topic = frames_topic
        self.sent: list[tuple[float, bytes]] = []

    async def publish(self, topic: str, payload: bytes, qos: int = 0) -> bool:
        if topic != self._frames_topic:
            return await super().publish(topic, payload, qos)
        sent_ms = self._clock.wall_ms()
        ok = await super().publish(topic, payload, qos)
        if ok:
            self.sent.append((sent_ms, payload))
        return ok


def choose_voice(workdir: Path) -> tuple[Path, str]:
    """The bench-size VITS voice if it is cached, else the tiny offline voice built in ``workdir``."""
    from companion.speech.tts.piper import is_voice
    from companion.tools.bench import DEFAULT_BENCH_MODELS
    from companion.tools.bench.models import TTS_FILE

    cached = DEFAULT_BENCH_MODELS.expanduser() / TTS_FILE
    if is_voice(cached):
        return cached, "bench-size VITS voice (random weights)"
    from companion.tools.tiny.piper_voice import make_tiny_piper_voice

    return make_tiny_piper_voice(workdir / "tiny-voice.onnx"), "tiny offline voice"


def reply_texts() -> Iterator[str]:
    """Replies of ``SENTENCES_PER_REPLY`` sentences, cycling through ``SENTENCES`` for as long as asked."""
    for index in itertools.count(step=SENTENCES_PER_REPLY):
        yield " ".join(SENTENCES[(index + k) % len(SENTENCES)] for k in range(SENTENCES_PER_REPLY))


async def synthesize_replies(tts: PiperTTS, seconds: float) -> list[list[SpeechAudio]]:
    """Replies cut into clauses as the responder cuts them (``ClauseChunker``), synthesized until ``seconds``."""
    replies: list[list[SpeechAudio]] = []
    total = 0.0
    for text in reply_texts():
        if total >= seconds:
            break
        chunker = ClauseChunker()
        reply: list[SpeechAudio] = []
        for clause in [*chunker.feed(text), *chunker.close()]:
            if total >= seconds:
                break
            speech = await tts.synthesize(clause)
            if speech.duration_s <= 0 or not speech.phonemes:
                raise CompanionError(f"the voice {tts.voice_path} produced no audio or no alignment for {clause!r}")
            reply.append(speech)
            total += speech.duration_s
        replies.append(reply)
    return replies


def _hop_ms(voice_path: Path, sample_rate: int) -> float:
    config = json.loads(Path(f"{voice_path}.json").read_text(encoding="utf-8"))
    hop = int(config.get("hop_length", 256))  # piper's voices leave it out: their decoders all use 256
    return 1000.0 * hop / sample_rate


async def _speak(
    replies: list[list[SpeechAudio]],
    publisher: FacePublisher,
    animator: FaceAnimator,
    clock: LoopClock,
    lookahead_s: float,
    rig: Rig,
) -> list[PlayedClause]:
    """Publish frames while the replies play on a real playout timeline; returns the clauses as placed."""
    playout = Playout(clock, NullSink(), replies[0][0].sample_rate)
    tasks = [
        asyncio.create_task(publisher.run(), name="face-bench-frames"),
        asyncio.create_task(playout.run(), name="face-bench-playout"),
    ]
    played: list[PlayedClause] = []
    try:
        await asyncio.sleep(LEAD_IN_S)
        for utterance_id, reply in enumerate(replies, start=1):
            animator.set_conversation_state("speaking", clock.now())
            for speech in reply:  # as the responder does: on the timeline no earlier than one lookahead out
                clause = playout.schedule(utterance_id, speech, clock.now() + lookahead_s)
                animator.add_speech(utterance_id, speech.phonemes, clause.start_t)
                played.append(
                    PlayedClause(utterance_id, clock.wall_ms(clause.start_t), speech.duration_s, tuple(speech.phonemes))
                )
            playout.close(utterance_id)
            await _until_played(playout, utterance_id, tasks[1])
            animator.set_conversation_state("idle", clock.now())
            await asyncio.sleep(REPLY_PAUSE_S)
        # Frames for the end of the last reply went out a lookahead ago; let the controller play them.
        await asyncio.sleep(lookahead_s + rig.latency_ms / 1000.0)
    finally:
        errors = [await _cancel(task) for task in tasks]
    for error in errors:  # a frame loop or playout that failed on the way makes the run worthless
        if error is not None:
            raise error
    return played


async def _cancel(task: asyncio.Task[None]) -> BaseException | None:
    """Cancel until it is done, and return what it failed with. Until done: on Python 3.11 ``asyncio.wait_for``
    (inside aiomqtt's publish) can swallow a cancellation that coincides with the publish completing, and the frame
    loop would then run on forever."""
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=0.1)
    return None if task.cancelled() else task.exception()


async def _until_played(playout: Playout, utterance_id: int, writer: asyncio.Task[None]) -> None:
    """Wait for the utterance to finish playing, or for the playout's writer task to fail (raised, not waited on)."""
    played = asyncio.ensure_future(playout.wait_done(utterance_id))
    await asyncio.wait([played, writer], return_when=asyncio.FIRST_COMPLETED)
    if not played.done():
        played.cancel()
        error = None if writer.cancelled() else writer.exception()
        raise CompanionError(f"the playout stopped before utterance {utterance_id} was played: {error!r}")


async def collect_face_run(
    seconds: float,
    rate_hz: int,
    voice_path: Path | None = None,
    *,
    lookahead_ms: int | None = None,
    rig: str = "sample",
    load: int = 0,
    priority: int | None = ControllerConfig().realtime_priority,
) -> FaceRun:
    """Play ``seconds`` of speech through the real face path and return what was recorded on both sides."""
    if not seconds > 0:
        raise CompanionError(f"--seconds must be positive, got {seconds:g}")
    if not 10 <= rate_hz <= 100:
        raise CompanionError(f"--rate must be between 10 and 100 Hz (face.rate_hz), got {rate_hz}")
    face = FaceConfig(rate_hz=rate_hz, encoding="binary")
    if lookahead_ms is not None:
        face.lookahead_ms = lookahead_ms
    loaded_rig = load_rig(rig)
    with tempfile.TemporaryDirectory(prefix="companion-face-bench-") as folder:
        workdir = Path(folder)
        broker = await asyncio.to_thread(start_mosquitto, workdir)
        try:
            rig_name = str(loaded_rig.source or rig)
            controller = await ControllerProcess.start(broker.host, broker.port, rig_name, workdir, priority)
            try:
                with cpu_load(load) as spinning:
                    run = await _drive_agent(seconds, face, voice_path, loaded_rig, broker, controller)
                    load_1m = os.getloadavg()[0]
                run.load_processes, run.load_1m = spinning, round(load_1m, 2)
                return run
            finally:
                await controller.close()
        finally:
            broker.stop()


async def _drive_agent(
    seconds: float,
    face: FaceConfig,
    voice_path: Path | None,
    rig: Rig,
    broker: LocalMosquitto,
    controller: ControllerProcess,
) -> FaceRun:
    if voice_path is None:
        voice_path, voice = await asyncio.to_thread(choose_voice, controller.result.parent)
    else:
        voice = voice_path.name
    tts = PiperTTS(voice_path)
    try:
        replies = await synthesize_replies(tts, seconds)  # meanwhile the controller's process starts
    finally:
        await tts.close()
    await controller.wait_ready()

    config = bench_config(broker.host, broker.port, face)
    topics = Topics(config.robot.id)
    clock = LoopClock()
    link = _SendRecorder(
        broker.host,
        broker.port,
        name="face-bench-agent",
        will=FacePublisher.will(topics),
        clock=clock,
        frames_topic=topics.frames,
    )
    animator = FaceAnimator(seed=0)
    publisher = FacePublisher(link, topics, animator, clock, config.face)
    await link.connect()
    try:
        await publisher.announce()
        started_ms = clock.wall_ms()
        played = await _speak(replies, publisher, animator, clock, face.lookahead_ms / 1000.0, rig)
        ended_ms = clock.wall_ms()
        detail = await controller.finish()
    finally:
        await publisher.close()

    frames = [decode_frame(payload) for _, payload in link.sent]
    probe_loop_t, probe_wall_ms = detail["clock_probe"]
    return FaceRun(
        voice=voice,
        hop_ms=_hop_ms(voice_path, tts.sample_rate),
        rate_hz=face.rate_hz,
        output_rate_hz=config.controller.output_rate_hz,
        lookahead_ms=float(face.lookahead_ms),
        latency_ms=float(rig.latency_ms),
        rig=rig.name,
        clauses=played,
        sent_ms=np.array([sent for sent, _ in link.sent], dtype=np.float64),
        seqs=np.array([f.seq for f in frames], dtype=np.int64),
        pts_ms=np.array([f.pts_ms for f in frames], dtype=np.float64),
        values=np.stack([f.values for f in frames]) if frames else np.zeros((0, len(DEFAULT_LAYOUT.channels))),
        arrivals=list(detail["arrivals"]),
        tick_ms=detail["tick_ms"],
        tick_channels=detail["tick_channels"],
        tick_utterances=detail["tick_utterances"],
        tick_following=detail["tick_following"],
        controller_stats=detail["stats"],
        publisher_overruns=publisher.stats.overruns,
        started_ms=started_ms,
        ended_ms=ended_ms,
        clock_skew_ms=float(probe_wall_ms - clock.wall_ms(probe_loop_t)),
        scheduling=str(detail.get("scheduling", "normal")),
    )


async def run_face_bench(
    seconds: float,
    rate_hz: int,
    voice_path: Path | None = None,
    *,
    load: int = 0,
    priority: int | None = ControllerConfig().realtime_priority,
    lookahead_ms: int | None = None,
) -> FaceBenchResult:
    """One run, measured: what ``companion bench face`` prints."""
    run = await collect_face_run(seconds, rate_hz, voice_path, load=load, priority=priority, lookahead_ms=lookahead_ms)
    return analyse(run)


# --- output -------------------------------------------------------------------------------------------------------


def _ms(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.2f} ms" if signed else f"{value:.2f} ms"


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report_lines(r: FaceBenchResult) -> list[str]:
    """The readable report."""
    return [
        f"face timing over {r.speech_s:.1f} s of speech ({r.clauses} clauses, {r.onsets} mouth onsets), "
        f"frames at {r.rate_hz} Hz, controller output at {r.output_rate_hz} Hz",
        f"  setup          {r.voice} (decoder hop {r.hop_ms:.1f} ms); rig {r.rig}, latency {r.latency_ms:g} ms; "
        f"lookahead {r.lookahead_ms:g} ms; mosquitto on loopback, controller in its own process",
        f"  frames         published {r.frames_published}, received {r.frames_received}, dropped {r.frames_dropped}, "
        f"late {r.frames_late}, played {r.frames_played}",
        f"  overruns       publisher {r.publisher_overruns}, controller ticks {r.tick_overruns} "
        f"(of {r.controller_ticks})",
        f"  delivery       p50 {_ms(r.delivery_p50_ms)}  p99 {_ms(r.delivery_p99_ms)}  max {_ms(r.delivery_max_ms)}"
        f"   (agent publish -> controller receive; least headroom before the playhead {_ms(r.headroom_min_ms)})",
        f"  output jitter  p50 {_ms(r.jitter_p50_ms)}  p99 {_ms(r.jitter_p99_ms)}  max {_ms(r.jitter_max_ms)}"
        f"   (target p99 <= {JITTER_TARGET_MS:g} ms: {_verdict(r.targets['jitter_p99'])}; "
        f"agent send jitter p99 {_ms(r.publish_jitter_p99_ms)})",
        f"  A/V offset     p50 {_ms(r.av_offset_p50_ms, True)}  |p99| {_ms(r.av_offset_abs_p99_ms)}"
        f"   (mouth onset as shown - phoneme onset as played, negative = mouth early; target |p99| <= "
        f"{AV_TARGET_MS:g} ms: {_verdict(r.targets['av_offset_abs_p99'])}; {r.av_onsets} onsets, "
        f"{r.av_onsets_missed} missed)",
        f"    as published p50 {_ms(r.published_offset_p50_ms, True)}  |p99| {_ms(r.published_offset_abs_p99_ms)}"
        f"   (the frames' own onsets)   transport shift p50 {_ms(r.transport_shift_p50_ms, True)}  "
        f"|p99| {_ms(r.transport_shift_abs_p99_ms)}   (shown - published)",
        f"  viseme onset   p50 {_ms(r.viseme_onset_p50_ms)}  p99 {_ms(r.viseme_onset_p99_ms)}"
        f"   (|animator - alignment| on the {r.rate_hz} Hz grid; target <= one hop, {r.hop_ms:.1f} ms: "
        f"{_verdict(r.targets['viseme_onset_p99'])}; {r.viseme_onsets} onsets)",
        f"  clocks         controller minus agent epoch offset {r.clock_skew_ms:+.4f} ms",
        f"  machine        controller scheduling {r.scheduling}; {r.load_processes} busy processes beside it "
        f"(--load); load average {r.load_1m:g}",
    ]


async def main(args: argparse.Namespace) -> int:
    priority = None if args.normal_priority else ControllerConfig().realtime_priority
    result = await run_face_bench(
        float(args.seconds), int(args.rate), load=int(args.load), priority=priority, lookahead_ms=args.lookahead_ms
    )
    if args.json:
        print(json.dumps(asdict(result)))
    else:
        print("\n".join(report_lines(result)))
    return 0
