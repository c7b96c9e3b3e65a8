"""Presence: is a visitor here, are they engaging with the robot, have they left? With hysteresis both ways.

A face that flickers in and out for a frame is not a visitor arriving, and a visitor who looks away for a moment
has not left. ``PresenceTracker`` turns the per-frame "a face is in view" into three states:

* ``absent`` -> ``present`` once a face has been in view for ``arrive_s`` (someone stopped in front of the robot);
* ``present`` -> ``engaged`` once the face has also been near enough (``min_face_size`` of the frame's width) and
  turned toward the robot (within ``facing_deg`` of yaw) for ``engage_s``; back to ``present`` when either stops
  for ``engage_s``;
* ``present``/``engaged`` -> ``absent`` once no face has been in view for ``leave_s``: the visitor has left.

Each change is reported once, with the time the condition began (not when it was confirmed). Pure logic on explicit
times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PresenceState = Literal["absent", "present", "engaged"]
PresenceChange = Literal["arrived", "engaged", "disengaged", "left"]


@dataclass(frozen=True)
class PresenceEvent:
    change: PresenceChange
    t: float  # when it began (the first frame of the new condition)
    confirmed_t: float  # when the hysteresis confirmed it


class PresenceTracker:
    def __init__(
        self,
        arrive_s: float = 0.5,
        engage_s: float = 1.0,
        leave_s: float = 3.0,
        min_face_size: float = 0.08,
        facing_deg: float = 30.0,
    ) -> None:
        self.arrive_s = arrive_s
        self.engage_s = engage_s
        self.leave_s = leave_s
        self.min_face_size = min_face_size
        self.facing_deg = facing_deg
        self._clear()

    def _clear(self) -> None:
        self.state: PresenceState = "absent"
        self._seen_since: float | None = None  # a face has been in view since
        self._unseen_since: float | None = None  # no face has been in view since
        self._engaging_since: float | None = None
        self._not_engaging_since: float | None = None

    def update(
        self, t: float, face_in_view: bool, face_size: float | None = None, yaw_deg: float | None = None
    ) -> list[PresenceEvent]:
        if face_in_view:
            self._unseen_since = None
            self._seen_since = t if self._seen_since is None else self._seen_since
        else:
            self._seen_since = None
            self._unseen_since = t if self._unseen_since is None else self._unseen_since
        engaging = (
            face_in_view
            and (face_size is None or face_size >= self.min_face_size)
            and (yaw_deg is None or abs(yaw_deg) <= self.facing_deg)
        )
        if engaging:
            self._not_engaging_since = None
            self._engaging_since = t if self._engaging_since is None else self._engaging_since
        else:
            self._engaging_since = None
            self._not_engaging_since = t if self._not_engaging_since is None else self._not_engaging_since

        events: list[PresenceEvent] = []
        if self.state == "absent":
            if self._seen_since is not None and t - self._seen_since >= self.arrive_s:
                self.state = "present"
                events.append(PresenceEvent("arrived", self._seen_since, t))
        elif self._unseen_since is not None and t - self._unseen_since >= self.leave_s:
            self.state = "absent"
            events.append(PresenceEvent("left", self._unseen_since, t))
            self._engaging_since = self._not_engaging_since = None
            return events
        if self.state == "present" and self._engaging_since is not None and t - self._engaging_since >= self.engage_s:
            self.state = "engaged"
            events.append(PresenceEvent("engaged", self._engaging_since, t))
        elif (
            self.state == "engaged"
            and self._not_engaging_since is not None
            and t - self._not_engaging_since >= self.engage_s
        ):
            self.state = "present"
            events.append(PresenceEvent("disengaged", self._not_engaging_since, t))
        return events

    def reset(self, t: float) -> list[PresenceEvent]:
        """Forget the visitor now (a ``new_visitor`` command): whoever is in view must arrive again."""
        was = self.state
        self._clear()
        return [] if was == "absent" else [PresenceEvent("left", t, t)]
