"""The reply lifecycle: every legal move works, every other one raises."""

from __future__ import annotations

import itertools

import pytest

from companion.agent.policy.types import UserTurn
from companion.agent.reply import TRANSITIONS, ActiveReply, IllegalTransitionError, ReplyState
from companion.agent.timing import TurnTimings


def reply_in(state: ReplyState) -> ActiveReply:
    reply = ActiveReply(UserTurn(1, "hi", "text", 0.0), 7, TurnTimings(1))
    path = {
        ReplyState.PREPARING: [],
        ReplyState.SPEAKING: [ReplyState.SPEAKING],
        ReplyState.PAUSED: [ReplyState.SPEAKING, ReplyState.PAUSED],
        ReplyState.CANCELLED: [ReplyState.CANCELLED],
        ReplyState.FINISHED: [ReplyState.SPEAKING, ReplyState.FINISHED],
    }[state]
    for step in path:
        reply.move(step)
    return reply


@pytest.mark.parametrize(("start", "to"), list(itertools.product(ReplyState, ReplyState)))
def test_only_the_documented_transitions_are_allowed(start: ReplyState, to: ReplyState) -> None:
    reply = reply_in(start)
    if to in TRANSITIONS[start]:
        reply.move(to)
        assert reply.state is to
    else:
        with pytest.raises(IllegalTransitionError, match=f"{start.value} -> {to.value}"):
            reply.move(to)
        assert reply.state is start


def test_committing_opens_the_gate_and_final_states_stay_final() -> None:
    reply = reply_in(ReplyState.PREPARING)
    assert not reply.committed
    reply.move(ReplyState.SPEAKING)
    assert reply.committed
    reply.move(ReplyState.PAUSED)
    assert reply.paused and reply.committed
    reply.move(ReplyState.CANCELLED)
    assert reply.cancelled and reply.state.final
    assert not reply_in(ReplyState.CANCELLED).committed  # a speculative reply dropped before it spoke
