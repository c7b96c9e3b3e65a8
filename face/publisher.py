"""The agent's side of the face protocol: animates, publishes frames ahead of time, announces state.

Every ``1 / rate_hz`` seconds it samples the animator for the presentation time ``now + lookahead`` and
publishes that frame, so the controller has it before it must move the motors (it plays each frame at its pts
minus the rig's latency). It also keeps the retained messages (channel layout, current expression, agent
status with its last-will) and sends commands (flush an interrupted utterance's frames) and, for the web
simulator, the robot's voice with the same pts.

The layout is announced again every ``face.announce_interval_s``, when a face-controller comes online, and when a
controller's status asks for it (``layout_wanted``): a controller that missed the announcement, or met a bogus
retained one, is back on the agent's layout within a second or so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from companion.core.clock import Clock
from companion.core.decoding import MalformedPayloadError, get_float, get_int
from companion.core.drops import DropCounter
from companion.core.mqtt import MqttLink
from companion.face.animator import FaceAnimator
from companion.face.config import FaceConfig
from companion.face.emotions import EmotionState
from companion.face.protocol import (
    DEFAULT_LAYOUT,
    AudioPacket,
    ChannelLayout,
    Command,
    Frame,
    Topics,
    decode_status,
    encode_audio,
    encode_expression,
    encode_frame,
    encode_frame_json,
    encode_status,
)

log = logging.getLogger(__name__)

AUDIO_PACKET_S = 0.1
MAX_RIG_LATENCY_MS = 1000.0  # a controller's reported actuator latency above this is malformed


@dataclass
class PublisherStats:
    frames: int = 0
    dropped_offline: int = 0
    overruns: int = 0  # ticks that started late by more than one period
    announcements: int = 0  # layout and status announced (at start, periodically, and when a controller asks)


class FacePublisher:
    def __init__(
        self,
        link: MqttLink,
        topics: Topics,
        animator: FaceAnimator,
        clock: Clock,
        config: FaceConfig,
        layout: ChannelLayout = DEFAULT_LAYOUT,
    ) -> None:
        self.link = link
        self.topics = topics
        self.animator = animator
        self.clock = clock
        self.config = config
        self.layout = layout
        self.lookahead_s = config.lookahead_ms / 1000.0
        self.rig_latency_ms: float | None = None  # what the controller reports (its status' latency_ms)
        self.on_rig_latency: Callable[[float], None] | None = None
        self.stats = PublisherStats()
        self._seq = 0
        self._audio_seq = 0
        self._session = f"{int(time.time() * 1000):x}"
        # Called with (utterance_id, loop time) when the first frame of an utterance goes out.
        self.on_first_frame: Callable[[int, float], None] | None = None
        self._announced: set[int] = set()
        self._audio_order = asyncio.Lock()
        self._announce_now = asyncio.Event()
        self._controller_state = "unknown"
        self.drops = DropCounter(log)

    @staticmethod
    def subscriptions(topics: Topics) -> tuple[tuple[str, int], ...]:
        """What the agent's link subscribes to for the publisher: the controller's status."""
        return ((topics.controller_status, 1),)

    def on_message(self, topic: str, payload: bytes) -> None:
        """A message on one of ``subscriptions``: a controller that comes online or asks for a layout gets it."""
        if topic != self.topics.controller_status:
            return
        try:
            status = decode_status(payload)
            wanted = get_int(status, "layout_wanted", 0)
            online = status["state"] == "online"
            latency = get_float(status, "latency_ms", -1.0, maximum=MAX_RIG_LATENCY_MS) if online else -1.0
        except MalformedPayloadError as error:  # ProtocolError, or a detail of the wrong type
            self.drops.drop("controller status", error)
            return
        if latency >= 0 and latency != self.rig_latency_ms:
            self.rig_latency_ms = latency
            if self.on_rig_latency is not None:
                self.on_rig_latency(latency)
        state = status["state"]
        if (state == "online" and self._controller_state != "online") or wanted:
            self._announce_now.set()
        self._controller_state = state

    async def keep_announcing(self) -> None:
        """Announce the layout and status again periodically and whenever a controller needs them, until cancelled."""
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._announce_now.wait(), self.config.announce_interval_s)
            self._announce_now.clear()
            await self.announce()

    @staticmethod
    def will(topics: Topics) -> tuple[str, bytes]:
        return topics.agent_status, encode_status("offline", reason="connection lost")

    async def announce(self) -> None:
        """The retained state a controller needs on (re)connect; MqttLink re-publishes it after reconnects."""
        self.stats.announcements += 1
        await self.link.set_retained(self.topics.layout, self.layout.to_json(self.config.rate_hz, self.config.encoding))
        await self.link.set_retained(
            self.topics.agent_status, encode_status("online", session=self._session, rate_hz=self.config.rate_hz)
        )

    async def run(self) -> None:
        """Publish frames until cancelled."""
        period = 1.0 / self.config.rate_hz
        next_tick = self.clock.now()
        encode = encode_frame if self.config.encoding == "binary" else self._encode_json
        while True:
            await self.clock.sleep_until(next_tick)
            now = self.clock.now()
            pts_t = now + self.lookahead_s
            sample = self.animator.sample(pts_t)
            frame = Frame(self._seq, sample.utterance_id, self.clock.wall_ms(pts_t), sample.values)
            self._seq += 1
            if await self.link.publish(self.topics.frames, encode(frame)):
                self.stats.frames += 1
            else:
                self.stats.dropped_offline += 1
            if sample.utterance_id and sample.utterance_id not in self._announced:
                self._announced.add(sample.utterance_id)
                if self.on_first_frame is not None:
                    self.on_first_frame(sample.utterance_id, now)
            next_tick += period
            if next_tick < self.clock.now() - period:
                self.stats.overruns += 1
                next_tick = self.clock.now()  # fell behind: skip ahead rather than burst

    def _encode_json(self, frame: Frame) -> bytes:
        return encode_frame_json(frame, self.layout)

    async def show_expression(self, state: EmotionState, utterance_id: int, t: float) -> None:
        payload = encode_expression(state.emotion.value, state.intensity, utterance_id, self.clock.wall_ms(t))
        await self.link.set_retained(self.topics.expression, payload)

    async def flush(self, utterance_id: int) -> None:
        """Tell the controller to drop the frames of an utterance that was interrupted."""
        await self.link.publish(self.topics.command, Command("flush", utterance_id=utterance_id).encode(), qos=1)

    async def resume(self, utterance_id: int) -> None:
        """Tell the controller a flushed utterance goes on: its new frames are to be shown again."""
        await self.link.publish(self.topics.command, Command("resume", utterance_id=utterance_id).encode(), qos=1)

    async def publish_audio(self, utterance_id: int, samples: np.ndarray, sample_rate: int, start_t: float) -> None:
        """The robot's voice with its pts, for the web simulator (only when face.publish_audio is on)."""
        if not self.config.publish_audio:
            return
        # One clause at a time, in the order they were handed over (asyncio.Lock is first come, first served):
        # the simulator joins an utterance's chunks sample-exactly only when they arrive in order.
        async with self._audio_order:
            await self._publish_audio(utterance_id, samples, sample_rate, start_t)

    async def _publish_audio(self, utterance_id: int, samples: np.ndarray, sample_rate: int, start_t: float) -> None:
        step = int(AUDIO_PACKET_S * sample_rate)
        pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)
        for offset in range(0, len(pcm), step):
            packet = AudioPacket(
                utterance_id,
                self._audio_seq,
                self.clock.wall_ms(start_t + offset / sample_rate),
                sample_rate,
                pcm[offset : offset + step],
            )
            self._audio_seq += 1
            await self.link.publish(self.topics.audio, encode_audio(packet), qos=0)

    async def close(self) -> None:
        await self.link.stop({self.topics.agent_status: encode_status("offline", reason="shutdown")})


async def run_publisher_safely(publisher: FacePublisher) -> None:
    """Keep the frame loop alive through unexpected errors (logged), so the face never freezes for good."""
    while True:
        try:
            await publisher.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("face frame loop failed; restarting it")
            await asyncio.sleep(0.1)
