"""Does the person want to stop the script? Only a whole request to stop counts ("stop", "can we stop please",
"I'm done", "that's enough"), never "stop" inside an answer ("I can't stop worrying")."""

from __future__ import annotations

import re

from companion.plugins.counseling.frequency import normalize

_STOP = re.compile(
    r"^(?:please |okay |ok |actually |sorry |um |no )*"
    r"(?:(?:can|could) we |let's |lets |i want to |i'd like to |i would like to |i need to |i'd rather )?"
    r"(?:stop|quit|end|finish|cancel|exit|pause)"
    r"(?: (?:it|this|that|now|here|please|for now|the (?:exercise|questionnaire|questions|script|screening|test)))*$"
    r"|^(?:i'm|im|i am) done(?: now| for now)?$|^(?:that's|thats) enough(?: now| for now)?$|^enough$|^no more$"
    r"|^i (?:don't|do not|dont) want to (?:do|continue) (?:this|it)(?: anymore| any more)?$"
)


def wants_to_stop(text: str) -> bool:
    return _STOP.search(normalize(text)) is not None
