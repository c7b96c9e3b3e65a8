"""transformers renamed a model's ``past_key_values`` argument to ``cache`` during 5.x: the name this version takes."""

from __future__ import annotations

import inspect
from typing import Any


def cache_keyword(forward: Any) -> str:
    """``cache`` or ``past_key_values``: whichever keyword ``forward`` (a model's or a module's) accepts."""
    return "cache" if "cache" in inspect.signature(forward).parameters else "past_key_values"
