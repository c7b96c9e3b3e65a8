"""The face-controller service: face protocol in, actuator positions out, safely.

``FacePipeline`` is the logic with explicit times and no I/O: it decodes messages (counting and dropping the
malformed), buffers frames, and on every output tick samples the buffer at the playhead (wall time plus the rig's
actuator latency), lets the ``Supervisor`` choose between the frames and neutral, adds the gaze offset, mixes the
channels into actuator positions, clamps and slew-limits them. ``FaceController`` wraps it in the service: an MQTT
link (subscriptions, retained status, last-will), an output loop at ``controller.output_rate_hz``, a status
refresh every second, and an orderly shutdown (ease to neutral, close the driver, publish "offline").

Decisions (docs/PROTOCOL.md has the normative text):

* Frames are decoded against the layout whose id they carry (``LayoutBook``: the default layout and the recent
  announcements), then re-ordered by channel name into the controller's own layout, so a new announcement never
  invalidates buffered frames and a bogus one (even retained) cannot disable the face: frames of a layout it
  does not know are dropped and the layout is asked for (``layout_wanted`` in the status), which the agent
  answers by announcing it again.
* Malformed messages are counted and dropped with rate-limited logging (``DropCounter``): a flood of them costs
  a few microseconds each, not a traceback each.
* A channel value outside its channel's range is clamped and the frame still plays (counted in
  ``frames_clamped``): float16 rounding and animator overshoot make small excursions normal, and the rig clamps
  every actuator again anyway. Non-finite values, a wrong layout or a bad length make the frame malformed.
* Only frames accepted into the buffer feed the watchdog, so a stream that arrives but is entirely late (clock
  skew) still trips it.
* ``flush`` also remembers the utterance (the last ``FLUSHED_REMEMBERED``): its frames still in flight when the
  command arrives are dropped too, so nothing of a cancelled reply plays afterwards.
* ``look_at`` adds yaw/pitch degrees to the eye channels; what the eyes cannot reach turns the head. It is
  applied to the frames (not to neutral) and cleared by ``neutral``, agent offline and ``look_at 0 0``.
  ``mirror`` is recorded in the status only: the agent does the mirroring in the frames it sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from typing import Any

import numpy as np

from companion.core.clock import Clock, LoopClock
from companion.core.decoding import MalformedPayloadError, get_str
from companion.core.drops import DropCounter
from companion.core.mqtt import MqttLink
from companion.core.tasks import TaskSet
from companion.face.config import ControllerConfig, ControllerSections
from companion.face.controller.jitter import BufferedFrame, Insert, JitterBuffer
from companion.face.controller.rig import Rig
from companion.face.controller.safety import SlewLimiter, Stop, Supervisor
from companion.face.controller.status import ControllerStats, status_payload
from companion.face.drivers.base import Driver, OutputTick
from companion.face.protocol import (
    DEFAULT_LAYOUT,
    ChannelLayout,
    Command,
    LayoutBook,
    ProtocolError,
    Topics,
    UnknownLayoutError,
    decode_audio,
    decode_frame,
    decode_status,
    encode_status,
)

log = logging.getLogger(__name__)

RESUME_RAMP_MS = 150.0  # fast enough not to lose the first syllable, slow enough not to jolt the motors
STATUS_INTERVAL_S = 1.0
FLUSHED_REMEMBERED = 64  # flushed utterance ids whose stragglers are still dropped
BUFFER_CAPACITY = 512  # frames: over 5 s at 100 Hz, far beyond any sane lookahead
GAZE_AXES = (("eyeYaw", "headYaw"), ("eyePitch", "headPitch"))


class FacePipeline:
    """What the controller does with one message or one output tick. Times are epoch ms passed in."""

    def __init__(
        self,
        rig: Rig,
        settings: ControllerConfig,
        *,
        layout: ChannelLayout = DEFAULT_LAYOUT,
        driver_name: str = "",
        ramp_ms: float = RESUME_RAMP_MS,
        capacity: int = BUFFER_CAPACITY,
    ) -> None:
        self.rig = rig
        self.layout = layout  # the controller's own channel order, also what drivers receive
        self.mixer = rig.mixer(layout)
        self.latency_ms = rig.latency_ms
        self.stats = ControllerStats(driver=driver_name, rig=rig.name, layout_id=DEFAULT_LAYOUT.layout_id)
        self.buffer = JitterBuffer(capacity, hold_ms=settings.watchdog_ms)
        self.supervisor = Supervisor(
            layout.neutral_values(), watchdog_ms=settings.watchdog_ms, ease_ms=settings.neutral_ease_ms, ramp_ms=ramp_ms
        )
        period_ms = 1000.0 / settings.output_rate_hz
        self.slew = SlewLimiter(rig.neutral_positions(), self.mixer.max_slew, max_dt_ms=2 * period_ms)
        self._low = np.array([c.minimum for c in layout.channels], dtype=np.float32)
        self._high = np.array([c.maximum for c in layout.channels], dtype=np.float32)
        self._index = layout.index()
        self.layouts = LayoutBook()
        self._remaps: dict[int, tuple[np.ndarray, np.ndarray] | None] = {}
        self.gaze = (0.0, 0.0)
        self.mirror = False
        self._flushed: OrderedDict[int, None] = OrderedDict()
        self.drops = DropCounter(log)

    # --- incoming messages ----------------------------------------------------------------------------------------

    def playhead(self, now_ms: float) -> float:
        """The pts to command at wall time ``now_ms``: frames play at their pts minus the actuator latency."""
        return now_ms + self.latency_ms

    def on_frame(self, payload: bytes, now_ms: float) -> Insert | None:
        try:
            frame = decode_frame(payload, self.layouts)
        except UnknownLayoutError as error:
            self.stats.frames_unknown_layout += 1
            if self.stats.layout_wanted != error.layout_id:
                log.warning("frames arrive in layout %#010x, which was not announced: asking for it", error.layout_id)
            self.stats.layout_wanted = error.layout_id
            return None
        except ProtocolError as error:
            self.count_malformed("frame", error)
            return None
        self.stats.frames_received += 1
        if frame.utterance_id in self._flushed:
            self.stats.frames_flushed += 1
            return Insert.FLUSHED
        values = self._to_own_layout(frame.values, frame.layout_id)
        clamped = np.clip(values, self._low, self._high)
        if np.any(clamped != values):
            self.stats.frames_clamped += 1
        result = self.buffer.insert(
            BufferedFrame(frame.pts_ms, frame.seq, frame.utterance_id, clamped), self.playhead(now_ms)
        )
        if result in (Insert.ADDED, Insert.REPLACED):
            self.stats.frames_played += 1
            self.supervisor.frame_arrived(now_ms)
        elif result is Insert.LATE:
            self.stats.frames_late += 1
        elif result is Insert.DUPLICATE:
            self.stats.frames_duplicate += 1
        elif result is Insert.TOO_EARLY:
            self.count_malformed("frame", f"pts {frame.pts_ms:.0f} is more than {self.buffer.max_ahead_ms:g} ms ahead")
        self.stats.frames_overflow = self.buffer.overflowed
        return result

    def on_layout(self, payload: bytes) -> bool:
        try:
            layout = ChannelLayout.from_json(payload)
        except ProtocolError as error:
            self.count_malformed("layout", error)
            return False
        if layout.layout_id not in self._remaps:
            unknown = [n for n in layout.names if n not in self._index]
            if unknown:
                log.warning("the announced layout has channels this controller ignores: %s", ", ".join(unknown[:8]))
        self.layouts.add(layout)
        self._remaps = {i: r for i, r in self._remaps.items() if i in self.layouts}
        self._remaps[layout.layout_id] = self._remap_for(layout)
        self.stats.layouts += 1
        self.stats.layout_id = layout.layout_id
        if self.stats.layout_wanted == layout.layout_id:
            self.stats.layout_wanted = 0
            log.warning("layout %#010x announced: following its frames", layout.layout_id)
        return True

    def on_command(self, payload: bytes, now_ms: float) -> Command | None:
        try:
            command = Command.decode(payload)
        except ProtocolError as error:
            self.count_malformed("command", error)
            return None
        self.stats.commands += 1
        if command.cmd == "flush":
            self.stats.frames_flushed += self.buffer.flush(command.utterance_id)
            if command.utterance_id != 0:  # 0 is "not speaking": idle frames keep coming under it
                self._flushed[command.utterance_id] = None
                while len(self._flushed) > FLUSHED_REMEMBERED:
                    self._flushed.popitem(last=False)
        elif command.cmd == "resume":
            self._flushed.pop(command.utterance_id, None)  # the pause was a false alarm: its new frames count
        elif command.cmd == "neutral":
            self.stop(Stop.NEUTRAL_COMMAND, now_ms)
        elif command.cmd == "mirror":
            self.mirror = self.stats.mirror = command.on
        elif command.cmd == "look_at":
            self.gaze = (command.yaw, command.pitch)
            self.stats.gaze_yaw, self.stats.gaze_pitch = command.yaw, command.pitch
        return command

    def on_agent_status(self, payload: bytes, now_ms: float) -> dict[str, Any] | None:
        """Returns the decoded status (None when malformed)."""
        try:
            status = decode_status(payload)
            reason = get_str(status, "reason", "", max_length=80)
        except MalformedPayloadError as error:  # ProtocolError, or a detail of the wrong type
            self.count_malformed("agent status", error)
            return None
        state = status["state"]
        if state != self.stats.agent:
            # Operators read these lines to tell a silent face from a missing agent.
            level = logging.WARNING if state == "offline" and reason != "shutdown" else logging.INFO
            log.log(level, "agent %s%s", state, f" ({reason})" if reason else "")
        self.stats.agent = state
        if state == "offline":
            self.stats.agent_offline += 1
            self.stop(Stop.AGENT_OFFLINE, now_ms)
        return status

    def on_audio(self, payload: bytes, driver: Driver) -> None:
        try:
            packet = decode_audio(payload)
        except ProtocolError as error:
            self.count_malformed("audio packet", error)
            return
        driver.on_audio(packet)

    def stop(self, reason: Stop, now_ms: float) -> None:
        """Drop every buffered frame and ease to neutral (neutral command, agent offline, shutdown)."""
        self.stats.frames_flushed += self.buffer.flush()
        self.gaze = (0.0, 0.0)
        self.stats.gaze_yaw = self.stats.gaze_pitch = 0.0
        self.supervisor.stop(reason, now_ms)

    def count_malformed(self, what: str, error: object) -> None:
        self.stats.malformed += 1
        self.drops.drop(what, error)
        self.stats.last_error = self.drops.last

    def _remap_for(self, layout: ChannelLayout) -> tuple[np.ndarray, np.ndarray] | None:
        """Index arrays (from announced, to own) or None when the layouts match."""
        if layout.names == self.layout.names:
            return None
        pairs = [(i, self._index[name]) for i, name in enumerate(layout.names) if name in self._index]
        source = np.array([i for i, _ in pairs], dtype=np.intp)
        target = np.array([j for _, j in pairs], dtype=np.intp)
        return source, target

    def _to_own_layout(self, values: np.ndarray, layout_id: int) -> np.ndarray:
        if layout_id not in self._remaps:
            layout = self.layouts.get(layout_id)
            self._remaps[layout_id] = self._remap_for(layout) if layout is not None else None
        remap = self._remaps[layout_id]
        if remap is None:
            return values.astype(np.float32, copy=True)
        source, target = remap
        out = self.layout.neutral_values()
        out[target] = values[source]
        return out

    # --- output ---------------------------------------------------------------------------------------------------

    def tick(self, now_ms: float) -> OutputTick:
        sample = self.buffer.sample(self.playhead(now_ms))
        target = self._with_gaze(sample.values) if sample is not None else None
        channels = self.supervisor.step(target, now_ms)
        positions = np.clip(self.slew.step(self.mixer.positions(channels), now_ms), self.mixer.low, self.mixer.high)
        following = self.supervisor.following
        self.stats.ticks += 1
        self.stats.following = following
        self.stats.watchdog_trips = self.supervisor.watchdog_trips
        self.stats.slew_limited_ticks = self.slew.limited_ticks
        utterance = sample.utterance_id if sample is not None and following else 0
        return OutputTick(now_ms, channels, self.rig.positions_by_name(positions), utterance)

    def _with_gaze(self, values: np.ndarray) -> np.ndarray:
        if self.gaze == (0.0, 0.0):
            return values
        out = values.copy()
        for (eye, head), offset in zip(GAZE_AXES, self.gaze, strict=True):
            rest = offset
            if eye in self._index:
                i = self._index[eye]
                wanted = out[i] + offset
                out[i] = np.clip(wanted, self._low[i], self._high[i])
                rest = wanted - out[i]
            if head in self._index and rest:
                j = self._index[head]
                out[j] = np.clip(out[j] + rest, self._low[j], self._high[j])
        return out


class FaceController:
    """The running service: ``await start()`` (raises ``BrokerUnreachableError``), ``await stop()``, ``stats``."""

    def __init__(
        self,
        config: ControllerSections,
        driver: Driver,
        rig: Rig,
        *,
        clock: Clock | None = None,
        status_interval_s: float = STATUS_INTERVAL_S,
        ramp_ms: float = RESUME_RAMP_MS,
    ) -> None:
        self.config = config
        self.settings = config.controller
        self.driver = driver
        self.rig = rig
        self.topics = Topics(config.robot.id)
        self.pipeline = FacePipeline(rig, self.settings, driver_name=driver.name, ramp_ms=ramp_ms)
        self.status_interval_s = status_interval_s
        self.link: MqttLink | None = None
        self._clock = clock
        self._loops = TaskSet("face-controller")
        self._driver_open = False
        self._driver_error_logged = False
        self._resting: asyncio.Event | None = None  # set by the output loop once the face rests at shutdown
        self.agent_online: bool | None = None  # None: no agent status seen yet
        self._status_now = asyncio.Event()

    @property
    def latency_ms(self) -> float:
        """What the status reports: the rig's latency plus the driver's own transport (a browser's, for the
        simulator). The agent fits its lookahead to it (face.lookahead_margin_ms)."""
        return self.rig.latency_ms + float(getattr(self.driver, "transport_latency_ms", 0.0))

    @property
    def stats(self) -> ControllerStats:
        stats = self.pipeline.stats.snapshot()
        if self.link is not None:
            stats.reconnects = self.link.reconnects
        return stats

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            self._clock = LoopClock()
        return self._clock

    async def start(self, *, wait_for_broker: bool = False) -> None:
        """Open the driver, start the output loop (the face rests at neutral) and connect. Raises
        ``BrokerAccessError`` when the broker refuses the login or TLS, and ``BrokerUnreachableError`` when it does
        not answer within ``broker.connect_timeout_s`` (with ``wait_for_broker``: waits for it instead)."""
        await self.driver.open(self.rig, self.pipeline.layout)
        self._driver_open = True
        subscriptions = [
            (self.topics.frames, 0),
            (self.topics.layout, 1),
            (self.topics.command, 1),
            (self.topics.agent_status, 1),
        ]
        if self.driver.wants_audio:
            subscriptions.append((self.topics.audio, 0))
        will = encode_status("offline", driver=self.driver.name, rig=self.rig.name, reason="connection lost")
        try:
            self.link = MqttLink.for_broker(
                self.config.broker,
                name=f"face-controller-{self.config.robot.id}",
                will=(self.topics.controller_status, will),
                subscriptions=tuple(subscriptions),
                on_message=self._on_message,
            )
            self._loops.spawn(self._output_loop(), "output")
            await self._publish_status()  # kept by the link and published as soon as it connects
            await self.link.connect(wait=wait_for_broker)
        except BaseException:
            if self.link is not None:
                await self.link.stop()
            await self._loops.cancel()
            await self._close_driver()
            raise
        self._loops.spawn(self._status_loop(), "status")

    async def stop(self) -> None:
        """Ease to neutral (bounded by ``neutral_ease_ms``), close the driver, publish "offline", disconnect."""
        if len(self._loops):
            self._resting = asyncio.Event()
            self.pipeline.stop(Stop.SHUTDOWN, self.clock.wall_ms())
            timeout = self.settings.neutral_ease_ms / 1000.0 + 2.0 / self.settings.output_rate_hz
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._resting.wait(), timeout)
            await self._loops.cancel()
        await self._close_driver()
        if self.link is not None:
            offline = status_payload("offline", self.stats, reason="shutdown")
            await self.link.stop(final_retained={self.topics.controller_status: offline})

    def _at_rest(self) -> bool:
        supervisor = self.pipeline.supervisor
        return not supervisor.following and bool(np.allclose(supervisor.shown, supervisor.neutral, atol=1e-4))

    async def _close_driver(self) -> None:
        if self._driver_open:
            self._driver_open = False
            await self.driver.close()

    def _on_message(self, topic: str, payload: bytes) -> None:
        now_ms = self.clock.wall_ms()
        pipeline = self.pipeline
        try:
            if topic == self.topics.frames:
                wanted = pipeline.stats.layout_wanted
                pipeline.on_frame(payload, now_ms)
                if pipeline.stats.layout_wanted != wanted:
                    self._status_now.set()  # ask for the layout now, not at the next refresh
            elif topic == self.topics.layout:
                pipeline.on_layout(payload)
            elif topic == self.topics.command:
                command = pipeline.on_command(payload, now_ms)
                if command is not None and command.cmd == "flush":
                    self.driver.on_flush(command.utterance_id)
                elif command is not None and command.cmd == "resume":
                    self.driver.on_resume(command.utterance_id)
            elif topic == self.topics.agent_status:
                self._agent_status(pipeline.on_agent_status(payload, now_ms))
            elif topic == self.topics.audio:
                pipeline.on_audio(payload, self.driver)
        except Exception as error:
            # A bug or a driver error must not end the subscription loop: count it, log it (rate-limited), go on.
            pipeline.count_malformed(f"message on {topic}", f"{type(error).__name__}: {error}")

    def _agent_status(self, status: dict[str, Any] | None) -> None:
        """Tell a driver that shows it (the simulator's status line) when the agent comes and goes."""
        if status is None:
            return
        online = status["state"] == "online"
        if online == self.agent_online:
            return
        self.agent_online = online  # the pipeline has logged the change
        hook = getattr(self.driver, "on_agent", None)
        if hook is not None:
            hook(online)

    async def _output_loop(self) -> None:
        clock = self.clock
        period = 1.0 / self.settings.output_rate_hz
        next_t = clock.now()
        while True:
            now = clock.now()
            if now - next_t > period:
                self.pipeline.stats.tick_overruns += 1
                next_t = now  # skip the missed ticks rather than rushing through them
            tick = self.pipeline.tick(clock.wall_ms(now))
            try:
                self.driver.write(tick)
            except Exception as error:
                self.pipeline.stats.driver_errors += 1
                self.pipeline.stats.last_error = f"driver: {type(error).__name__}: {error}"[:200]
                if not self._driver_error_logged:
                    self._driver_error_logged = True
                    log.exception("the %s driver failed to write a tick (later: counted only)", self.driver.name)
            if self._resting is not None and self._at_rest():
                self._resting.set()
            next_t += period
            await clock.sleep_until(next_t)

    async def _status_loop(self) -> None:
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._status_now.wait(), self.status_interval_s)
            self._status_now.clear()
            await self._publish_status()

    async def _publish_status(self) -> None:
        if self.link is not None:
            online = status_payload("online", self.stats, latency_ms=self.latency_ms)
            await self.link.set_retained(self.topics.controller_status, online)
