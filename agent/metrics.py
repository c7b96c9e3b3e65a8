"""Prometheus metrics of one agent: turn latencies, conversation events, errors and the event loop's lag.

Each ``Metrics`` has its own registry rather than prometheus_client's global one, so several agents (or tests) in
one process never clash over metric names. ``serve`` exposes ``/metrics`` on the agent's own event loop with
aiohttp rather than prometheus_client's server thread: no extra thread on a 2-core budget, and it stops with the
agent.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

from companion.agent.events import Event
from companion.agent.loop_lag import LoopLagStats
from companion.agent.timing import MILESTONES, TurnTimings
from companion.core.errors import CompanionError

_KIND_FIELDS = ("kind", "change", "emotion", "phase", "on")  # the first an event has labels its count

# Voice agents live between "instant" (~0.2 s to first audio) and "broken" (several seconds): fine buckets there.
LATENCY_BUCKETS_S = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0)


class Metrics:
    """The agent's metrics. Pass ``loop_lag`` (e.g. ``LoopLagMonitor().stats``) to refresh the lag on each scrape."""

    def __init__(self, loop_lag: Callable[[], LoopLagStats] | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._loop_lag = loop_lag
        self._milestone_seconds = Histogram(
            "companion_turn_milestone_seconds",
            "Seconds from the end of the user's speech to each milestone of the reply",
            ["milestone"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        for milestone in MILESTONES[1:]:
            self._milestone_seconds.labels(milestone)  # every series exists from the start, at zero
        self._turns = Counter(
            "companion_turns", "Turns answered, by what produced the reply", ["source"], registry=self.registry
        )
        self._barge_ins = Counter("companion_barge_ins", "The user interrupted the robot", registry=self.registry)
        self._false_interruptions = Counter(
            "companion_false_interruptions",
            "Interruptions that turned out to be noise or a backchannel; the robot resumed",
            registry=self.registry,
        )
        self._backchannels = Counter(
            "companion_backchannels", "Short listener sounds (mhm, yeah) not taken as a turn", registry=self.registry
        )
        self._llm_errors = Counter(
            "companion_llm_errors", "LLM failures and timeouts answered with the fallback line", registry=self.registry
        )
        self._malformed = Counter(
            "companion_malformed_messages",
            "Malformed network input that was counted and dropped, by where it came from",
            ["source"],
            registry=self.registry,
        )
        self._events = Counter(
            "companion_events",
            "Conversation and perception events (presence, gestures, affect changes, mirror, visitor sessions)",
            ["type", "kind"],
            registry=self.registry,
        )
        self._crisis_alerts = Counter(
            "companion_crisis_alerts",
            "Crisis alerts raised (change=started) or raised in level (change=raised), by category and level",
            ["change", "category", "level"],
            registry=self.registry,
        )
        self._lag_p99 = Gauge(
            "companion_loop_lag_p99_seconds", "p99 of the event loop's recent wake-up lag", registry=self.registry
        )
        self._lag_max = Gauge(
            "companion_loop_lag_max_seconds", "Largest recent wake-up lag of the event loop", registry=self.registry
        )
        self._runner: web.AppRunner | None = None

    # --- recording ------------------------------------------------------------------------------------------------

    def observe_turn(self, timings: TurnTimings) -> None:
        """Count the turn and record each milestone it reached, in seconds after the end of speech."""
        self._turns.labels(timings.reply_source or "unknown").inc()
        if timings.end_of_speech is None:
            return
        for milestone in MILESTONES[1:]:
            at = getattr(timings, milestone)
            if at is not None:
                # An early reply can start before the user has finished: that costs the user no waiting, and a
                # negative observation would corrupt the histogram's sum, so it counts as zero.
                self._milestone_seconds.labels(milestone).observe(max(0.0, at - timings.end_of_speech))

    def count_barge_in(self) -> None:
        self._barge_ins.inc()

    def count_false_interruption(self) -> None:
        self._false_interruptions.inc()

    def count_backchannel(self) -> None:
        self._backchannels.inc()

    def count_llm_error(self) -> None:
        self._llm_errors.inc()

    def count_malformed(self, source: str, n: int = 1) -> None:
        """``source`` names the input: "mqtt", "llm", ..."""
        self._malformed.labels(source).inc(n)

    def count_event(self, event: Event) -> None:
        """Count an event of the bus by type and, where it has one, its kind (gesture, presence change, ...)."""
        kind = next((str(getattr(event, name)) for name in _KIND_FIELDS if hasattr(event, name)), "")
        self._events.labels(event.type, kind).inc()

    def count_crisis_alert(self, change: str, category: str, level: str) -> None:
        self._crisis_alerts.labels(change, category, level).inc()

    def set_loop_lag(self, stats: LoopLagStats) -> None:
        self._lag_p99.set(stats.p99_ms / 1000.0)
        self._lag_max.set(stats.max_ms / 1000.0)

    # --- exposition -----------------------------------------------------------------------------------------------

    def render(self, accept: str = "") -> tuple[bytes, str]:
        """The exposition (body, content type) for an ``Accept`` header: Prometheus text, or OpenMetrics if asked."""
        if self._loop_lag is not None:
            self.set_loop_lag(self._loop_lag())
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type

    async def serve(self, host: str, port: int) -> int:
        """Serve GET /metrics; returns the bound port (``port`` 0 picks a free one)."""
        if self._runner is not None:
            raise RuntimeError("metrics are already being served")
        app = web.Application()
        app.router.add_get("/metrics", self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as error:
            await runner.cleanup()
            raise CompanionError(
                f"cannot serve metrics on {host}:{port}: {error.strerror or error}",
                hint="set metrics.prometheus_port to a free port, or 0 to pick one",
            ) from error
        self._runner = runner
        return int(runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        body, content_type = self.render(request.headers.get("Accept", ""))
        # The content type carries version and charset parameters, which web.Response's content_type= refuses.
        return web.Response(body=body, headers={"Content-Type": content_type})
