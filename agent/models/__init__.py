"""Models: where they are looked for (``registry``), downloading real ones (``fetch``), tiny offline ones
(``tiny``), and real-size random ones for benchmarks (``benchsize``).

Only the registry is imported here: it is what the rest of companion needs at start-up, and the other modules pull
in heavy libraries (huggingface_hub, torch, transformers) that a running robot does not need.
"""

from companion.agent.models.registry import (
    ModelStatus,
    affect_model_path,
    llm_model_path,
    model_status,
    stt_model_path,
    tts_voice_path,
)

__all__ = [
    "ModelStatus",
    "affect_model_path",
    "llm_model_path",
    "model_status",
    "stt_model_path",
    "tts_voice_path",
]
