"""Turns one user turn into a spoken, lip-synced, emotional reply, and can pause, resume or cancel it.

The pipeline for a reply: policy chain -> text pieces -> emotion tags out -> clauses -> text-to-speech ->
playout + face. Stages overlap: the model keeps generating while the first clause plays, and the second clause
is synthesized while the first one plays; while the first clause's first chunk is synthesized, an in-process
model waits between tokens (``core/first_audio.py``), so the first audio gets the cores.

A reply can start *speculatively* (before the turn is certain to be over): it runs, but its audio waits behind
a gate until the session commits it, and it leaves no trace if cancelled first.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from companion.agent.clauses import ClauseChunker
from companion.agent.emotion_tags import BreathCue, EmotionChange, EmotionTagParser, Parsed
from companion.agent.events import ClauseScheduled, ErrorEvent, EventBus, ReplyFinished, ReplyScreened, ReplyStarted
from companion.agent.face_port import AgentFace
from companion.agent.policy.chain import PolicyChain
from companion.agent.policy.types import DialogueContext, Exchange, Reply, UserTurn
from companion.agent.reply import ActiveReply, ReplyState
from companion.agent.safety.output_screen import ScreenVerdict
from companion.agent.timing import TurnTimings
from companion.core.clock import Clock
from companion.core.first_audio import FIRST_AUDIO
from companion.face.emotions import Emotion, EmotionState
from companion.speech.playout import Playout
from companion.speech.tts import TextToSpeech
from companion.speech.types import SpeechAudio

log = logging.getLogger(__name__)

_SPEAKING_EMOTION_FLOOR = 0.15
SCREENED_FACE = EmotionState(Emotion.CONCERNED, 0.6)  # never joy over a line that replaced an unsafe one
SAFE_LINE = "I'm sorry, I can't say that. Let's talk about something else."


@dataclass(frozen=True)
class Clause:
    """A clause on its way to the voice: its text, the face it is said with, and a breath the face takes with it."""

    text: str
    emotion: EmotionState
    breath: BreathCue | None = None


class Responder:
    def __init__(
        self,
        chain: PolicyChain,
        context: DialogueContext,
        tts: TextToSpeech,
        playout: Playout,
        face: AgentFace,
        clock: Clock,
        events: EventBus,
        lookahead_s: float,
        fade_ms: int,
        empathy: Callable[[], EmotionState | None] | None = None,
    ) -> None:
        self.chain = chain
        self.empathy = empathy  # the face for a reply whose text names no emotion (the visitor's affect answered)
        self.context = context
        self.tts = tts
        self.playout = playout
        self.face = face
        self.clock = clock
        self.events = events
        self.lookahead_s = lookahead_s
        self.fade_ms = fade_ms
        # Utterance ids start at a random point so a restarted agent's ids don't collide with buffered old ones.
        self._ids = itertools.count(random.randint(1, 1 << 30))

    @property
    def baseline(self) -> EmotionState:
        b = self.context.persona.emotion_baseline
        return EmotionState(b.emotion, b.intensity)

    def _untagged(self) -> EmotionState:
        """A reply's emotion until (unless) its text tags one: the empathy policy's, else the resting face."""
        response = self.empathy() if self.empathy is not None else None
        return response or self.baseline

    # --- lifecycle --------------------------------------------------------------------------------------------

    def start(
        self,
        turn: UserTurn,
        timings: TurnTimings,
        committed: bool = True,
        answer: Reply | None = None,
        remember: bool = True,
    ) -> ActiveReply:
        """Start replying to ``turn`` (``answer``: a given reply, e.g. the greeting, instead of asking the chain;
        ``remember``: add the exchange to the dialogue history). Uncommitted, it is speculative (PREPARING)."""
        reply = ActiveReply(turn, next(self._ids), timings, remember=remember)
        if committed:
            reply.move(ReplyState.SPEAKING)
        reply.task = asyncio.create_task(self._run(reply, answer), name=f"reply-{reply.utterance_id}")
        return reply

    def commit(self, reply: ActiveReply) -> None:
        reply.move(ReplyState.SPEAKING)

    def pause(self, reply: ActiveReply, t: float) -> float | None:
        """Fade the reply out now and hold the rest (a possible barge-in). Returns when it is silent."""
        if reply.state is not ReplyState.SPEAKING or reply.done.is_set():
            return None
        reply.move(ReplyState.PAUSED)
        silent_at = self.playout.pause(reply.utterance_id, t, self.fade_ms)
        reply.silent_t = silent_at if silent_at is not None else t
        self.face.interrupt(reply.utterance_id, silent_at if silent_at is not None else t)
        return silent_at

    def resume(self, reply: ActiveReply) -> None:
        """The interruption was a backchannel or noise: go on, from the start of the clause that was cut."""
        if reply.state is not ReplyState.PAUSED:
            return
        reply.move(ReplyState.SPEAKING)
        reply.silent_t = None
        retimed = self.playout.resume(reply.utterance_id, self.clock.now() + self.lookahead_s)
        by_index = {c.index: c for c in retimed}
        reply.clauses = [by_index.get(c.index, c) for c in reply.clauses]
        self.face.resume(reply.utterance_id)
        for clause in retimed:
            self.face.speech(clause)
        if retimed:
            self.face.conversation_state("speaking", retimed[0].start_t)

    async def cancel(self, reply: ActiveReply, t: float) -> None:
        """Stop the reply for good: model and TTS work, audio (with a short fade) and face frames."""
        if reply.done.is_set() or reply.state.final:
            return
        was_paused = reply.paused
        reply.move(ReplyState.CANCELLED)
        silent_at = self.playout.cancel(reply.utterance_id, t, self.fade_ms)
        if reply.silent_t is None:
            reply.silent_t = silent_at if silent_at is not None else t
        if not was_paused:
            self.face.interrupt(reply.utterance_id, silent_at if silent_at is not None else t)
        if reply.task is not None and not reply.task.done():
            reply.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reply.task

    # --- the pipeline -----------------------------------------------------------------------------------------

    async def _run(self, reply: ActiveReply, answer: Reply | None) -> None:
        queue: asyncio.Queue[Clause | None] = asyncio.Queue()
        speaker: asyncio.Task[None] | None = None
        try:
            if answer is None:
                answer = await self.chain.respond(reply.turn, self.context)
            reply.source = answer.source
            reply.timings.reply_source = answer.source
            self.events.emit(ReplyStarted(self.clock.now(), reply.turn.turn_id, reply.utterance_id, answer.source))
            speaker = asyncio.create_task(self._speak(reply, queue))
            await self._produce_clauses(reply, answer, queue)
            await queue.put(None)
            await speaker
            await reply.wait_committed()
            self.playout.close(reply.utterance_id)
            reply.result = await self.playout.wait_done(reply.utterance_id)
        except asyncio.CancelledError:
            self.playout.cancel(reply.utterance_id, self.clock.now(), self.fade_ms)
            raise
        except Exception:
            # A broken plugin stream or a voice that chokes on a word must not take the robot down: the reply
            # ends where it got to, and the conversation goes on.
            log.exception("reply %d failed", reply.utterance_id)
            self.events.emit(
                ErrorEvent(self.clock.now(), "reply_failed", "the reply broke off (see the log)", reply.utterance_id)
            )
            if not reply.state.final:
                reply.move(ReplyState.CANCELLED)
            self.playout.cancel(reply.utterance_id, self.clock.now(), self.fade_ms)
        finally:
            if speaker is not None and not speaker.done():
                speaker.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await speaker
            self._finish(reply)

    async def _produce_clauses(self, reply: ActiveReply, answer: Reply, queue: asyncio.Queue[Clause | None]) -> None:
        parser, chunker = EmotionTagParser(), ClauseChunker()
        emotion = answer.emotion
        untagged = self._untagged() if emotion is None else None
        screened = answer.source == "llm"  # the model's words are screened; safety lines and plugin scripts are not

        breath: BreathCue | None = None

        def clauses_of(text: str) -> list[Clause]:
            nonlocal breath
            made = []
            for clause in text:
                made.append(Clause(clause, emotion or untagged or self.baseline, breath))
                breath = None  # a breathing cue goes with the first clause after it
            return made

        def take(items: Iterable[Parsed]) -> list[Clause]:
            nonlocal emotion, breath
            ready: list[Clause] = []
            for item in items:
                if isinstance(item, EmotionChange):
                    emotion = item.state  # applies from the next clause on
                elif isinstance(item, BreathCue):
                    breath = item
                else:
                    ready += clauses_of(chunker.feed(item.text))
            return ready

        async def release(ready: list[Clause]) -> bool:
            """Queue the clauses for speech, each screened first; False when one was stopped (the reply ends)."""
            for clause in ready:
                if screened:
                    verdict = await self.chain.screen_clause(clause.text)
                    if not verdict.safe:
                        self._screened_out(reply, verdict)
                        self._queue_clause(reply, queue, Clause(verdict.replacement or SAFE_LINE, SCREENED_FACE))
                        return False
                self._queue_clause(reply, queue, clause)
            return True

        async with contextlib.aclosing(answer.pieces) as pieces:  # a cancelled reply closes the model's stream now
            async for piece in pieces:
                reply.timings.mark("llm_first_token", self.clock.now())
                if not await release(take(parser.feed(piece))):
                    reply.emotion = SCREENED_FACE
                    return  # leaving the loop closes the model's stream: nothing more of it is generated
        ending = take(parser.close())
        ending += clauses_of(chunker.close())
        if not await release(ending):
            reply.emotion = SCREENED_FACE
            return
        reply.emotion = emotion or untagged or self.baseline

    def _queue_clause(self, reply: ActiveReply, queue: asyncio.Queue[Clause | None], clause: Clause) -> None:
        reply.timings.mark("first_clause", self.clock.now())
        queue.put_nowait(clause)

    def _screened_out(self, reply: ActiveReply, verdict: ScreenVerdict) -> None:
        log.warning("a clause of reply %d failed the output screen (%s): not spoken", reply.utterance_id,
                    verdict.category)  # fmt: skip
        self.events.emit(
            ReplyScreened(self.clock.now(), reply.turn.turn_id, reply.utterance_id, verdict.category or "unsafe",
                          list(verdict.signals))
        )  # fmt: skip

    async def _speak(self, reply: ActiveReply, queue: asyncio.Queue[Clause | None]) -> None:
        shown: EmotionState | None = None
        while (item := await queue.get()) is not None:
            breath = item.breath
            with contextlib.ExitStack() as first_audio:
                if not reply.clauses:  # the reply's first audio is being made: the model waits (core/first_audio.py)
                    first_audio.enter_context(FIRST_AUDIO.hold())
                # The voice speaks a clause in chunks (sentences): each is scheduled as soon as it is ready, and a
                # cancelled reply closes the stream, which stops the voice within the chunk it is making.
                async with contextlib.aclosing(self.tts.stream(item.text)) as chunks:
                    async for speech in chunks:
                        first_audio.close()  # the first chunk is here: the model goes on
                        shown = await self._schedule(reply, speech, item.emotion, shown, breath)
                        breath = None

    async def _schedule(
        self,
        reply: ActiveReply,
        speech: SpeechAudio,
        emotion: EmotionState,
        shown: EmotionState | None,
        breath: BreathCue | None = None,
    ) -> EmotionState | None:
        """Place one chunk of speech on the audio timeline and show it on the face; returns the emotion shown."""
        timings = reply.timings
        timings.mark("first_audio_ready", self.clock.now())
        await reply.wait_committed()  # a speculative reply waits here until the turn is certain
        if len(speech.samples) == 0:
            return shown
        clause = self.playout.schedule(reply.utterance_id, speech, self.clock.now() + self.lookahead_s)
        reply.clauses.append(clause)
        if breath is not None:
            self.face.breathe(breath.phase, clause.start_t, breath.seconds)  # in time with the spoken count
        if reply.paused:
            return shown  # held by the playout; the face gets it if the reply resumes
        timings.mark("first_audio_pts", clause.start_t)
        if emotion != shown:
            # While speaking, keep some expression even for a neutral tag: a dead face reads as a glitch.
            visible = EmotionState(emotion.emotion, max(emotion.intensity, _SPEAKING_EMOTION_FLOOR))
            self.face.emotion(visible, reply.utterance_id, clause.start_t)
            shown = emotion
        if len(reply.clauses) == 1:
            self.face.conversation_state("speaking", clause.start_t)
        self.face.speech(clause)
        self.events.emit(
            ClauseScheduled(
                self.clock.now(), reply.turn.turn_id, reply.utterance_id, speech.text, emotion.emotion.value,
                emotion.intensity, clause.start_t, speech.duration_s, clause.index,
            )
        )  # fmt: skip
        return shown

    def _finish(self, reply: ActiveReply) -> None:
        if reply.done.is_set():
            return
        if not reply.state.final:
            reply.move(ReplyState.FINISHED if reply.committed else ReplyState.CANCELLED)
        reply.done.set()
        now = self.clock.now()
        result = reply.result
        interrupted = reply.cancelled or (result is not None and result.interrupted)
        end_t = result.end_t if result is not None else now
        reply.timings.mark("reply_done", end_t)
        if not reply.committed:
            return  # a speculative reply that never spoke leaves no trace
        heard_until = (reply.silent_t if reply.silent_t is not None else end_t) if interrupted else None
        spoken = reply.spoken_text(until=heard_until)
        emotion = reply.emotion or self.baseline
        if reply.remember:
            self.context.history.append(Exchange(reply.turn.text, spoken, emotion, reply.source, interrupted))
        if not interrupted:
            # Back to the persona's resting face a moment after the reply.
            self.face.emotion(self.baseline, 0, end_t + 1.0)
            self.face.conversation_state("idle", end_t)
        self.events.emit(
            ReplyFinished(
                now,
                reply.turn.turn_id,
                reply.utterance_id,
                spoken,
                emotion.emotion.value,
                round(emotion.intensity, 3),
                reply.source,
                interrupted,
                str(result.path) if result is not None and result.path else None,
                reply.timings.since_end_of_speech_ms(),
                reply.timings.end_of_speech,
            )
        )
