"""A real mosquitto on a free loopback port for the tests (the same starter the benchmarks use)."""

from __future__ import annotations

from companion.tools.mosquitto import LocalMosquitto, free_port, start_mosquitto

Broker = LocalMosquitto

__all__ = ["Broker", "free_port", "start_mosquitto"]
