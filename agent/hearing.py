"""What the listener reports to the session, one dataclass per kind of news.

Times are loop seconds on the audio timeline. ``covers_until`` is where the audio a transcript was made from
ends: a transcript that stops short of the pause may lack the last words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SpeechStarted:
    t: float  # the onset of the user's speech


@dataclass(frozen=True)
class SpeechPaused:
    t: float  # where the speech stopped (the turn may not be over)


@dataclass(frozen=True)
class SpeechResumed:
    t: float


@dataclass(frozen=True)
class PartialHeard:
    """A draft transcript while the user is still speaking."""

    text: str
    t: float  # when it was ready
    covers_until: float


@dataclass(frozen=True)
class CandidateHeard:
    """A transcript of everything said so far, during a pause: a reply may start speculatively on it."""

    text: str
    t: float
    covers_until: float


@dataclass(frozen=True)
class TurnEnded:
    """The user's turn is over: ``text`` said in ``speech_s`` seconds of speech."""

    text: str
    end_of_speech_t: float  # the last voiced audio
    transcript_t: float  # when the transcript was ready
    t: float  # when the end of the turn was decided
    speech_s: float
    covers_until: float


class TurnHandler(Protocol):
    """Who the listener reports to (the session)."""

    def robot_audible(self, t: float) -> bool: ...

    def on_speech_started(self, event: SpeechStarted) -> None: ...

    def on_speech_paused(self, event: SpeechPaused) -> None: ...

    def on_speech_resumed(self, event: SpeechResumed) -> None: ...

    def on_partial(self, event: PartialHeard) -> None: ...

    def on_candidate(self, event: CandidateHeard) -> None: ...

    def on_end_of_turn(self, event: TurnEnded) -> None: ...
