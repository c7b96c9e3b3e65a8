"""The bottom layer: primitives every other package shares (errors, the clock, tasks, workers, MQTT, config loading).

It imports nothing else of companion's, so the face-controller, perception and speech can all stand on it alone.
"""
