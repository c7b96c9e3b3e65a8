"""Benchmarks that print numbers: voice-to-voice latency (``latency_bench``) and face timing (``face_bench``)."""
