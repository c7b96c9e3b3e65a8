"""Text-to-speech: the interface and base classes (``base``), and the backends, each in its own module."""

from companion.speech.tts.base import TTS_BACKENDS, BaseTextToSpeech, TextToSpeech, ThreadedTextToSpeech

__all__ = ["TTS_BACKENDS", "BaseTextToSpeech", "TextToSpeech", "ThreadedTextToSpeech"]
