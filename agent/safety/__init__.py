"""The crisis-safety layer: a layered crisis detector for every user turn, and a screen for the model's output.

``CrisisDetector`` (``detector``) joins the layers: ``normalise`` -> ``lexicon`` (``data/lexicon.yaml``) ->
``semantic`` (a local sentence-embedding model, ``embedders``, against ``data/exemplars.yaml``) -> ``context`` (the
last turns). ``OutputScreen`` (``output_screen``) checks each clause the model produces before it is spoken.
docs/SAFETY.md says what the layer does and does not do, and its measured figures.
"""

from companion.agent.safety.context import TurnMemory
from companion.agent.safety.detector import CrisisDetector, Verdict

__all__ = ["CrisisDetector", "TurnMemory", "Verdict"]
