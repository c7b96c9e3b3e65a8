"""What the conversation needs from the face, in one small object.

``AgentFace`` drives the animator (so frames carry the right visemes, emotion and gaze) and, when the face is
published over MQTT, the retained expression, flush commands and the simulator's audio. Without a publisher
(typed chat with no broker, unit tests) the same calls only animate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from companion.core.tasks import TaskSet
from companion.face.animator import FaceAnimator
from companion.face.emotions import EmotionState
from companion.face.publisher import FacePublisher
from companion.speech.playout import ScheduledClause

ConversationState = Literal["idle", "listening", "thinking", "speaking"]


class AgentFace:
    def __init__(self, animator: FaceAnimator, publisher: FacePublisher | None = None) -> None:
        self.animator = animator
        self.publisher = publisher
        self._sends = TaskSet("face")  # MQTT sends don't hold up the reply pipeline

    def conversation_state(self, state: ConversationState, t: float) -> None:
        self.animator.set_conversation_state(state, t)

    def emotion(self, state: EmotionState, utterance_id: int, t: float) -> None:
        self.animator.set_emotion(state, t)
        if self.publisher is not None:
            self._sends.spawn(self.publisher.show_expression(state, utterance_id, t), "expression")

    def breathe(self, phase: str, start_t: float, seconds: float) -> None:
        """Breathe in or out with the person from ``start_t`` (a ``[breathe in 4]`` cue in a reply)."""
        self.animator.breathe(phase, start_t, seconds)

    def speech(self, clause: ScheduledClause) -> None:
        self.animator.add_speech(clause.utterance_id, clause.speech.phonemes, clause.start_t)
        if self.publisher is not None:
            speech = clause.speech
            self._sends.spawn(
                self.publisher.publish_audio(clause.utterance_id, speech.samples, speech.sample_rate, clause.start_t),
                "audio",
            )

    def interrupt(self, utterance_id: int, t: float) -> None:
        """Stop showing an utterance from ``t``: the animator drops its visemes, the controller its frames."""
        self.animator.cancel_utterance(utterance_id, t)
        if self.publisher is not None:
            self._sends.spawn(self.publisher.flush(utterance_id), "flush")

    def resume(self, utterance_id: int) -> None:
        """An interrupted utterance goes on: the controller accepts its frames again. Call it before ``speech``:
        the command is published before any of the utterance's new frames, so it reaches the controller first."""
        if self.publisher is not None:
            self._sends.spawn(self.publisher.resume(utterance_id), "resume")

    def gaze(self, yaw_deg: float | None, pitch_deg: float | None) -> None:
        self.animator.set_gaze_target(yaw_deg, pitch_deg)

    def mirror(self, targets: Mapping[str, float] | None) -> None:
        """Mirror mode's channel targets (None: fade the mirror out)."""
        self.animator.set_mirror(targets)

    async def drain(self) -> None:
        """Wait for pending MQTT sends (used before shutdown)."""
        await self._sends.wait()
