"""The visitor as the agent sees them: where they are, where to look, how they seem, what their head just did.

``VisitorTracker`` turns per-frame observations (the face boxes, the affect model's probabilities, the smile cue)
into a steady ``VisitorState``: it picks the visitor among the faces, smooths affect and smile, recognises head
gestures, and bridges short detector misses so the robot's gaze does not drop every time a frame has no face.
It is pure logic on explicit times; the ``Perceiver`` feeds it from its worker thread.

Coordinates and angles. The camera sits on the robot and looks where the robot looks. In the camera's ordinary
(unmirrored) image, the image's left is the robot's left: a face on the image's right side is to the robot's
RIGHT. (It is the visitor's left hand that appears on the image's right.) Angles follow the robot's frame:
positive yaw = toward the robot's left, positive pitch = up. So a face right of the image centre gives a negative
gaze yaw, a face above the centre a positive pitch. A camera that delivers mirrored ("selfie") images would turn
this around: pass ``mirrored=True`` and the tracker flips the image first. Gaze angles come from a pinhole camera
of ``fov_deg`` horizontal field of view (60 by default, typical of webcams) and ignore the few centimetres
between the camera and the robot's eyes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from companion.face.emotions import Emotion
from companion.perception.actions import ActionEstimator, FacialActions, HeadPose
from companion.perception.affect import AffectSmoother
from companion.perception.faces import FaceBox
from companion.perception.gestures import Gesture, GestureDetector
from companion.perception.head_gestures import HeadGestureDetector, HeadGestureEvent
from companion.perception.landmarks.base import FaceLandmarks
from companion.perception.presence import PresenceEvent, PresenceState, PresenceTracker

CAMERA_FOV_DEG = 60.0


@dataclass(frozen=True)
class VisitorState:
    present: bool  # a visitor's face is in view (or was, less than `absent_after_s` ago)
    updated_t: float  # loop seconds of the frame this state comes from
    face_center: tuple[float, float] | None = None  # normalized image coordinates: (0, 0) top-left, (1, 1) bottom-right
    face_size: float | None = None  # the face box's width / the image width: larger is closer
    gaze: tuple[float, float] | None = None  # (yaw, pitch) degrees for the robot's eyes to look at the visitor
    head_pose: HeadPose | None = None  # the visitor's head turn and tilt, in their own frame (perception/actions.py)
    affect: Emotion | None = None  # None: no face, no affect model, or emotion inference switched off
    affect_confidence: float = 0.0  # the smoothed probability of `affect`
    affect_probabilities: dict[Emotion, float] = field(default_factory=dict)  # smoothed; empty when `affect` is None
    smiling: bool = False
    gesture: Gesture | None = None  # the last head gesture of this visitor
    gesture_t: float | None = None  # when it was recognised (loop seconds)
    faces: int = 0  # faces in the latest frame (the visitor plus bystanders)
    actions: FacialActions | None = None  # the face's ARKit coefficients (landmarks only), calibrated to the visitor
    gesture_events: tuple[HeadGestureEvent, ...] = ()  # onsets and ends of nods and shakes seen in this frame
    presence: PresenceState = "absent"  # with hysteresis: arrived after a moment, left after a while
    presence_events: tuple[PresenceEvent, ...] = ()  # changes of presence confirmed in this frame

    @classmethod
    def absent(
        cls, t: float, faces: int = 0, presence: PresenceState = "absent", events: tuple[PresenceEvent, ...] = ()
    ) -> VisitorState:
        return cls(present=False, updated_t=t, faces=faces, presence=presence, presence_events=events)


def gaze_angles(center: tuple[float, float], frame_size: tuple[int, int], fov_deg: float) -> tuple[float, float]:
    """(yaw, pitch) degrees toward a pixel of an unmirrored camera image (see the module docstring for signs)."""
    width, height = frame_size
    focal = (width / 2.0) / math.tan(math.radians(fov_deg) / 2.0)
    yaw = -math.degrees(math.atan((center[0] - width / 2.0) / focal))
    pitch = -math.degrees(math.atan((center[1] - height / 2.0) / focal))
    return yaw, pitch


class VisitorTracker:
    """Fuses per-frame observations into ``VisitorState``; one instance per video stream."""

    def __init__(
        self,
        smoothing_s: float = 1.0,
        fov_deg: float = CAMERA_FOV_DEG,
        mirrored: bool = False,
        absent_after_s: float = 1.0,
        smile_smoothing_s: float = 0.3,
        gestures: GestureDetector | None = None,
        presence: PresenceTracker | None = None,
    ) -> None:
        self.fov_deg = fov_deg
        self.mirrored = mirrored
        self.absent_after_s = absent_after_s  # a face detector misses frames; don't lose the visitor over one
        self.smile_smoothing_s = smile_smoothing_s
        self._affect = AffectSmoother(smoothing_s)
        self._gestures = gestures or GestureDetector()
        self._head_gestures = HeadGestureDetector()  # on the landmarks' head pose
        self._box_gestures = HeadGestureDetector()  # on the pose the box's motion suggests (a nod moves the face down)
        self._actions = ActionEstimator(fov_deg=fov_deg)
        self.presence = presence or PresenceTracker()
        self._box: FaceBox | None = None  # the visitor's last box, as the robot sees it (unmirrored)
        self._last_seen: float | None = None
        self._smile = 0.0
        self._smile_t: float | None = None
        self._smiling = False
        self._gesture: tuple[Gesture, float] | None = None
        self._state: VisitorState | None = None

    def select(self, faces: Sequence[FaceBox], frame_width: int) -> FaceBox | None:
        """The visitor among ``faces`` (in image coordinates): the one already followed, if it is still about as
        large as the largest face, else the largest (the nearest person)."""
        if not faces:
            return None
        largest = max(faces, key=lambda face: face.area)
        if self._box is not None:
            for face in faces:
                if self._oriented(face, frame_width).iou(self._box) >= 0.3 and face.area >= 0.5 * largest.area:
                    return face  # keep looking at the same person rather than flipping between two
        return largest

    def _oriented(self, face: FaceBox, frame_width: int) -> FaceBox:
        if not self.mirrored:
            return face
        return FaceBox(frame_width - face.x - face.w, face.y, face.w, face.h)

    def _forget_visitor(self) -> None:
        self._affect.reset()
        self._gestures.reset()
        self._head_gestures.reset()
        self._box_gestures.reset()
        self._actions.reset()
        self._box = None
        self._smile = 0.0
        self._smile_t = None
        self._smiling = False
        self._gesture = None

    def update(
        self,
        t: float,
        frame_size: tuple[int, int],
        face: FaceBox | None,
        faces: int = 1,
        probabilities: Mapping[Emotion, float] | None = None,
        smiling: bool | None = None,
        landmarks: FaceLandmarks | None = None,
        tongue: float | None = None,
    ) -> VisitorState:
        """The state after a frame seen at ``t`` (loop seconds) of ``frame_size`` (width, height) pixels.

        ``face`` is the visitor's box from ``select`` (None: no face), ``probabilities`` the affect model's output
        for it (None: not run), ``smiling`` the smile cue (None: not run). With ``landmarks`` (and the ``tongue``
        measure) the facial actions, the head pose and the gestures come from the face itself; without them, the
        pose and gestures are estimated from the box's motion.
        """
        if face is None:
            return self._no_face(t, faces)
        width, height = frame_size
        box = self._oriented(face, width)
        changes: list[PresenceEvent] = []
        if self._box is not None and not self._same_person(self._box, box):
            self._forget_visitor()
            changes += self.presence.reset(t)  # someone else: the one before has left, this one must arrive
        self._box = box
        self._last_seen = t

        actions: FacialActions | None = None
        box_event = self._gestures.update(t, box.center, float(box.w))
        head_pose = self._gestures.pose
        gesture_events: list[HeadGestureEvent] = []
        if landmarks is not None:
            actions = self._actions.update(t, landmarks, frame_size, tongue)
            head_pose = actions.pose or head_pose
            gesture_events = self._merged_gestures(t, actions.pose, self._gestures.pose)
            onsets = [e for e in gesture_events if e.phase == "onset"]
            if onsets:
                self._gesture = (onsets[-1].kind, onsets[-1].recognised_t)
            if smiling is None and actions.calibrated:
                coefficients = actions.coefficients
                smiling = (coefficients["mouthSmileLeft"] + coefficients["mouthSmileRight"]) / 2 > 0.3
        elif box_event is not None:
            self._gesture = (box_event.kind, box_event.t)
        estimate = self._affect.update(t, probabilities) if probabilities is not None else self._affect.current
        if smiling is not None:
            self._update_smile(t, smiling)

        cx, cy = box.center
        changes += self.presence.update(t, True, box.w / width, head_pose.yaw_deg if head_pose else None)
        self._state = VisitorState(
            present=True,
            updated_t=t,
            face_center=(cx / width, cy / height),
            face_size=box.w / width,
            gaze=gaze_angles((cx, cy), (width, height), self.fov_deg),
            head_pose=head_pose,
            affect=estimate.emotion if estimate else None,
            affect_confidence=estimate.confidence if estimate else 0.0,
            affect_probabilities=estimate.probabilities if estimate else {},
            smiling=self._smiling,
            gesture=self._gesture[0] if self._gesture else None,
            gesture_t=self._gesture[1] if self._gesture else None,
            faces=faces,
            actions=actions,
            gesture_events=tuple(gesture_events),
            presence=self.presence.state,
            presence_events=tuple(changes),
        )
        return self._state

    def _merged_gestures(self, t: float, pose: HeadPose | None, box_pose: HeadPose | None) -> list[HeadGestureEvent]:
        """Gestures from the head's rotation and from the face's motion, one stream: a gesture starts when either
        sees it and ends when neither does any more (a real nod rotates the head and moves the face)."""
        was = self._head_gestures.active or self._box_gestures.active
        events = self._head_gestures.update(t, pose) if pose is not None else []
        events += self._box_gestures.update(t, box_pose) if box_pose is not None else []
        now = self._head_gestures.active or self._box_gestures.active
        merged: list[HeadGestureEvent] = []
        for event in sorted(events, key=lambda e: e.phase != "end"):
            if event.phase == "end" and now is None and was is not None:
                merged.append(event)
                was = None
            elif event.phase == "onset" and (was is None or was != event.kind):
                merged.append(event)
                was = event.kind
        return merged

    def _no_face(self, t: float, faces: int) -> VisitorState:
        changes = tuple(self.presence.update(t, False))
        if self._state is not None and self._last_seen is not None and t - self._last_seen < self.absent_after_s:
            # Bridge a detector miss: the visitor is still there, where we last saw them; but this frame measured no
            # face, so there are no facial actions to show (a mirror must not hold a stale smile).
            self._state = replace(
                self._state, updated_t=t, faces=faces, actions=None, gesture_events=(), presence=self.presence.state,
                presence_events=changes,
            )  # fmt: skip
            return self._state
        self._forget_visitor()
        self._last_seen = None
        self._state = VisitorState.absent(t, faces, self.presence.state, changes)
        return self._state

    @staticmethod
    def _same_person(previous: FaceBox, box: FaceBox) -> bool:
        # At 10 frames a second a face moves far less than its own size between frames; a jump is someone else.
        (px, py), (cx, cy) = previous.center, box.center
        return math.hypot(cx - px, cy - py) <= (previous.w + box.w) / 2.0

    def _update_smile(self, t: float, smiling: bool) -> None:
        # The smile cascade flickers frame to frame: average it briefly, switch with hysteresis (0.6 on, 0.4 off).
        value = 1.0 if smiling else 0.0
        if self._smile_t is None or self.smile_smoothing_s == 0:
            self._smile = value
        else:
            weight = 1.0 - math.exp(-max(0.0, t - self._smile_t) / self.smile_smoothing_s)
            self._smile += weight * (value - self._smile)
        self._smile_t = t if self._smile_t is None else max(self._smile_t, t)
        if self._smiling and self._smile < 0.4:
            self._smiling = False
        elif not self._smiling and self._smile > 0.6:
            self._smiling = True
