"""One robot's conversation: the asyncio loop that listens, watches, decides and answers.

The session owns the turn-taking decisions; the listener reports what it hears, the responder produces replies:

* User speech while the robot speaks pauses the reply at once (audio fades within ``fade_ms``, the face drops
  the utterance's frames). When the user's burst ends, a backchannel ("mhm", "okay") or noise resumes the reply
  from the start of the cut clause; anything else cancels it (model and TTS work included) and is answered.
* At a pause the listener offers a candidate transcript; if it sounds complete the reply starts right away,
  *speculatively*: it generates and synthesizes, but its audio waits until the turn is confirmed over, and it is
  thrown away if the user goes on.
* The face shows listening when the user starts, thinking when the turn ends, speaking with the first clause.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from companion.agent.config.schema import Config
from companion.agent.events import (
    AffectChanged,
    AudioEnded,
    AudioStarted,
    BargeIn,
    ClauseStarted,
    CrisisAcknowledged,
    CrisisEnded,
    ErrorEvent,
    Event,
    EventBus,
    HeadGesture,
    InterruptionResolved,
    PartialTranscript,
    PersonaChanged,
    ReplyFinished,
    UserSpeechStarted,
    UserTurnEvent,
    VisitorPresence,
    VisitorSession,
)
from companion.agent.face_port import AgentFace
from companion.agent.hearing import CandidateHeard, PartialHeard, SpeechPaused, SpeechResumed, SpeechStarted, TurnEnded
from companion.agent.listener import Listener
from companion.agent.llm.base import LanguageModel, LanguageModelError
from companion.agent.loop_lag import LoopLagMonitor
from companion.agent.metrics import Metrics
from companion.agent.mirror import Mirror
from companion.agent.policy.boundaries import BoundaryStep
from companion.agent.policy.chain import PolicyChain
from companion.agent.policy.llm_step import LlmStep
from companion.agent.policy.plugin_loader import load_plugins
from companion.agent.policy.safety import SafetyStep
from companion.agent.policy.tools import ToolBox
from companion.agent.policy.types import DialogueContext, Plugin, Reply, UserTurn, fixed_reply
from companion.agent.reply import ActiveReply, ReplyState
from companion.agent.responder import Responder
from companion.agent.timing import TurnTimings
from companion.agent.turn_rules import is_false_interruption, normalize, sounds_unfinished
from companion.agent.visitor_follower import VisitorFollower
from companion.core.clock import Clock, LoopClock
from companion.core.errors import CompanionError, ConfigError
from companion.core.tasks import TaskSet
from companion.face.animator import FaceAnimator
from companion.face.emotions import EmotionState
from companion.face.publisher import FacePublisher, run_publisher_safely
from companion.perception.perceiver import Perceiver
from companion.perception.presence import PresenceEvent
from companion.perception.visitor import VisitorState
from companion.speech.echo import EchoCanceller, PassThrough
from companion.speech.playout import Playout, PlayoutResult, ScheduledClause
from companion.speech.sinks import AudioSink, NullSink
from companion.speech.sources import AudioSource
from companion.speech.stt import SpeechToText
from companion.speech.tts import TextToSpeech
from companion.speech.vad import VoiceActivityDetector

log = logging.getLogger(__name__)

PERCEPTION_EVENTS = (HeadGesture, VisitorPresence, AffectChanged)  # what plugins' ``on_perception`` hooks get


@dataclass
class SessionParts:
    """The pieces a session runs on. ``companion.agent.assembly`` builds the real ones; tests pass fakes."""

    tts: TextToSpeech
    llm: LanguageModel
    stt: SpeechToText | None = None
    vad: VoiceActivityDetector | None = None
    echo: EchoCanceller = field(default_factory=PassThrough)
    sink: AudioSink = field(default_factory=NullSink)
    publisher: FacePublisher | None = None
    plugins: list[Plugin] = field(default_factory=list)
    metrics: Metrics | None = None
    animator: FaceAnimator | None = None
    safety: SafetyStep | None = None  # default: built from config.safety (tests pass one that runs inline)


class ConversationSession:
    def __init__(
        self, config: Config, parts: SessionParts, clock: Clock | None = None, events: EventBus | None = None
    ) -> None:
        self.config = config
        self.parts = parts
        self.clock = clock or LoopClock()
        self.events = events or EventBus()
        self.persona = config.active_persona
        self.turn_config = config.turn_taking_for(self.persona)
        self.context = self._new_context()
        self.metrics = parts.metrics
        llm_step = LlmStep(parts.llm, config.models.llm, on_error=self._on_llm_error)
        safety = parts.safety or SafetyStep(config.safety)
        boundaries = BoundaryStep(self.persona.boundaries, safety)
        self.chain = PolicyChain(
            safety, parts.plugins, llm_step, plugin_timeout_s=config.plugins.timeout_s, boundaries=boundaries
        )
        llm_step.tools = ToolBox.of(
            parts.plugins, self.chain.screen_clause, config.plugins.timeout_s, faults=self.chain.faults
        )
        llm_step.tools.check(self.persona.tools, f"personas.{config.persona}.tools")
        self.playout = Playout(self.clock, parts.sink, parts.tts.sample_rate, listener=_PlayoutEvents(self.events))
        animator = parts.animator or (parts.publisher.animator if parts.publisher else FaceAnimator())
        self.face = AgentFace(animator, parts.publisher)
        baseline = self.persona.emotion_baseline
        self.face.emotion(EmotionState(baseline.emotion, baseline.intensity), 0, self.clock.now())
        self.responder = Responder(
            self.chain, self.context, parts.tts, self.playout, self.face, self.clock, self.events,
            config.face.lookahead_ms / 1000.0, self.turn_config.fade_ms, empathy=self._empathy,
        )  # fmt: skip
        self.follower = VisitorFollower(
            self.face, self.events, self.clock, Mirror(config.mirror),
            emotion_inference=config.emotion_inference_enabled, on_presence=self._on_presence,
        )  # fmt: skip
        animator.set_mirror_response(config.mirror.response_ms / 1000.0)
        self._visitors = itertools.count(1)
        self.visitor = 0  # the current visitor session (0: none started yet)
        if parts.publisher is not None:
            parts.publisher.on_first_frame = self._on_first_frame
            parts.publisher.on_rig_latency = self._fit_lookahead
        self._lookahead_due: float | None = None  # a new lookahead (s), applied when no reply is playing
        self.loop_lag = LoopLagMonitor()
        self.llm_ready = True  # False when the model did not answer its warm-up (see warm_up)
        self._turn_ids = itertools.count(1)
        self._active: ActiveReply | None = None  # the committed reply that has the floor
        self._speculative: ActiveReply | None = None  # started on a candidate transcript, not yet committed
        self._prefilling: asyncio.Task[None] | None = None  # the language model computing the prompt's start
        self._interrupted: ActiveReply | None = None  # paused by user speech, waiting for the verdict
        self._replies: dict[int, ActiveReply] = {}
        self._services = TaskSet("session")  # playout, loop-lag monitor, face frames: run until close
        self._listener: Listener | None = None
        self._cancellations = TaskSet("session")  # reply cancellations started from listener callbacks
        self._greetings = TaskSet("session")  # greetings of arriving visitors

    # --- lifecycle --------------------------------------------------------------------------------------------

    async def warm_up(self) -> None:
        """Load the models (in their own threads) and run each once.

        A language model that does not answer (its server is down, or silent) is not fatal: the robot starts, one
        warning line says so, and every turn answers with the persona's fallback line until the model answers (the
        next turn tries again). A robot whose parts boot in any order must not stay mute because one came late."""
        models = [self.parts.tts, *([self.parts.stt] if self.parts.stt is not None else [])]
        await asyncio.gather(*(model.warm_up() for model in models), self.warm_up_llm())

    async def warm_up_llm(self) -> None:
        """The language model's warm-up; one that does not answer is a warning, not an error (see ``warm_up``)."""
        try:
            await self.parts.llm.warm_up()
        except LanguageModelError as error:
            self.llm_ready = False
            log.warning(
                "the language model is not answering (%s); starting anyway: the robot answers with its fallback "
                "line until it does",
                error,
            )

    async def start(self) -> None:
        await self.chain.lifecycle("on_start")
        self.events.subscribe(self._perceived)
        self._start_visitor_session("start")
        if self.persona.mirror:
            self.follower.set_mirror(True, "persona")
        self._services.spawn(self.playout.run(), "playout")
        self._services.spawn(self.loop_lag.run(), "loop-lag")
        if self.parts.publisher is not None:
            await self.parts.publisher.announce()
            self._services.spawn(run_publisher_safely(self.parts.publisher), "face-frames")
            self._services.spawn(self.parts.publisher.keep_announcing(), "face-announcements")

    async def close(self) -> None:
        for reply in (self._speculative, self._active, self._interrupted):
            if reply is not None:
                await self.responder.cancel(reply, self.clock.now())
        await self._cancellations.wait()
        await self._greetings.cancel()
        self._end_visitor_session("shutdown")
        await self._cancellations.wait()  # the plugins' visitor_left
        await self.chain.lifecycle("on_stop")
        if self._listener is not None:
            await self._listener.close()
        await self.face.drain()
        await self._services.cancel()
        self.parts.sink.close()
        if self.parts.publisher is not None:
            await self.parts.publisher.close()

    async def wait_idle(self) -> None:
        """Until no reply is pending or playing."""
        while True:
            pending = [r for r in (self._active, self._speculative, self._interrupted) if r and not r.done.is_set()]
            if not pending:
                return
            await asyncio.wait([asyncio.ensure_future(r.done.wait()) for r in pending])

    # --- typed input ------------------------------------------------------------------------------------------

    async def greet(self) -> ReplyFinished | None:
        """Open the conversation: a plugin's opening (a lesson's intro and first question), else the greeting."""
        answer = await self.chain.opening(self.context)
        remember = answer is not None  # a plugin's opening is part of the conversation ("repeat that" works)
        if answer is None and self.persona.greeting:
            answer = fixed_reply(self.persona.greeting, "greeting")
        if answer is None:
            return None
        return await self._speak_unprompted(answer, remember)

    async def _speak_unprompted(self, answer: Reply, remember: bool) -> ReplyFinished:
        """Say a reply that answers no user turn (a greeting, a plugin's answer to a nod)."""
        turn = UserTurn(next(self._turn_ids), "", "text", self.clock.now())
        timings = TurnTimings(turn.turn_id, end_of_speech=turn.t, transcript_final=turn.t)
        reply = self._track(self.responder.start(turn, timings, answer=answer, remember=remember))
        if self._active is None or self._active.done.is_set():
            self._active = reply  # the visitor may talk over a greeting (or a lesson's first question): barge-in
        return await self._run_to_end(reply)

    # --- the face's lookahead ---------------------------------------------------------------------------------

    def _fit_lookahead(self, rig_latency_ms: float) -> None:
        """A face-controller reported its rig's latency: schedule audio (and face frames) only as far ahead as the
        rig needs (latency plus ``face.lookahead_margin_ms``), never more than ``face.lookahead_ms``. The change
        waits for a moment with no reply playing."""
        face = self.config.face
        if face.lookahead_margin_ms is None:
            return
        fitted_ms = max(20.0, min(float(face.lookahead_ms), rig_latency_ms + face.lookahead_margin_ms))
        self._lookahead_due = fitted_ms / 1000.0
        if not self._busy():
            self._apply_lookahead()

    def _apply_lookahead(self) -> None:
        due, self._lookahead_due = self._lookahead_due, None
        if due is None or due == self.responder.lookahead_s:
            return
        log.info("face lookahead %.0f ms (the rig's latency plus margin)", due * 1000)
        self.responder.lookahead_s = due
        if self.parts.publisher is not None:
            self.parts.publisher.lookahead_s = due

    # --- perception events to plugins ---------------------------------------------------------------------------

    def _busy(self) -> bool:
        """A reply is being made or played, or the user is talking: no time for an unprompted reply."""
        replies = (self._active, self._speculative, self._interrupted)
        talking = self._listener is not None and self._listener.segmenter.in_utterance
        return talking or any(reply is not None and not reply.done.is_set() for reply in replies)

    def _perceived(self, event: Event) -> None:
        """A nod or shake onset, a presence change or an affect change reaches the plugins while the robot is
        silent and the user is not speaking; the first plugin that answers is said (a nod answering yes)."""
        if not isinstance(event, PERCEPTION_EVENTS) or self._busy() or not self.chain.plugins:
            return
        if isinstance(event, HeadGesture) and event.phase != "onset":
            return
        self._greetings.spawn(self._answer_perceived(event), "plugins-perceived")

    async def _answer_perceived(self, event: Event) -> None:
        answer = await self.chain.perceived(event, self.context)
        if answer is not None and not self._busy():
            await self._speak_unprompted(answer, remember=True)

    async def say(self, text: str) -> ReplyFinished:
        """A typed turn: answered at once (it interrupts a reply still playing), returns when the reply ends."""
        now = self.clock.now()
        if self._active is not None and not self._active.done.is_set():
            await self.responder.cancel(self._active, now)
        turn = UserTurn(next(self._turn_ids), text, "text", now)
        self.events.emit(UserTurnEvent(now, turn.turn_id, text, "text"))
        self.face.conversation_state("thinking", now)
        timings = TurnTimings(turn.turn_id, end_of_speech=now, transcript_final=now)
        return await self._run_to_end(self._commit_new(turn, timings))

    async def stop_speaking(self) -> None:
        """Stop the current reply now (a fade, no resume), as an operator's "stop" button would."""
        for reply in (self._active, self._interrupted):
            if reply is not None and not reply.done.is_set():
                await self.responder.cancel(reply, self.clock.now())

    async def _run_to_end(self, reply: ActiveReply) -> ReplyFinished:
        await reply.done.wait()
        return await self.events.wait_for(ReplyFinished, lambda e: e.utterance_id == reply.utterance_id)

    # --- voice input ------------------------------------------------------------------------------------------

    async def listen(self, source: AudioSource) -> None:
        """Listen to ``source`` until it ends, then wait for the last reply to finish playing."""
        if self.parts.stt is None or self.parts.vad is None:
            raise RuntimeError("listening needs speech-to-text and a VAD in the session parts")
        store = self.config.audio.output.dir / "user-audio" if self.config.privacy.store_audio else None
        self._listener = Listener(
            self.parts.stt, self.parts.vad, self.parts.echo, self.playout, self.clock, self.turn_config, self, store
        )
        await self._listener.run(source)
        await self.wait_idle()

    def robot_audible(self, t: float) -> bool:
        return self.playout.speaking_at(t)

    def on_speech_started(self, event: SpeechStarted) -> None:
        t = event.t
        robot_speaking = self.robot_audible(t)
        self.events.emit(UserSpeechStarted(self.clock.now(), robot_speaking))
        self.face.conversation_state("listening", self.clock.now())
        self._drop_speculative()
        active = self._active
        if active is None or active.done.is_set():
            self._prefill_prompt()
            return
        if not self.turn_config.barge_in or self._interrupted is active:
            return
        now = self.clock.now()
        silent_at = self.responder.pause(active, now)
        self._interrupted = active
        self.events.emit(BargeIn(now, active.utterance_id, t, silent_at))
        if self.metrics is not None:
            self.metrics.count_barge_in()

    def _prefill_prompt(self, heard: str = "") -> None:
        """Someone speaks to an idle robot: the language model computes the prompt's start (system prompt, history,
        and the draft of their words so far) now, so the end of their turn prefills only what the draft missed. At
        most one prefill runs: a draft that arrives meanwhile is skipped (the next one covers it)."""
        step = self.chain.final
        if not isinstance(step, LlmStep) or (self._prefilling is not None and not self._prefilling.done()):
            return
        self._prefilling = self._cancellations.spawn(step.prefill(self.context, heard), "prefill")

    def on_speech_paused(self, event: SpeechPaused) -> None:
        return None

    def on_speech_resumed(self, event: SpeechResumed) -> None:
        self._drop_speculative()  # the user goes on: what was prepared answers a sentence they did not finish
        self.face.conversation_state("listening", self.clock.now())

    def on_partial(self, event: PartialHeard) -> None:
        self.events.emit(PartialTranscript(event.t, event.text))
        idle = self._active is None or self._active.done.is_set()
        if idle and self._speculative is None and self._interrupted is None and normalize(event.text):
            self._prefill_prompt(event.text)

    def on_candidate(self, event: CandidateHeard) -> None:
        text, t = event.text, event.t
        if not self.turn_config.early_reply or self._interrupted is not None:
            return
        if not normalize(text) or sounds_unfinished(text):
            return
        if self._active is not None and not self._active.done.is_set():
            return  # the robot still has the floor; the end of the turn decides
        speculative = self._speculative
        if speculative is not None:
            if normalize(speculative.turn.text) == normalize(text):
                return  # already preparing exactly this
            self._drop_speculative()
        turn = UserTurn(next(self._turn_ids), text, "voice", t)
        timings = TurnTimings(turn.turn_id)
        self._speculative = self._track(self.responder.start(turn, timings, committed=False))
        self.face.conversation_state("thinking", self.clock.now())  # it is thinking: show it before it is sure

    def on_end_of_turn(self, event: TurnEnded) -> None:
        text, end_of_speech_t, transcript_t, t = event.text, event.end_of_speech_t, event.transcript_t, event.t
        interrupted, self._interrupted = self._interrupted, None
        config = self.turn_config
        if interrupted is not None and not interrupted.done.is_set():
            short_s = config.backchannel_max_ms / 1000.0
            if is_false_interruption(text, event.speech_s, config.backchannels, short_s, config.interrupt_words):
                self._resolve_false_interruption(interrupted, text)
                self._drop_speculative()
                if normalize(text):  # even a word said over the robot is screened ("suicidal" in 400 ms)
                    self._cancellations.spawn(self._screen_backchannel(text, end_of_speech_t, t), "screen")
                return
            self._cancellations.spawn(self.responder.cancel(interrupted, t), "cancel-reply")
            self.events.emit(InterruptionResolved(t, interrupted.utterance_id, "interrupted", text))
        if not normalize(text):
            self._drop_speculative()  # noise, a cough: nothing to answer
            self.face.conversation_state("idle", t)
            return
        self.face.conversation_state("thinking", t)
        speculative, self._speculative = self._speculative, None
        if (
            speculative is not None
            and speculative.state is ReplyState.PREPARING
            and normalize(speculative.turn.text) == normalize(text)
        ):
            turn = speculative.turn
            speculative.timings.end_of_speech = end_of_speech_t
            speculative.timings.transcript_final = transcript_t
            self.events.emit(UserTurnEvent(t, turn.turn_id, text, "voice", end_of_speech_t, event.covers_until))
            self._active = speculative
            self.responder.commit(speculative)
            return
        if speculative is not None:
            self._cancellations.spawn(self.responder.cancel(speculative, t), "cancel-reply")
        turn = UserTurn(next(self._turn_ids), text, "voice", end_of_speech_t)
        self.events.emit(UserTurnEvent(t, turn.turn_id, text, "voice", end_of_speech_t, event.covers_until))
        timings = TurnTimings(turn.turn_id, end_of_speech=end_of_speech_t, transcript_final=transcript_t)
        self._commit_new(turn, timings)

    async def _screen_backchannel(self, text: str, end_of_speech_t: float, t: float) -> None:
        """A backchannel the crisis detector flags is a turn after all: the reply stops and safety answers."""
        verdict = await self.chain.safety.assess(text, self.context)
        if not verdict.risk:
            return
        for reply in (self._active, self._interrupted):
            if reply is not None and not reply.done.is_set():
                await self.responder.cancel(reply, self.clock.now())
        turn = UserTurn(next(self._turn_ids), text, "voice", end_of_speech_t)
        self.events.emit(UserTurnEvent(self.clock.now(), turn.turn_id, text, "voice"))
        self._commit_new(turn, TurnTimings(turn.turn_id, end_of_speech=end_of_speech_t, transcript_final=t))

    def _resolve_false_interruption(self, reply: ActiveReply, text: str) -> None:
        now = self.clock.now()
        if self.turn_config.resume_after_false_interruption:
            self.responder.resume(reply)
            kind = "resumed"
        else:
            self._cancellations.spawn(self.responder.cancel(reply, now), "cancel-reply")
            kind = "dropped"
        self.events.emit(InterruptionResolved(now, reply.utterance_id, kind, text))
        if self.metrics is not None:
            self.metrics.count_false_interruption()
            if normalize(text):
                self.metrics.count_backchannel()

    # --- perception -------------------------------------------------------------------------------------------

    async def watch(self, perceiver: Perceiver, also: Callable[[VisitorState], None] | None = None) -> None:
        """Follow the visitor until perception ends; a camera that fails ends mirroring, not the conversation.
        ``also`` sees every state too (publishing perception for other programs)."""

        def update(state: VisitorState) -> None:
            self.on_visitor(state)
            if also is not None:
                also(state)

        try:
            await perceiver.run(update)
        except CompanionError as error:
            log.warning("perception stopped: %s", error)
            self.follower.lost("camera lost")
        except Exception:
            log.exception("perception failed")
            self.follower.lost("camera lost")
        else:
            self.follower.lost("video ended")

    def on_visitor(self, state: VisitorState) -> None:
        self.context.visitor = state
        self.follower.update(state)

    def set_mirror(self, on: bool, reason: str = "command") -> None:
        """Mirror mode on or off (the --mirror flag, a persona's ``mirror``, the protocol's mirror command)."""
        self.follower.set_mirror(on, reason)

    # --- personas ---------------------------------------------------------------------------------------------

    def switch_persona(self, key: str, greet: bool = False) -> bool:
        """Become the persona ``key`` of the config (the ``persona`` command): its prompt, plugins, boundaries,
        turn-taking, baseline face and mirror setting. What is being said stops and a new conversation starts, so
        nothing of one persona's talk carries into the other's. Refused (one log line, a ``persona_changed`` event
        with ``refused``) for an unknown persona, a persona with another voice (the voice is loaded at start:
        restart with ``--persona``), and during a crisis (crisis handling is never switched away)."""
        now = self.clock.now()
        previous = self.config.persona
        persona = self.config.personas.get(key)
        refused = ""
        if persona is None:
            refused = f"no persona {key!r} in the config (defined: {', '.join(sorted(self.config.personas))})"
        elif persona.voice != self.persona.voice:
            refused = f"persona {key!r} speaks with another voice ({persona.voice}): restart with --persona {key}"
        elif self.context.crisis_active:
            refused = "a crisis is open: an operator acknowledges it first"
        if refused:
            log.warning("persona switch to %r refused: %s", key, refused)
            self.events.emit(PersonaChanged(now, key, "", previous, refused))
            return False
        assert persona is not None
        old_names = set(self.persona.plugins)
        extras = [plugin for plugin in self.chain.plugins if plugin.name not in old_names]  # given in code: kept
        plugins = load_plugins(persona.plugins, where=f"personas.{key}.plugins")
        tools = ToolBox.of(
            [*plugins, *extras], self.chain.screen_clause, self.config.plugins.timeout_s, faults=self.chain.faults
        )
        try:
            tools.check(persona.tools, f"personas.{key}.tools")
        except ConfigError as error:
            log.warning("persona switch to %r refused: %s", key, error.message)
            self.events.emit(PersonaChanged(now, key, "", previous, error.message))
            return False
        self._end_visitor_session("persona switch")
        if isinstance(self.chain.final, LlmStep):
            self.chain.final.tools = tools
        self.config = self.config.model_copy(update={"persona": key})
        self.persona = persona
        self.turn_config = self.config.turn_taking_for(persona)
        self.chain.plugins = [*plugins, *extras]
        self.chain.boundaries = BoundaryStep(persona.boundaries, self.chain.safety)
        self.responder.fade_ms = self.turn_config.fade_ms
        if self._listener is not None:
            self._listener.config = self.turn_config
        baseline = persona.emotion_baseline
        self.face.emotion(EmotionState(baseline.emotion, baseline.intensity), 0, now)
        self.follower.set_mirror(persona.mirror, "persona")
        self._start_visitor_session("persona switch")
        log.warning("persona switched from %r to %r (%s)", previous, key, persona.name)
        self.events.emit(PersonaChanged(now, key, persona.name, previous))
        if greet:
            self._greetings.spawn(self.greet(), "greeting")
        return True

    # --- visitor sessions -------------------------------------------------------------------------------------

    def new_visitor(self, reason: str = "new_visitor command") -> None:
        """End this visitor's session and start a fresh one: nothing of theirs reaches the next visitor."""
        self._end_visitor_session(reason)
        self._start_visitor_session(reason)

    def acknowledge_crisis(self, alert_id: str, by: str = "") -> bool:
        """An operator acknowledged a crisis alert (the ``crisis_ack`` command): its retained alert is cleared and,
        when it is this visitor's crisis, crisis mode ends. True when it was this visitor's."""
        now = self.clock.now()
        self.events.emit(CrisisAcknowledged(now, alert_id, by))
        crisis = self.context.crisis
        if crisis is None or crisis.alert_id != alert_id:
            return False
        self.context.crisis = None
        self.events.emit(CrisisEnded(now, alert_id, "acknowledged"))
        log.warning("crisis alert %s acknowledged%s: crisis mode off", alert_id, f" by {by}" if by else "")
        return True

    def _on_presence(self, change: PresenceEvent) -> None:
        sessions = self.config.sessions
        if change.change == "arrived":
            self.new_visitor("arrived")
            if sessions.greet_on_arrival:
                self._greetings.spawn(self.greet(), "greeting")
        elif change.change == "left" and sessions.end_when_visitor_leaves:
            self._end_visitor_session("left")
            self._start_visitor_session("left")

    def _start_visitor_session(self, reason: str) -> None:
        self.visitor = next(self._visitors)
        self.context = self._new_context()
        self.responder.context = self.context
        self.follower.mirror.reset()
        self.events.emit(VisitorSession(self.clock.now(), "started", self.visitor, reason))

    def _end_visitor_session(self, reason: str) -> None:
        """Stop whatever is said to this visitor and forget them: history, crisis state, plugin state, caches."""
        if not self.visitor:
            return
        now = self.clock.now()
        for reply in (self._speculative, self._active, self._interrupted):
            if reply is not None and not reply.done.is_set():
                self._cancellations.spawn(self.responder.cancel(reply, now), "cancel-reply")
        self._speculative = self._active = self._interrupted = None
        self._greetings_cancel()
        forget = getattr(self.parts.llm, "forget", None)
        if callable(forget):
            forget()  # the model's cache of this conversation
        self.context.visitor = None
        if self.context.crisis is not None:  # the alert stays published until an operator acknowledges it
            ended = "shutdown" if reason == "shutdown" else "visitor_left"
            self.events.emit(CrisisEnded(now, self.context.crisis.alert_id, ended))
        self._cancellations.spawn(self.chain.visitor_left(self.context), "plugins-visitor-left")
        self.events.emit(VisitorSession(now, "ended", self.visitor, reason))
        self.visitor = 0

    def _new_context(self) -> DialogueContext:
        """A fresh conversation: nothing of the last visitor's, the session's clock and events for plugins."""
        return DialogueContext(
            self.persona,
            emotion_inference=self.config.emotion_inference_enabled,
            config=self.config,
            emit=self.events.emit,
            now=self.clock.now,
        )

    def _greetings_cancel(self) -> None:
        if len(self._greetings):
            self._cancellations.spawn(self._greetings.cancel(), "cancel-greeting")

    def _empathy(self) -> EmotionState | None:
        """The face a reply starts with when its text names no emotion: the persona's response to the visitor's
        affect, where emotion inference is allowed and the affect is clear enough."""
        empathy = self.persona.empathy
        visitor = self.follower.visitor
        if not (empathy.enabled and self.context.emotion_inference) or visitor is None or not visitor.present:
            return None
        if visitor.affect is None or visitor.affect_confidence < empathy.min_confidence:
            return None
        response = empathy.responses.get(visitor.affect)
        return EmotionState(response.emotion, response.intensity) if response is not None else None

    # --- bookkeeping ------------------------------------------------------------------------------------------

    def _commit_new(self, turn: UserTurn, timings: TurnTimings) -> ActiveReply:
        reply = self._track(self.responder.start(turn, timings, committed=True))
        self._active = reply
        return reply

    def _drop_speculative(self) -> None:
        speculative, self._speculative = self._speculative, None
        if speculative is not None:
            self._cancellations.spawn(self.responder.cancel(speculative, self.clock.now()), "cancel-reply")

    def _track(self, reply: ActiveReply) -> ActiveReply:
        self._apply_lookahead()  # a reply starts: a fitted lookahead waits no longer (its clauses are not out yet)
        self._replies[reply.utterance_id] = reply
        assert reply.task is not None
        reply.task.add_done_callback(lambda _task: self._on_reply_done(reply))
        return reply

    def _on_reply_done(self, reply: ActiveReply) -> None:
        self._replies.pop(reply.utterance_id, None)
        if self._active is reply:
            self._active = None
        if not reply.committed:
            return
        timings = reply.timings
        lag = self.loop_lag.stats()
        if self.config.metrics.log_turn_timings and timings.end_of_speech is not None:
            log.info(
                "turn %d (%s) ms after end of speech: %s; event-loop lag p99 %.1f ms, max %.1f ms",
                timings.turn_id, timings.reply_source, timings.since_end_of_speech_ms(), lag.p99_ms, lag.max_ms,
            )  # fmt: skip
        if self.metrics is not None:
            self.metrics.observe_turn(timings)
            self.metrics.set_loop_lag(lag)

    def _on_first_frame(self, utterance_id: int, t: float) -> None:
        reply = self._replies.get(utterance_id)
        if reply is not None:
            reply.timings.mark("first_frame_published", t)

    def _on_llm_error(self, error: Exception) -> None:
        self.events.emit(ErrorEvent(self.clock.now(), "llm_failed", f"the language model failed: {error}"))
        if self.metrics is not None:
            self.metrics.count_llm_error()


class _PlayoutEvents:
    """What the speaker actually plays, as events (the playout calls these as it writes the samples)."""

    def __init__(self, events: EventBus) -> None:
        self.events = events

    def audio_started(self, utterance_id: int, t: float) -> None:
        self.events.emit(AudioStarted(t, utterance_id))

    def clause_started(self, clause: ScheduledClause, t: float) -> None:
        self.events.emit(ClauseStarted(t, clause.utterance_id, clause.index, clause.speech.text))

    def audio_ended(self, result: PlayoutResult) -> None:
        self.events.emit(AudioEnded(result.end_t, result.utterance_id, result.interrupted, round(result.played_s, 3)))
