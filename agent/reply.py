"""One reply's life, as an explicit state machine.

::

    PREPARING --commit--> SPEAKING --pause--> PAUSED --resume--> SPEAKING
        |                    |                  |
        +----cancel----------+------cancel------+--> CANCELLED
                             |                  |
                             +-----finish-------+--> FINISHED

* PREPARING: started speculatively on a candidate transcript; it generates and synthesizes, but its audio waits
  behind the gate until the turn is certain to be over. Cancelling it leaves no trace.
* SPEAKING: committed; its clauses play as they come.
* PAUSED: user speech faded it out; it waits for the verdict (a backchannel resumes it, anything else cancels it).
* CANCELLED and FINISHED are final. FINISHED from PAUSED happens when the reply had already played to its end.

``ReplyState.check`` raises ``IllegalTransition`` for any other move, so a bookkeeping mistake is loud in tests.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import Enum

from companion.agent.policy.types import UserTurn
from companion.agent.timing import TurnTimings
from companion.face.emotions import EmotionState
from companion.speech.playout import PlayoutResult, ScheduledClause


class IllegalTransitionError(RuntimeError):
    """A reply was moved to a state it cannot reach from where it is (a bug in the caller)."""


class ReplyState(str, Enum):
    PREPARING = "preparing"
    SPEAKING = "speaking"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    FINISHED = "finished"

    @property
    def final(self) -> bool:
        return self in (ReplyState.CANCELLED, ReplyState.FINISHED)


TRANSITIONS: dict[ReplyState, frozenset[ReplyState]] = {
    ReplyState.PREPARING: frozenset({ReplyState.SPEAKING, ReplyState.CANCELLED}),
    ReplyState.SPEAKING: frozenset({ReplyState.PAUSED, ReplyState.CANCELLED, ReplyState.FINISHED}),
    ReplyState.PAUSED: frozenset({ReplyState.SPEAKING, ReplyState.CANCELLED, ReplyState.FINISHED}),
    ReplyState.CANCELLED: frozenset(),
    ReplyState.FINISHED: frozenset(),
}


@dataclass
class ActiveReply:
    turn: UserTurn
    utterance_id: int
    timings: TurnTimings
    state: ReplyState = ReplyState.PREPARING
    task: asyncio.Task[None] | None = None
    source: str = ""
    emotion: EmotionState | None = None
    clauses: list[ScheduledClause] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)  # the reply's task has ended
    result: PlayoutResult | None = None
    remember: bool = True  # add the exchange to the dialogue history
    silent_t: float | None = None  # when an interruption faded the reply out
    _gate: asyncio.Event = field(default_factory=asyncio.Event)  # open once committed

    def move(self, to: ReplyState) -> None:
        if to not in TRANSITIONS[self.state]:
            raise IllegalTransitionError(f"reply {self.utterance_id}: {self.state.value} -> {to.value}")
        self.state = to
        if to is ReplyState.SPEAKING:
            self._gate.set()

    @property
    def committed(self) -> bool:
        """It was committed (it is or was SPEAKING): its audio may play and it counts as said."""
        return self._gate.is_set()

    @property
    def paused(self) -> bool:
        return self.state is ReplyState.PAUSED

    @property
    def cancelled(self) -> bool:
        return self.state is ReplyState.CANCELLED

    async def wait_committed(self) -> None:
        await self._gate.wait()

    def spoken_text(self, until: float | None = None) -> str:
        """The clauses that started playing before ``until`` (all scheduled ones when None)."""
        return " ".join(c.speech.text for c in self.clauses if until is None or c.start_t < until)
