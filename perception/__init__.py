"""Perception: video sources, face detection, facial affect, head gestures and the visitor state they feed."""
