"""Lip-sync: the TTS decoder's phoneme timings, placed on the playout clock, turned into jaw and lip curves.

The model is keyframes plus constraints (docs/FACE.md, "Co-articulation"):

* every viseme segment gets a *key* pose; consonants that do not need the lips (t, k, n, h...) borrow the lip
  shape of the nearest vowel, and their jaw the neighbouring vowels' jaw (co-articulation);
* the mouth moves from key to key along a smooth (C1 cubic) transition that starts ``LEAD_S`` ahead of the
  acoustic onset (anticipation), is exactly half-way at the onset and arrives ``RELEASE_S`` after it. Jaw and
  lips have their own widths (two curves). The arrival takes at most a quarter of the segment and the next lead
  what is left of 80 %, so every segment of 40 ms or more holds its key for at least 20 % of its duration;
  shorter ones may be undershot, as in fluent speech;
* constraints override the timing: a bilabial (p b m) always reaches the closed mouth, a rounded vowel or w
  always puckers, however short, because their transitions are squeezed until the key is held.

The pose is a sum of steps, so sampling costs a binary search and a few small numpy operations. Times are the
event loop's seconds; nothing here reads a clock.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from companion.face.phonemes import TimedPhoneme
from companion.face.visemes import (
    LIP_CHANNELS,
    SPEECH_CHANNELS,
    VISEME_INDEX,
    VISEME_TARGETS,
    VISEMES,
    VOWEL_VISEMES,
    VisemeSegment,
    fold_phonemes,
)

# The pose vector: the speech channels, then two control signals the animator uses to layer speech over emotion:
# ``closure`` (1 while a bilabial holds the lips shut) and ``activity`` (1 while speech owns the mouth).
KEY_COLUMNS: tuple[str, ...] = (*SPEECH_CHANNELS, "closure", "activity")
CLOSURE_COLUMN = len(SPEECH_CHANNELS)
ACTIVITY_COLUMN = CLOSURE_COLUMN + 1
JAW, LIPS, ACTIVITY = 0, 1, 2
_GROUP_OF_COLUMN = np.array([JAW] + [LIPS] * len(LIP_CHANNELS) + [LIPS, ACTIVITY])
_LIP_COLUMNS = np.arange(1, CLOSURE_COLUMN)

# Nominal transition widths (jaw, lips, activity) when the neighbours are long enough: the lead starts moving
# before the onset (anticipation), the release arrives after it. Lips anticipate more than the heavier jaw;
# speech takes the mouth over from the expression slowly and symmetrically.
LEAD_S: tuple[float, float, float] = (0.045, 0.055, 0.12)
RELEASE_S: tuple[float, float, float] = (0.03, 0.025, 0.12)
MIN_WIDTH_S = 0.015  # a lead or release is never shorter than this unless a constraint demands it
RELEASE_SHARE = 0.25  # an arrival may use this share of the segment it arrives in...
HOLD_SHARE = 0.2  # ...and the next lead what is left after this share is kept for holding the key
MUST_REACH_SHARE = 0.3  # must-reach segments hold their key for >= 40 % of their duration
MUST_REACH_MIN_S = 0.03  # shorter must-reach segments are widened (about their centre) so frames see them
LONG_PAUSE_S = 0.35  # a pause inside a clause this long hands the mouth back to the expression
CANCEL_EASE_S = 0.08  # barge-in: the mouth eases to rest this fast
FADE_IN_S = 0.06  # speech added after its first transition began fades in from the shown pose

# How much a viseme insists on its own jaw and lip shape (1) or takes its neighbours' (0): Cohen-Massaro's
# "dominance", reduced to one number per group.
STRENGTH: dict[str, tuple[float, float]] = {
    "sil": (1.0, 1.0), "PP": (1.0, 1.0), "FF": (0.8, 1.0), "TH": (0.7, 0.8), "DD": (0.5, 0.3), "kk": (0.4, 0.2),
    "CH": (0.8, 0.9), "SS": (0.9, 0.6), "nn": (0.5, 0.3), "RR": (0.6, 0.7), "aa": (1.0, 1.0), "E": (1.0, 1.0),
    "I": (1.0, 1.0), "O": (1.0, 1.0), "U": (1.0, 1.0),
}  # fmt: skip
# Visemes whose key is always reached, per group: the constraints a viewer notices when broken.
MUST_REACH: tuple[frozenset[str], frozenset[str]] = (frozenset({"PP"}), frozenset({"PP", "FF", "O", "U"}))
_CONTEXT_REACH = 2  # how many segments away a consonant looks for the vowel it co-articulates with


def _target_matrix() -> np.ndarray:
    targets = np.zeros((len(VISEMES), len(KEY_COLUMNS)))
    for row, viseme in enumerate(VISEMES):
        for channel, value in VISEME_TARGETS[viseme].items():
            targets[row, KEY_COLUMNS.index(channel)] = value
        targets[row, CLOSURE_COLUMN] = 1.0 if viseme == "PP" else 0.0
        targets[row, ACTIVITY_COLUMN] = 0.0 if viseme == "sil" else 1.0
    return targets


TARGETS = _target_matrix()


def smoothstep(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3.0 - 2.0 * x)


@dataclass(frozen=True)
class ClausePlan:
    """One clause's segments on the loop timeline and the steps that render them.

    ``keys[i]`` is the pose segment ``i`` aims at (``KEY_COLUMNS`` order); step ``j`` at ``step_t[j]`` moves from
    key ``j-1`` to key ``j`` (rest before the first and after the last), starting ``step_lead[j]`` before
    ``step_t[j]`` and arriving ``step_release[j]`` after it, per group (jaw, lips, activity).
    """

    utterance_id: int
    segments: tuple[VisemeSegment, ...]
    keys: np.ndarray
    step_t: np.ndarray
    step_lead: np.ndarray
    step_release: np.ndarray
    step_delta: np.ndarray
    _cum: np.ndarray
    _step_list: list[float]
    _starts: list[float]
    _lead_columns: np.ndarray
    _release_columns: np.ndarray
    _slope: np.ndarray
    _max_lead: float
    _max_release: float

    @property
    def start_t(self) -> float:
        return self.segments[0].start_s

    @property
    def end_t(self) -> float:
        return self.segments[-1].end_s

    @property
    def first_t(self) -> float:
        """When the first transition may begin."""
        return float(self.step_t[0]) - self._max_lead

    @property
    def last_t(self) -> float:
        """When the last transition is over: from then on the clause contributes nothing."""
        return float(self.step_t[-1]) + self._max_release

    def pose(self, t: float) -> np.ndarray:
        """The clause's pose at ``t`` relative to rest (``KEY_COLUMNS`` order)."""
        steps = self._step_list
        done = bisect_right(steps, t)
        pose = self._cum[done].copy()
        lo, hi = bisect_left(steps, t - self._max_release), bisect_right(steps, t + self._max_lead)
        if hi > lo:
            offset = t - self.step_t[lo:hi, None]
            pose += (_transition(offset, self._lead_columns[lo:hi], self._release_columns[lo:hi],
                                 self._slope[lo:hi]) * self.step_delta[lo:hi]).sum(axis=0)  # fmt: skip
        return pose

    def viseme_at(self, t: float) -> str:
        index = bisect_right(self._starts, t) - 1
        if index < 0 or t >= self.segments[-1].end_s:
            return "sil"
        return self.segments[index].viseme


def plan_clause(
    segments: Sequence[VisemeSegment], start_t: float, utterance_id: int = 0, not_before: float = -math.inf
) -> ClausePlan:
    """Key poses and transition steps for ``segments`` whose times are relative to ``start_t``.

    ``not_before``: no transition of this clause starts earlier (the last sampled time, or the end of the clause
    before: what was shown there cannot change).
    """
    if not segments:
        raise ValueError("a clause needs at least one segment")
    placed = [VisemeSegment(s.viseme, start_t + s.start_s, start_t + s.end_s, s.phonemes) for s in segments]
    placed = _widen_must_reach(placed)
    keys = _key_poses(placed)
    step_t = np.array([s.start_s for s in placed] + [placed[-1].end_s])
    rest = np.zeros((1, len(KEY_COLUMNS)))
    step_delta = np.vstack([keys, rest]) - np.vstack([rest, keys])
    lead, release = _transition_widths(placed, step_t, not_before)
    lead_columns = np.maximum(lead[:, _GROUP_OF_COLUMN], 1e-6)
    release_columns = np.maximum(release[:, _GROUP_OF_COLUMN], 1e-6)
    cum = np.vstack([rest, np.cumsum(step_delta, axis=0)])
    return ClausePlan(
        utterance_id=utterance_id,
        segments=tuple(placed),
        keys=keys,
        step_t=step_t,
        step_lead=lead,
        step_release=release,
        step_delta=step_delta,
        _cum=cum,
        _step_list=step_t.tolist(),
        _starts=[s.start_s for s in placed],
        _lead_columns=lead_columns,
        _release_columns=release_columns,
        _slope=1.5 / (lead_columns + release_columns),
        _max_lead=float(lead.max()),
        _max_release=float(release.max()),
    )


def _transition(offset: np.ndarray, lead: np.ndarray, release: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Progress of steps minus their Heaviside (the part ``_cum`` does not hold), at ``offset`` from each step.

    Two cubic Hermite pieces meet at the step with value 1/2 and slope ``1.5 / (lead + release)``: monotone, C1,
    flat at both ends; with lead == release it is exactly the smoothstep across the whole width.
    """
    before = offset < 0.0
    x = np.where(before, np.clip(offset / lead + 1.0, 0.0, 1.0), np.clip(offset / release, 0.0, 1.0))
    x2, x3 = x * x, x * x * x
    rise = 3.0 * x2 - 2.0 * x3  # h01
    left = 0.5 * rise + slope * lead * (x3 - x2)  # from 0 to 1/2, ending with the shared slope
    right = 0.5 * rise + slope * release * (x3 - 2.0 * x2 + x) - 0.5  # from 1/2 to 1, minus the Heaviside's 1
    return np.where(before, left, right)


def _widen_must_reach(segments: list[VisemeSegment]) -> list[VisemeSegment]:
    """Give very short must-reach segments ``MUST_REACH_MIN_S``, taken from the neighbours' nearer halves."""
    bounds = [[s.start_s, s.end_s] for s in segments]
    must = MUST_REACH[JAW] | MUST_REACH[LIPS]
    for i, segment in enumerate(segments):
        missing = MUST_REACH_MIN_S - (bounds[i][1] - bounds[i][0])
        if segment.viseme not in must or missing <= 0:
            continue
        if i > 0:
            earliest = (bounds[i - 1][0] + bounds[i - 1][1]) / 2
            bounds[i][0] = bounds[i - 1][1] = max(earliest, bounds[i][0] - missing / 2)
        if i + 1 < len(segments):
            latest = (bounds[i + 1][0] + bounds[i + 1][1]) / 2
            bounds[i][1] = bounds[i + 1][0] = min(latest, bounds[i][1] + missing / 2)
    return [VisemeSegment(s.viseme, b[0], b[1], s.phonemes) for s, b in zip(segments, bounds, strict=True)]


def _key_poses(segments: list[VisemeSegment]) -> np.ndarray:
    rows = np.array([VISEME_INDEX[s.viseme] for s in segments])
    targets = TARGETS[rows]
    keys = targets.copy()
    last = len(segments) - 1
    for i, segment in enumerate(segments):
        if segment.viseme == "sil":
            inner_short = 0 < i < last and segment.duration_s < LONG_PAUSE_S
            keys[i, ACTIVITY_COLUMN] = 1.0 if inner_short else 0.0
            continue
        jaw_strength, lip_strength = STRENGTH[segment.viseme]
        before, after = _nearest_vowel(segments, i, -1), _nearest_vowel(segments, i, +1)
        if jaw_strength < 1.0 and (before is not None or after is not None):
            context = np.mean([targets[k, 0] for k in (before, after) if k is not None])
            keys[i, 0] = jaw_strength * targets[i, 0] + (1.0 - jaw_strength) * context
        lip_source = after if after is not None else before  # lips anticipate: the next vowel wins
        if lip_strength < 1.0 and lip_source is not None:
            keys[i, _LIP_COLUMNS] = (
                lip_strength * targets[i, _LIP_COLUMNS] + (1.0 - lip_strength) * targets[lip_source, _LIP_COLUMNS]
            )
    return keys


def _nearest_vowel(segments: list[VisemeSegment], i: int, direction: int) -> int | None:
    for k in range(i + direction, i + direction * (_CONTEXT_REACH + 1), direction):
        if not 0 <= k < len(segments) or segments[k].viseme == "sil":
            return None
        if segments[k].viseme in VOWEL_VISEMES:
            return k
    return None


def _transition_widths(
    segments: list[VisemeSegment], step_t: np.ndarray, not_before: float
) -> tuple[np.ndarray, np.ndarray]:
    """Lead and release per step and group, squeezed by the neighbours and the must-reach constraints."""
    n = len(segments)
    durations = [s.duration_s for s in segments]
    # Silence at the edges of a clause runs on into the rest around it: transitions may use that room.
    room = list(durations)
    if segments[0].viseme == "sil":
        room[0] = segments[0].end_s - not_before
    if segments[-1].viseme == "sil":
        room[-1] = math.inf
    centres = [(s.start_s + s.end_s) / 2 for s in segments]
    lead, release = np.zeros((n + 1, 3)), np.zeros((n + 1, 3))
    for group in (JAW, LIPS):
        must = [s.viseme in MUST_REACH[group] for s in segments]
        # For step j, the nearest must-reach centre among segments < j-1 and > j: a transition must not pass it.
        left_centre = [-math.inf] * (n + 1)
        for j in range(2, n + 1):
            left_centre[j] = centres[j - 2] if must[j - 2] else left_centre[j - 1]
        right_centre = [math.inf] * (n + 1)
        for j in range(n - 2, -1, -1):
            right_centre[j] = centres[j + 1] if must[j + 1] else right_centre[j + 1]
        for j in range(n + 1):  # arrivals first: each lead takes what the arrival before it left
            after = RELEASE_S[group]
            if j < n:
                share = MUST_REACH_SHARE * durations[j] if must[j] else max(RELEASE_SHARE * room[j], MIN_WIDTH_S)
                after = min(after, share)
            release[j, group] = min(after, right_centre[j] - step_t[j])
        for j in range(n + 1):
            ahead = LEAD_S[group]
            if j > 0:
                k = j - 1  # the segment the lead runs in
                spare = (1.0 - HOLD_SHARE) * room[k] - release[k, group]
                share = MUST_REACH_SHARE * durations[k] if must[k] else max(spare, MIN_WIDTH_S)
                ahead = min(ahead, share)
            lead[j, group] = min(ahead, step_t[j] - left_centre[j])
    lead[:, ACTIVITY], release[:, ACTIVITY] = LEAD_S[ACTIVITY], RELEASE_S[ACTIVITY]
    lead[0] = np.minimum(lead[0], max(0.0, step_t[0] - not_before))
    return np.maximum(lead, 0.0), np.maximum(release, 0.0)


@dataclass(frozen=True)
class MouthPose:
    """The speech layer at one instant: ``values`` in ``SPEECH_CHANNELS`` order, plus layering controls."""

    values: np.ndarray
    closure: float  # 1 while a bilabial holds the lips shut
    activity: float  # 1 while speech owns the mouth channels
    viseme: str
    utterance_id: int


class _Clause:
    """A planned clause plus what happened to it: cut by a barge-in, or added after its first frame."""

    def __init__(self, plan: ClausePlan) -> None:
        self.plan = plan
        self.cut_t = math.inf
        self.cut_pose = np.zeros(len(KEY_COLUMNS))
        self.fade_t = -math.inf
        self.fade_pose: np.ndarray | None = None

    @property
    def end_t(self) -> float:
        return min(self.plan.end_t, self.cut_t)

    def finished_by(self) -> float:
        return self.cut_t + CANCEL_EASE_S if self.cut_t < math.inf else self.plan.last_t

    def contribution(self, t: float) -> np.ndarray | None:
        if t >= self.cut_t:
            x = (t - self.cut_t) / CANCEL_EASE_S
            return None if x >= 1.0 else self.cut_pose * (1.0 - smoothstep(x))
        if t < self.fade_t or t < self.plan.first_t or t > self.plan.last_t:
            return None
        pose = self.plan.pose(t)
        if self.fade_pose is not None and t < self.fade_t + FADE_IN_S:
            pose -= self.fade_pose * (1.0 - smoothstep((t - self.fade_t) / FADE_IN_S))
        return pose

    def cut(self, t: float) -> None:
        if t >= self.cut_t:
            return
        pose = self.contribution(t)
        self.cut_pose = pose if pose is not None else np.zeros(len(KEY_COLUMNS))
        self.cut_t = t


class LipSync:
    """The speech layer: clauses scheduled on the loop timeline, sampled into mouth poses."""

    def __init__(self) -> None:
        self._clauses: list[_Clause] = []
        self._t_last = -math.inf
        self._pruned_end: float | None = None

    def add(self, utterance_id: int, phonemes: Sequence[TimedPhoneme], start_t: float) -> ClausePlan | None:
        """Schedule a clause whose audio starts playing at loop time ``start_t``. Returns its plan (None if empty).

        Speech already scheduled after ``start_t`` is replaced: it is cut at ``start_t`` and eases out.
        """
        segments = fold_phonemes(phonemes)
        if not segments:
            return None
        for clause in self._clauses:
            if clause.end_t > start_t + 1e-9:
                clause.cut(start_t)
        ends = [c.end_t for c in self._clauses]
        not_before = max([self._t_last, *ends])
        plan = plan_clause(segments, start_t, utterance_id, not_before)
        clause = _Clause(plan)
        if self._t_last > plan.first_t:
            # Its first transitions began before the last frame already sampled: show it from there, faded in.
            clause.fade_t = self._t_last
            clause.fade_pose = plan.pose(self._t_last)
        self._clauses.append(clause)
        self._clauses.sort(key=lambda c: c.plan.start_t)
        return plan

    def cancel(self, utterance_id: int, t: float) -> None:
        """Barge-in: drop the utterance's visemes from ``t``; from there the mouth eases to rest in ``CANCEL_EASE_S``.

        Frames sampled for times after ``t`` are already published; the face-controller flushes them.
        """
        for clause in self._clauses:
            if clause.plan.utterance_id == utterance_id and clause.end_t > t:
                clause.cut(t)

    def end_t(self) -> float | None:
        """When the last scheduled speech ends (None if none was ever scheduled)."""
        ends = [c.end_t for c in self._clauses]
        if self._pruned_end is not None:
            ends.append(self._pruned_end)
        return max(ends) if ends else None

    def sample(self, t: float) -> MouthPose:
        self._t_last = max(self._t_last, t)
        total = np.zeros(len(KEY_COLUMNS))
        viseme, utterance_id = "sil", 0
        for clause in self._clauses:
            pose = clause.contribution(t)
            if pose is not None:
                total += pose
            if clause.plan.start_t <= t < clause.end_t and t >= clause.fade_t:
                viseme, utterance_id = clause.plan.viseme_at(t), clause.plan.utterance_id
        if self._clauses and self._clauses[0].finished_by() < t - 1.0:
            self._prune(t - 1.0)
        np.clip(total, 0.0, 1.0, out=total)
        return MouthPose(
            total[:CLOSURE_COLUMN], float(total[CLOSURE_COLUMN]), float(total[ACTIVITY_COLUMN]), viseme, utterance_id
        )

    def _prune(self, before: float) -> None:
        keep: list[_Clause] = []
        for clause in self._clauses:
            if clause.finished_by() < before:
                end = clause.end_t
                self._pruned_end = end if self._pruned_end is None else max(self._pruned_end, end)
            else:
                keep.append(clause)
        self._clauses = keep


def onset_errors_ms(
    phonemes: Sequence[TimedPhoneme],
    frame_rate_hz: float = 100.0,
    start_t: float = 0.0,
    threshold: float = 0.5,
    min_movement: float = 0.1,
    interpolate: bool = True,
) -> list[float]:
    """Viseme onset errors (ms) of the rendered mouth against the alignment's onsets, for a benchmark's p50/p99.

    Definition (docs/FACE.md, "Onset error"): the mouth is sampled on the frame grid ``k / frame_rate_hz`` (the
    face-controller interpolates linearly between frames, so the crossing is interpolated too). For each
    non-silent segment whose key differs from the previous key by at least ``min_movement`` (Euclidean, jaw and
    lip channels), progress is the projection of the rendered mouth onto the line from the previous key to this
    key (0 = previous key, 1 = this key). The rendered onset is the last upward crossing of ``threshold`` between
    the middle of the previous segment and the end of this one; the error is rendered onset minus the folded
    alignment onset (a stressed vowel starts at its stress mark). Onsets whose progress never crosses the threshold
    (undershot short segments) are left out. ``threshold=0.5`` measures timing; a small threshold (0.02) measures
    the anticipatory lead instead.
    ``interpolate=False`` takes the first frame at or past the threshold (a receiver that holds each frame).
    """
    lipsync = LipSync()
    plan = lipsync.add(1, phonemes, start_t)
    if plan is None:
        return []
    first = math.ceil((plan.first_t - 0.05) * frame_rate_hz)
    last = math.floor((plan.last_t + 0.05) * frame_rate_hz)
    times = np.arange(first, last + 1) / frame_rate_hz
    rendered = np.stack([lipsync.sample(float(t)).values for t in times])
    # The reference is the folded alignment, before very short must-reach segments were widened for the frames.
    onsets = [start_t + s.start_s for s in fold_phonemes(phonemes)]
    found = find_mouth_onsets(plan, onsets, times, rendered, threshold, min_movement, interpolate)
    return [(crossing - onset) * 1000.0 for onset, crossing in found if crossing is not None]


def find_mouth_onsets(
    plan: ClausePlan,
    onsets: Sequence[float],
    times: np.ndarray,
    speech: np.ndarray,
    threshold: float = 0.5,
    min_movement: float = 0.1,
    interpolate: bool = True,
) -> list[tuple[float, float | None]]:
    """For each mouth-moving segment of ``plan``: its alignment onset (``onsets[i]``) and when the trajectory
    ``speech`` (speech-channel values, one row per time in ``times``) gets there, by the definition of
    ``onset_errors_ms``; None when it never does. The one onset search the tests and the face benchmark share."""
    keys = plan.keys[:, :CLOSURE_COLUMN]
    found: list[tuple[float, float | None]] = []
    for i, segment in enumerate(plan.segments):
        if segment.viseme == "sil":
            continue
        previous = keys[i - 1] if i > 0 else np.zeros(CLOSURE_COLUMN)
        direction = keys[i] - previous
        norm2 = float(direction @ direction)
        if norm2 < min_movement**2:
            continue
        # From the middle of the previous segment (the mouth is at or near the previous key there) to this end.
        lo = (plan.segments[i - 1].start_s + plan.segments[i - 1].end_s) / 2 if i > 0 else plan.first_t
        hi = segment.end_s
        a = max(int(np.searchsorted(times, lo)) - 1, 0)
        b = int(np.searchsorted(times, hi, side="right"))
        progress = (speech[a:b] - previous) @ direction / norm2
        found.append((onsets[i], last_upward_crossing(times[a:b], progress, threshold, lo, hi, interpolate)))
    return found


def last_upward_crossing(
    times: np.ndarray, values: np.ndarray, level: float, lo: float, hi: float, interpolate: bool
) -> float | None:
    """The last time in [lo, hi] where ``values`` rises through ``level`` (interpolated, or the frame reaching it)."""
    inside = np.nonzero((times >= lo) & (times <= hi))[0]
    for k in inside[:0:-1]:
        v0, v1 = values[k - 1], values[k]
        if v0 < level <= v1 and times[k - 1] >= lo:
            if not interpolate:
                return float(times[k])
            return float(times[k - 1] + (level - v0) / (v1 - v0) * (times[k] - times[k - 1]))
    return None
