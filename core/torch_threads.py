"""torch's thread budget, which is one per process.

torch's intra-op thread pool is shared by every thread of the process: a backend that set its own count would
change every other torch model's. So each torch backend *claims* its budget here, and the pool gets the largest
claim. Two torch models then never run with fewer threads than either asked for; on a 2-core robot the
language model's 2 (the default) is the pool, and a torch speech-to-text call made while the model is silent
uses them too.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_claims: dict[str, int] = {}


def claim_torch_threads(owner: str, threads: int) -> int:
    """Record that ``owner`` wants ``threads`` intra-op threads; set torch's pool to the largest claim, return it."""
    import torch

    with _lock:
        _claims[owner] = threads
        budget = max(_claims.values())
        torch.set_num_threads(budget)
    return budget
