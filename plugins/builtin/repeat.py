"""``repeat``: "Could you say that again?" repeats the robot's last reply, with the same emotion.

The smallest useful plugin, and the template to copy: a name, and ``on_turn`` that answers or passes.
"""

from __future__ import annotations

import re

from companion.plugins.api import DialogueContext, Reply, UserTurn, fixed_reply

_ASKS_TO_REPEAT = re.compile(
    r"^\W*(sorry\W*)?(can|could|would)?\s*(you\s+)?(please\s+)?"
    r"(repeat(\s+(that|it|yourself|please))?|say\s+(that|it)\s+again|come\s+again|pardon(\s+me)?|"
    r"what\s+did\s+you\s+(just\s+)?say)\W*(please)?\W*$",
    re.IGNORECASE,
)


class RepeatPlugin:
    name = "repeat"

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        last = context.last_reply()
        if last is None or not last.robot or not _ASKS_TO_REPEAT.match(turn.text.strip()):
            return None
        return fixed_reply(last.robot, source=f"plugin:{self.name}", emotion=last.emotion)
