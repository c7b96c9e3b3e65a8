"""What one conversational turn took, stage by stage.

Every turn records loop times (``Clock.now()`` seconds) for its milestones; ``since_end_of_speech_ms`` reports
them as milliseconds after the user stopped speaking, which is how voice agents are judged ("voice-to-voice"
latency is ``first_audio_pts``). For a typed turn the reference is the moment the text arrived.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

MILESTONES = (
    "end_of_speech",
    "transcript_final",
    "llm_first_token",
    "first_clause",
    "first_audio_ready",
    "first_frame_published",
    "first_audio_pts",
    "reply_done",
)


@dataclass
class TurnTimings:
    turn_id: int
    end_of_speech: float | None = None  # the user stopped speaking (VAD), or the typed text arrived
    transcript_final: float | None = None  # the final transcript is ready
    llm_first_token: float | None = None  # the first piece of reply text (from the LLM, a plugin or safety)
    first_clause: float | None = None  # the first clause is complete and goes to TTS
    first_audio_ready: float | None = None  # TTS returned the first clause's audio
    first_frame_published: float | None = None  # the first face frame of the reply went out
    first_audio_pts: float | None = None  # when the first reply sample plays: voice-to-voice latency
    reply_done: float | None = None  # the last sample of the reply has played (or it was interrupted)
    reply_source: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    def mark(self, milestone: str, t: float) -> None:
        """Record ``t`` for a milestone unless an earlier time is already there (first one wins)."""
        if getattr(self, milestone) is None:
            setattr(self, milestone, t)

    def since_end_of_speech_ms(self) -> dict[str, float]:
        if self.end_of_speech is None:
            return {}
        out: dict[str, float] = {}
        for name in MILESTONES[1:]:
            value = getattr(self, name)
            if value is not None:
                out[name] = round((value - self.end_of_speech) * 1000.0, 1)
        return out

    def as_dict(self) -> dict[str, object]:
        return asdict(self)
