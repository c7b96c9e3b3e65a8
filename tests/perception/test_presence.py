"""Presence with hysteresis: arriving takes a moment, leaving takes longer, a flicker changes nothing."""

from __future__ import annotations

from companion.perception.presence import PresenceEvent, PresenceTracker


def feed(tracker: PresenceTracker, frames: list[tuple[float, bool]], **kwargs: float) -> list[PresenceEvent]:
    events: list[PresenceEvent] = []
    for t, seen in frames:
        events += tracker.update(t, seen, **kwargs)  # type: ignore[arg-type]
    return events


def timeline(pattern: str, step: float = 0.1) -> list[tuple[float, bool]]:
    """'.' no face, 'F' a face, one character per ``step`` seconds."""
    return [(i * step, char == "F") for i, char in enumerate(pattern)]


def test_a_visitor_arrives_engages_and_leaves_once_each() -> None:
    tracker = PresenceTracker(arrive_s=0.5, engage_s=1.0, leave_s=3.0)
    events = feed(tracker, timeline("." * 5 + "F" * 30 + "." * 40), face_size=0.2, yaw_deg=5.0)
    # Walking away: no longer engaged after a second, gone after three.
    assert [e.change for e in events] == ["arrived", "engaged", "disengaged", "left"]
    arrived, engaged, _, left = events
    assert arrived.t == 0.5 and arrived.confirmed_t >= 1.0  # began with the first face, confirmed after 0.5 s
    assert abs(engaged.t - 0.5) < 1e-9
    assert abs(left.t - 3.5) < 1e-9 and left.confirmed_t >= 6.5
    assert tracker.state == "absent"


def test_flickers_and_short_absences_change_nothing() -> None:
    tracker = PresenceTracker(arrive_s=0.5, leave_s=3.0)
    assert feed(tracker, timeline("F.F.F.F.F.")) == []  # never 0.5 s in a row
    events = feed(tracker, timeline("FFFFFFFFFF" + "." * 20 + "FFFFF"))  # away for 2 s: still the same visitor
    assert [e.change for e in events] == ["arrived"]


def test_far_or_turned_away_visitors_are_present_not_engaged() -> None:
    far = PresenceTracker(engage_s=0.5)
    assert [e.change for e in feed(far, timeline("F" * 30), face_size=0.03)] == ["arrived"]
    turned = PresenceTracker(engage_s=0.5)
    events = feed(turned, timeline("F" * 20), face_size=0.2, yaw_deg=60.0)
    assert [e.change for e in events] == ["arrived"]
    events = feed(turned, [(2.0 + i / 10, True) for i in range(10)], face_size=0.2, yaw_deg=0.0)
    assert [e.change for e in events] == ["engaged"]


def test_reset_makes_whoever_is_in_view_arrive_again() -> None:
    tracker = PresenceTracker(arrive_s=0.2)
    feed(tracker, timeline("FFFFF"))
    assert [e.change for e in tracker.reset(1.0)] == ["left"]
    events = feed(tracker, [(1.0 + i / 10, True) for i in range(5)])
    assert [e.change for e in events] == ["arrived"]
