"""Test helpers for companion and for plugin authors: a virtual-time event loop and fake models."""

from companion.tools.testing.virtual_time import VirtualTimeEventLoop, run_in_virtual_time, virtual_time

__all__ = ["VirtualTimeEventLoop", "run_in_virtual_time", "virtual_time"]
