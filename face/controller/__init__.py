"""The face-controller service: rig mapping, jitter buffer, watchdog, status, drivers."""
