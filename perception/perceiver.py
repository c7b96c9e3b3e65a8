"""The perception loop: frames in, ``VisitorState`` out, in a worker thread of its own.

Reading a frame blocks and analysing it (face detection, affect, smile) takes milliseconds, so the whole loop
runs in one dedicated thread and hands each new state to the event loop. It analyses at most
``perception.fps`` frames a second and skips frames rather than falling behind: a robot should react to the
visitor as they are now, not work through a backlog. A file is paced in real time by default, as if a camera
were filming it; ``realtime=False`` runs it as fast as the CPU allows (tests, batch analysis), with the same
frames analysed.

Privacy: frames and face crops live only in memory while one frame is analysed; nothing is stored, written or
sent anywhere. (``privacy.store_video`` and ``privacy.store_face_crops`` exist in the config, but storing is not
implemented.) When emotion inference is off (``emotion_inference=False``, e.g. in a workplace or school
deployment) the affect model is never run, whatever model was passed in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from companion.core.errors import ModelMissingError
from companion.core.registry import BuildContext
from companion.perception.affect import AffectModel, aligned_face
from companion.perception.config import PerceptionConfig
from companion.perception.faces import FaceDetector, HaarSmileDetector, SmileDetector
from companion.perception.landmarks.base import FaceLandmarker
from companion.perception.opencv import opencv
from companion.perception.presence import PresenceTracker
from companion.perception.tongue import tongue_measure
from companion.perception.video import VideoSource
from companion.perception.visitor import VisitorState, VisitorTracker

log = logging.getLogger(__name__)

# Frame times from a container are rounded to milliseconds: compare with this much slack.
_TIME_SLACK_S = 1e-3
# How long a stopped run waits for the worker to finish its frame (a camera read can block for one frame time).
_STOP_WAIT_S = 2.0


@dataclass
class PerceptionStats:
    """Counters for one run, for benchmarks and logs."""

    frames_read: int = 0
    frames_analysed: int = 0
    frames_late: int = 0  # dropped because real-time pacing had fallen behind them
    frames_unreadable: int = 0  # not an image (a corrupt frame, a driver glitch): counted and skipped
    analysis_s_total: float = 0.0
    analysis_s_max: float = 0.0

    @property
    def mean_analysis_ms(self) -> float:
        return 1000.0 * self.analysis_s_total / self.frames_analysed if self.frames_analysed else 0.0


class Perceiver:
    """Runs a video source through face detection, affect and gestures into ``VisitorState`` updates.

    ``affect_model`` may be None (face detection only). A Perceiver runs once: ``run`` closes the source when it
    ends. The detector and models are called from the worker thread only, one frame at a time.
    """

    def __init__(
        self,
        source: VideoSource,
        detector: FaceDetector,
        affect_model: AffectModel | None,
        settings: PerceptionConfig,
        *,
        emotion_inference: bool = True,
        smile_detector: SmileDetector | None = None,
        landmarker: FaceLandmarker | None = None,
        realtime: bool = True,
        tracker: VisitorTracker | None = None,
    ) -> None:
        self._source = source
        self._detector = detector
        self._landmarker = landmarker
        self._flip = settings.mirrored  # a mirrored (selfie) camera: analyse the frame as an ordinary camera sees it
        # Emotion inference switched off means the model is never run, not run and hidden.
        self._affect_model = affect_model if emotion_inference else None
        self._smile_detector = smile_detector
        self._fps = settings.fps
        self._cv_threads = settings.threads
        self._realtime = realtime
        presence = settings.presence
        self._tracker = tracker or VisitorTracker(
            smoothing_s=settings.smoothing_s,
            fov_deg=settings.fov_deg,
            presence=PresenceTracker(
                presence.arrive_s, presence.engage_s, presence.leave_s, presence.min_face_size, presence.facing_deg
            ),
        )
        self.stats = PerceptionStats()

    @classmethod
    def default(
        cls,
        settings: PerceptionConfig,
        source: VideoSource,
        *,
        context: BuildContext | None = None,
        affect_model: AffectModel | None = None,
        emotion_inference: bool = True,
        realtime: bool = True,
    ) -> Perceiver:
        """The configured face detector and landmark model, and ``affect_model`` if emotion inference is on.

        A landmark model that is not there yet is a warning, not an error: the robot still sees faces (and fetching
        the model adds the facial actions and mirroring)."""
        context = context or BuildContext()
        detector = settings.detector.backend_class().from_config(settings.detector.options, context)
        landmarker: FaceLandmarker | None = None
        if settings.landmarks is not None:
            try:
                landmarker = settings.landmarks.backend_class().from_config(settings.landmarks.options, context)
            except ModelMissingError as error:
                log.warning("no facial actions or mirroring: %s", str(error).replace("\n", " "))
        return cls(
            source,
            detector,
            affect_model,
            settings,
            emotion_inference=emotion_inference,
            smile_detector=HaarSmileDetector(),  # smiling at all, not only more than at rest (the actions' view)
            landmarker=landmarker,
            realtime=realtime,
        )

    @property
    def landmarks(self) -> bool:
        """Whether a landmark model runs (facial actions, head pose, mirroring)."""
        return self._landmarker is not None

    @property
    def emotion_inference(self) -> bool:
        return self._affect_model is not None

    def analyse(self, image: np.ndarray, t: float) -> VisitorState:
        """Analyse one BGR frame seen at loop time ``t`` (blocking; called from the worker thread)."""
        started = time.perf_counter()
        if image.ndim == 2:  # a grey camera: the models take colour
            image = opencv().cvtColor(image, opencv().COLOR_GRAY2BGR)
        if self._flip:
            image = opencv().flip(image, 1)
        height, width = image.shape[:2]
        landmarks = tongue = None
        if self._landmarker is not None:
            landmarks = self._landmarker.process(image)
            face = landmarks.box() if landmarks is not None else None
            faces = 0 if face is None else 1
            if landmarks is not None:
                tongue = tongue_measure(image, landmarks.points)
        else:
            found = self._detector.detect(image)
            face, faces = self._tracker.select(found, width), len(found)
        probabilities = None
        smiling = None
        if face is not None:
            crop = face.crop(image)  # a view into the frame, dropped with it
            affect = self._affect_model
            if affect is not None and getattr(affect, "align", False) and landmarks is not None:
                crop = aligned_face(image, landmarks.points, getattr(affect, "input_size", 112)) or crop
            if affect is not None and crop.size:
                probabilities = affect.predict(crop)
            if self._smile_detector is not None:
                smiling = self._smile_detector.smiling(image, face)
        state = self._tracker.update(
            t, (width, height), face, faces, probabilities, smiling, landmarks=landmarks, tongue=tongue
        )
        elapsed = time.perf_counter() - started
        self.stats.frames_analysed += 1
        self.stats.analysis_s_total += elapsed
        self.stats.analysis_s_max = max(self.stats.analysis_s_max, elapsed)
        return state

    async def run(self, on_update: Callable[[VisitorState], None]) -> None:
        """Analyse frames until the source ends or this task is cancelled; ``on_update`` runs on the loop thread.

        State times (``updated_t``, ``gesture_t``) are loop seconds: a camera frame's capture time, or for a file
        the loop time at which the run started plus the frame's video time (with ``realtime=False`` these run
        ahead of the clock). Errors in the worker (a camera that stops) are raised here.
        """
        loop = asyncio.get_running_loop()
        stopping = threading.Event()
        finished: asyncio.Future[None] = loop.create_future()

        def deliver(state: VisitorState) -> None:
            if not stopping.is_set():  # nothing arrives after run() has returned
                on_update(state)

        def emit(state: VisitorState) -> None:
            loop.call_soon_threadsafe(deliver, state)

        def settle(error: BaseException | None) -> None:
            if finished.done():
                return
            if error is None:
                finished.set_result(None)
            else:
                finished.set_exception(error)

        def work() -> None:
            error: BaseException | None = None
            try:
                # The live-source offset: capture times are time.monotonic(), states are loop time.
                self._work(emit, stopping, live_offset=loop.time() - time.monotonic(), start_t=loop.time())
            except BaseException as caught:  # handed to run(), raised there
                error = caught
            finally:
                # Released by the thread that used it, and before run() returns.
                self._source.close()
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting any more
                loop.call_soon_threadsafe(settle, error)

        # A daemon thread, so a camera read that never returns cannot keep the process alive at exit.
        thread = threading.Thread(target=work, name=f"perception-{self._source.name}", daemon=True)
        thread.start()
        try:
            await asyncio.shield(finished)
        finally:
            stopping.set()
            if not finished.done():
                # A worker stuck in a read past this is abandoned (a daemon thread); its source stays open.
                await asyncio.wait([finished], timeout=_STOP_WAIT_S)

    def _work(
        self, emit: Callable[[VisitorState], None], stopping: threading.Event, live_offset: float, start_t: float
    ) -> None:
        # OpenCV's thread pool is process-wide: this sets the budget for every OpenCV call in the process.
        opencv().setNumThreads(self._cv_threads)
        interval = 1.0 / self._fps
        next_due: float | None = None
        first_t: float | None = None
        wall_start = time.monotonic()
        while not stopping.is_set():
            frame = self._source.read()
            if frame is None:
                return
            self.stats.frames_read += 1
            if next_due is not None and frame.t < next_due - _TIME_SLACK_S:
                continue  # over the analysis rate: skip
            if self._source.live:
                t = frame.t + live_offset
            else:
                if first_t is None:
                    first_t, wall_start = frame.t, time.monotonic()
                media_t = frame.t - first_t
                t = start_t + media_t
                if self._realtime:
                    ahead = media_t - (time.monotonic() - wall_start)
                    if ahead > 0 and stopping.wait(ahead):
                        return
                    if -ahead > interval:
                        self.stats.frames_late += 1
                        continue  # analysis fell behind the video: catch up instead of analysing the past
            # Keep a steady rate on the source's timeline; after a gap, restart it from this frame.
            if next_due is None or frame.t >= next_due + interval:
                next_due = frame.t + interval
            else:
                next_due += interval
            if not _is_image(frame.image):
                self.stats.frames_unreadable += 1
                continue
            emit(self.analyse(frame.image, t))


def _is_image(image: object) -> bool:
    """A frame perception can analyse: a non-empty 8-bit BGR (or grey) array."""
    return (
        isinstance(image, np.ndarray)
        and image.dtype == np.uint8
        and image.ndim in (2, 3)
        and image.shape[0] >= 16
        and image.shape[1] >= 16
        and (image.ndim == 2 or image.shape[2] == 3)
    )
