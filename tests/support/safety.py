"""The real crisis detector for session tests in virtual time: its classifier runs inline, not in a thread (a real
thread's wait would let virtual time jump). Built once per process: loading the model takes a fraction of a second."""

from __future__ import annotations

import functools

from companion.agent.config.schema import SafetyConfig
from companion.agent.policy.safety import SafetyStep
from companion.agent.safety import CrisisDetector


@functools.cache
def _detector() -> CrisisDetector:
    detector = CrisisDetector.create(inline=True)
    detector.classifier.load()
    return detector


def inline_safety_step(config: SafetyConfig | None = None) -> SafetyStep:
    return SafetyStep(config or SafetyConfig(), detector=_detector())
