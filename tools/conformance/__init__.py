"""The backend conformance kit: checks any backend's own tests can run, so a new backend is known to fit.

    from companion.tools.conformance import check_text_to_speech

    async def test_my_voice_conforms():
        await check_text_to_speech(MyVoice(...))

Each check exercises the contract of docs/EXTENDING.md (types, the phoneme alphabet, cancellation, clean close)
and raises ``ConformanceError`` (an ``AssertionError``) saying what does not fit.
"""

from companion.tools.conformance.checks import (
    ConformanceError,
    check_backend_class,
    check_driver,
    check_language_model,
    check_speech_to_text,
    check_text_to_speech,
    check_voice_activity_detector,
)

__all__ = [
    "ConformanceError",
    "check_backend_class",
    "check_driver",
    "check_language_model",
    "check_speech_to_text",
    "check_text_to_speech",
    "check_voice_activity_detector",
]
