"""Speech-to-text: the interface and base classes (``base``), and the backends, each in its own module."""

from companion.speech.stt.base import STT_BACKENDS, SpeechToText, ThreadedSpeechToText

__all__ = ["STT_BACKENDS", "SpeechToText", "ThreadedSpeechToText"]
