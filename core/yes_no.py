"""Yes or no, as people say it: "yeah", "sure", "I think so", "correct", "true" / "nope", "nah", "not really",
"I don't think so", "false", "it isn't".

Negative phrases are read first and taken out, so "not true" is a no and never also a yes; then affirmative ones.
A short reply that only repeats the verb ("it is", "they do") is a yes, its negation ("it isn't", "they don't") a no.
Both at once ("yes and no") is not understood.
"""

from __future__ import annotations

import re

_NO = re.compile(
    r"\b(?:i\s+)?(?:do\s+not|don't|dont)\s+(?:think|believe|guess|suppose)\s+so\b"
    r"|\b(?:of\s+course|definitely|absolutely|certainly|surely|probably|maybe|really|actually)\s+not\b"
    r"|\bnot\s+(?:really|true|right|correct|at\s+all|quite|so|exactly|likely)\b"
    r"|\bno\s+way\b|\bi\s+doubt\s+it\b|\bnuh[\s-]*uh\b|\buh[\s-]*uh\b"
    r"|\b(?:no|nope|nah|naw|nay|false|wrong|incorrect|untrue|never|negative)\b"
    r"|\b[a-z]+n't\b|\b(?:isnt|arent|wasnt|werent|doesnt|dont|didnt|cant|couldnt|wont|wouldnt|hasnt|havent|hadnt"
    r"|shouldnt|aint)\b"
    r"|\b(?:is|are|was|were|does|do|did|can|could|will|would|has|have|had|should)\s+not\b|\bnot\b"
)
_YES = re.compile(
    r"\bi\s+(?:think|believe|guess|suppose|reckon)\s+so\b|\bof\s+course\b|\buh[\s-]*huh\b|\bm+[\s-]*hm+\b"
    r"|\b(?:yes|yeah|yea|yep|yup|ya|yah|yas|aye|sure|correct|right|true|definitely|absolutely|certainly|indeed"
    r"|affirmative|totally|exactly|yes+)\b"
)
_ECHO = re.compile(
    r"^(?:it|they|he|she|that|there|this|you|we|i)\s+(?:is|are|was|were|does|do|did|can|could|will|would|has|have)"
    r"(?:\s+\w+)?$"
)
_FILLER = re.compile(r"\b(?:um+|uh+|er+m?|hmm+|well|so|oh|okay|ok|i\s+think|maybe|probably|please)\b")


def read_yes_no(text: str) -> bool | None:
    """True for yes, False for no, None when neither (or both) was said. ``text`` is normalised (lowercase)."""
    said_no = bool(_NO.search(text))
    rest = _NO.sub(" ", text)
    said_yes = bool(_YES.search(rest))
    if said_no != said_yes:
        return said_yes
    if said_no:
        return None
    core = re.sub(r"\s+", " ", _FILLER.sub(" ", re.sub(r"[^a-z' ]", " ", text))).strip()
    return True if _ECHO.match(core) else None
