"""Helpers shared by the tests: a real mosquitto broker, test speech, test video."""
