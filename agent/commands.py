"""Commands to the agent on ``agent/command`` (docs/PROTOCOL.md, "Agent commands"): mirror on/off, a new visitor,
another persona, an operator's acknowledgment of a crisis alert.

Decoding validates the whole message (types, size) and raises ``ProtocolError`` otherwise; ``CommandHandler``
counts and drops those, with one log line per kind of problem rather than one per message.
"""

from __future__ import annotations

import logging
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from companion.core.decoding import total_decoder
from companion.face.protocol import ProtocolError

log = logging.getLogger(__name__)

MAX_PAYLOAD = 4096


class AgentCommand(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    v: Literal[1]
    cmd: Literal["mirror", "new_visitor", "crisis_ack", "persona"]
    on: bool | None = None
    name: str | None = Field(None, min_length=1, max_length=64)  # persona: the config key of the persona
    greet: bool = False  # persona: say the new persona's greeting
    alert_id: str | None = Field(None, min_length=1, max_length=64)  # crisis_ack: the alert acknowledged
    by: str | None = Field(None, max_length=64)  # crisis_ack: who acknowledged (kept in the event and the log)

    def encode(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()


@total_decoder(ProtocolError)  # whatever the bytes, only ProtocolError comes out (companion.core.decoding)
def decode_command(payload: bytes) -> AgentCommand:
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError(f"agent command of {len(payload)} bytes (at most {MAX_PAYLOAD})")
    try:
        command = AgentCommand.model_validate_json(payload)  # strict types, no NaN or Infinity, a nesting limit
    except ValidationError as error:
        first = error.errors()[0]
        raise ProtocolError(f"bad agent command: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    if command.cmd == "mirror" and command.on is None:
        raise ProtocolError("bad agent command: mirror needs `on`")
    if command.cmd == "persona" and command.name is None:
        raise ProtocolError("bad agent command: persona needs `name`")
    if command.cmd == "crisis_ack" and command.alert_id is None:
        raise ProtocolError("bad agent command: crisis_ack needs `alert_id`")
    return command


class Commandable(Protocol):
    def set_mirror(self, on: bool, reason: str = "command") -> None: ...

    def new_visitor(self, reason: str = "new_visitor command") -> None: ...

    def acknowledge_crisis(self, alert_id: str, by: str = "") -> bool: ...

    def switch_persona(self, key: str, greet: bool = False) -> bool: ...


class CommandHandler:
    def __init__(self, target: Commandable) -> None:
        self.target = target
        self.handled = 0
        self.malformed = 0
        self._logged: set[str] = set()

    def __call__(self, payload: bytes) -> None:
        try:
            command = decode_command(payload)
        except ProtocolError as error:
            self.malformed += 1
            kind = str(error).split(":")[0]
            if kind not in self._logged:  # once per kind of problem: a flood must not flood the log
                self._logged.add(kind)
                log.warning("dropped a malformed agent command (%s); more like it are only counted", error)
            return
        self.handled += 1
        if command.cmd == "mirror":
            self.target.set_mirror(bool(command.on), "command")
        elif command.cmd == "new_visitor":
            self.target.new_visitor("new_visitor command")
        elif command.cmd == "persona" and command.name is not None:
            self.target.switch_persona(command.name, command.greet)
        elif command.cmd == "crisis_ack" and command.alert_id is not None:
            self.target.acknowledge_crisis(command.alert_id, command.by or "")
