"""A script's steps flattened into a list of instructions, so a run is one index moving forward (or jumping).

Decisions: a ``loop`` is unrolled (its steps repeated ``times`` times; they carry no ids); a ``branch`` with
``then`` becomes a jump over its block when the condition fails; a ``goto`` becomes a jump when it holds; ``end``
is the index past the last instruction. A ``score`` instruction lists the scored questions written before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.plugins.counseling.schema import END, SCALE_MAX, Condition, Scale, Score, Script, Step


@dataclass(frozen=True)
class Say:
    text: str
    emotion: str | None
    pause_s: float


@dataclass(frozen=True)
class Ask:
    id: str
    text: str
    scale: Scale
    scored: bool
    risk_at_least: int | None


@dataclass
class Jump:
    condition: Condition
    jump_when: bool  # jump when the condition's truth equals this
    target: int | str  # an index, or a step id until resolved


@dataclass(frozen=True)
class Tally:
    score: Score
    items: tuple[tuple[str, int], ...]  # the scored questions before it: (id, the highest score of its scale)


Instruction = Say | Ask | Jump | Tally


def compile_script(script: Script) -> list[Instruction]:
    program: list[Instruction] = []
    labels: dict[str, int] = {}
    scored: list[tuple[str, int]] = []
    _emit(script.steps, program, labels, scored)
    labels[END] = len(program)
    for instruction in program:
        if isinstance(instruction, Jump) and isinstance(instruction.target, str):
            instruction.target = labels[instruction.target]
    return program


def _emit(steps: list[Step], program: list[Instruction], labels: dict[str, int], scored: list[tuple[str, int]]) -> None:
    for step in steps:
        if step.id is not None:
            labels.setdefault(step.id, len(program))
        if step.say is not None:
            program.append(Say(step.say, step.emotion, step.pause_s or 0.0))
        elif step.ask is not None and step.scale is not None:
            program.append(Ask(step.id or "?", step.ask, step.scale, step.scored, step.risk_at_least))
            if step.scored:
                scored.append((step.id or "?", SCALE_MAX[step.scale]))
        elif isinstance(step.score, Score):
            program.append(Tally(step.score, tuple(scored)))
        elif step.loop is not None:
            for _ in range(step.loop.times):
                _emit(step.loop.steps, program, labels, scored)
        elif step.branch is not None:
            if step.branch.goto is not None:
                program.append(Jump(step.branch.when, True, step.branch.goto))
            else:
                skip = Jump(step.branch.when, False, -1)
                program.append(skip)
                _emit(step.branch.then or [], program, labels, scored)
                skip.target = len(program)
