"""The controller's counters and its retained status message.

Operators debug a silent face from the status topic alone: is the controller up, which driver and rig, are frames
arriving, are they late (clock skew, too little lookahead), malformed (a wrong layout), flushed, did the watchdog
trip. The same counters are the ``stats`` of the programmatic API.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from companion.face.protocol import encode_status


@dataclass
class ControllerStats:
    driver: str = ""
    rig: str = ""
    frames_received: int = 0  # frames that decoded (whatever happened to them next)
    frames_played: int = 0  # entered the buffer
    frames_late: int = 0  # pts already behind the playhead on arrival
    frames_duplicate: int = 0
    frames_clamped: int = 0  # had channel values outside the channel's range (clamped, still played)
    frames_overflow: int = 0  # evicted from a full buffer
    frames_flushed: int = 0  # dropped by flush / neutral commands and agent offline
    malformed: int = 0  # frames, layouts, commands, statuses or audio that did not decode; too-early frames
    frames_unknown_layout: int = 0  # frames of a layout not announced (yet): dropped, the layout asked for
    commands: int = 0
    layouts: int = 0  # layout announcements accepted
    layout_id: int = 0  # the newest announced layout (frames decode against the layout whose id they carry)
    layout_wanted: int = 0  # the id of a layout frames arrive in but that was not announced; 0: none
    watchdog_trips: int = 0
    agent_offline: int = 0  # offline statuses (or last-wills) of the agent seen
    slew_limited_ticks: int = 0
    ticks: int = 0
    tick_overruns: int = 0  # output ticks that started more than one period late
    driver_errors: int = 0
    reconnects: int = 0
    mirror: bool = False
    gaze_yaw: float = 0.0
    gaze_pitch: float = 0.0
    following: bool = False  # showing frames (False: at or easing to neutral)
    agent: str = "unknown"  # the agent's last status: online, offline or unknown
    last_error: str = ""  # the newest dropped message or driver error, for operators

    def snapshot(self) -> ControllerStats:
        return ControllerStats(**asdict(self))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def status_payload(state: Literal["online", "offline"], stats: ControllerStats, **extra: Any) -> bytes:
    """The retained ``face/status`` message: the state, then every counter."""
    return encode_status(state, **stats.as_dict(), **extra)
