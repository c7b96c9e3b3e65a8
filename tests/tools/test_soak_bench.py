"""``companion bench soak`` runs turns through the real session and reports resources per turn."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.tools.bench.soak_bench import slope, soak
from companion.tools.tiny import TinyModels


def test_slope_is_least_squares() -> None:
    assert slope([(1, 10.0), (2, 12.0), (3, 14.0)]) == pytest.approx(2.0)
    assert slope([(1, 5.0)]) == 0.0


@pytest.mark.integration
async def test_a_short_soak_reports_memory_tasks_and_the_face(tiny_models: TinyModels, tmp_path: Path) -> None:
    result = await soak(tiny_models.config, 3, tmp_path, every=1, quiet=True)
    assert result.turns == 3 and result.rss_first_mb > 0 and result.rss_peak_mb >= result.rss_last_mb
    assert result.tasks_first > 0 and result.threads_first > 0 and result.fds_first > 0
    assert result.controller_frames_received > 0 and result.controller_malformed == 0
