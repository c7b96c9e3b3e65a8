"""Metrics scraped over HTTP: turn milestones land in the right histogram buckets, counters and lag gauges show."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from companion.agent.loop_lag import LoopLagStats
from companion.agent.metrics import LATENCY_BUCKETS_S, Metrics
from companion.agent.timing import TurnTimings
from companion.core.errors import CompanionError

HISTOGRAM = "companion_turn_milestone_seconds"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def served() -> AsyncIterator[tuple[Metrics, str]]:
    metrics = Metrics()
    port = await metrics.serve("127.0.0.1", 0)
    yield metrics, f"http://127.0.0.1:{port}/metrics"
    await metrics.stop()


async def scrape(url: str, accept: str | None = None) -> tuple[str, str]:
    headers = {"Accept": accept} if accept else {}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        assert response.status == 200
        return await response.text(), response.headers["Content-Type"]


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def bucket_label(bound: float) -> str:
    return str(float(bound))


def turn(turn_id: int, source: str, end_of_speech: float, **after_s: float) -> TurnTimings:
    timings = TurnTimings(turn_id=turn_id, end_of_speech=end_of_speech, reply_source=source)
    for milestone, delay in after_s.items():
        timings.mark(milestone, end_of_speech + delay)
    return timings


async def test_turn_milestones_are_histogram_samples(served: tuple[Metrics, str]) -> None:
    metrics, url = served
    first = {"transcript_final": 0.12, "llm_first_token": 0.43, "first_audio_pts": 0.9, "reply_done": 4.2}
    second = {"transcript_final": 0.3, "llm_first_token": 0.7, "first_audio_pts": 1.6}
    turns = [turn(1, "llm", 100.0, **first), turn(2, "plugin", 250.0, **second)]
    for timings in turns:
        metrics.observe_turn(timings)

    text, content_type = await scrape(url)
    assert content_type.startswith("text/plain; version=0.0.4")
    samples = parse(text)
    for milestone in ("transcript_final", "llm_first_token", "first_audio_pts"):
        # Exactly as the turn's loop times give it (250.3 - 250.0 is a hair above 0.3 in floating point).
        observed = [getattr(t, milestone) - t.end_of_speech for t in turns]
        assert value(samples, f"{HISTOGRAM}_count", milestone=milestone) == 2
        assert value(samples, f"{HISTOGRAM}_sum", milestone=milestone) == pytest.approx(sum(observed))
        for bound in LATENCY_BUCKETS_S:
            expected = sum(1 for seconds in observed if seconds <= bound)
            assert value(samples, f"{HISTOGRAM}_bucket", milestone=milestone, le=bucket_label(bound)) == expected
    assert value(samples, f"{HISTOGRAM}_count", milestone="reply_done") == 1
    assert value(samples, f"{HISTOGRAM}_sum", milestone="reply_done") == pytest.approx(first["reply_done"])
    # A milestone neither turn reached is there, at zero, so dashboards see it before the first observation.
    assert value(samples, f"{HISTOGRAM}_count", milestone="first_clause") == 0
    assert value(samples, "companion_turns_total", source="llm") == 1
    assert value(samples, "companion_turns_total", source="plugin") == 1


async def test_a_reply_started_before_the_end_of_speech_counts_as_zero(served: tuple[Metrics, str]) -> None:
    metrics, url = served
    metrics.observe_turn(turn(1, "llm", 50.0, llm_first_token=-0.2, first_audio_pts=0.35))
    samples = parse((await scrape(url))[0])
    assert value(samples, f"{HISTOGRAM}_sum", milestone="llm_first_token") == 0.0
    assert value(samples, f"{HISTOGRAM}_bucket", milestone="llm_first_token", le=bucket_label(0.05)) == 1
    assert value(samples, f"{HISTOGRAM}_sum", milestone="first_audio_pts") == pytest.approx(0.35)


async def test_a_turn_without_end_of_speech_is_counted_but_not_timed(served: tuple[Metrics, str]) -> None:
    metrics, url = served
    metrics.observe_turn(TurnTimings(turn_id=1, llm_first_token=3.0))
    samples = parse((await scrape(url))[0])
    assert value(samples, "companion_turns_total", source="unknown") == 1
    assert value(samples, f"{HISTOGRAM}_count", milestone="llm_first_token") == 0


async def test_event_counters(served: tuple[Metrics, str]) -> None:
    metrics, url = served
    for _ in range(3):
        metrics.count_barge_in()
    metrics.count_false_interruption()
    for _ in range(2):
        metrics.count_backchannel()
    metrics.count_llm_error()
    metrics.count_malformed("mqtt", 4)
    metrics.count_malformed("llm")
    samples = parse((await scrape(url))[0])
    assert value(samples, "companion_barge_ins_total") == 3
    assert value(samples, "companion_false_interruptions_total") == 1
    assert value(samples, "companion_backchannels_total") == 2
    assert value(samples, "companion_llm_errors_total") == 1
    assert value(samples, "companion_malformed_messages_total", source="mqtt") == 4
    assert value(samples, "companion_malformed_messages_total", source="llm") == 1


async def test_loop_lag_gauges_in_seconds(served: tuple[Metrics, str]) -> None:
    metrics, url = served
    metrics.set_loop_lag(LoopLagStats(p50_ms=0.4, p99_ms=6.5, max_ms=210.0, samples=500))
    samples = parse((await scrape(url))[0])
    assert value(samples, "companion_loop_lag_p99_seconds") == pytest.approx(0.0065)
    assert value(samples, "companion_loop_lag_max_seconds") == pytest.approx(0.21)


async def test_loop_lag_source_is_read_at_each_scrape() -> None:
    current = [LoopLagStats(1.0, 2.0, 3.0, 10)]
    metrics = Metrics(loop_lag=lambda: current[0])
    port = await metrics.serve("127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        assert value(parse((await scrape(url))[0]), "companion_loop_lag_max_seconds") == pytest.approx(0.003)
        current[0] = LoopLagStats(1.0, 20.0, 90.0, 10)
        assert value(parse((await scrape(url))[0]), "companion_loop_lag_max_seconds") == pytest.approx(0.09)
    finally:
        await metrics.stop()


async def test_openmetrics_when_the_scraper_asks_for_it(served: tuple[Metrics, str]) -> None:
    metrics, url = served
    metrics.count_barge_in()
    text, content_type = await scrape(url, accept="application/openmetrics-text; version=1.0.0")
    assert content_type.startswith("application/openmetrics-text")
    assert text.rstrip().endswith("# EOF")
    assert "companion_barge_ins_total 1.0" in text


async def test_two_agents_in_one_process_keep_separate_metrics() -> None:
    one, two = Metrics(), Metrics()
    one.count_llm_error()
    assert value(parse(one.render()[0].decode()), "companion_llm_errors_total") == 1
    assert value(parse(two.render()[0].decode()), "companion_llm_errors_total") == 0


async def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(CompanionError, match=f"127.0.0.1:{port}") as caught:
            await Metrics().serve("127.0.0.1", port)
    assert caught.value.hint is not None and "prometheus_port" in caught.value.hint
