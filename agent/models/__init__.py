"""Models: where they are looked for (``registry``) and downloading the real ones (``fetch``).

Only the registry is imported here: it is what the rest of companion needs at start-up; ``fetch`` pulls in
huggingface_hub, which a running robot does not need. Tiny offline models and the benchmark's real-size random
ones are tooling: ``companion.tools.tiny`` and ``companion.tools.bench.models``.
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
