"""The ``counseling`` plugin: the robot runs a scripted screening or exercise and holds the floor until it ends.

List ``counseling`` in a persona's ``plugins``. A script starts when the person asks for one ("can we do a
breathing exercise", "PHQ-9", "help me calm down"); "what can we do?" lists them. While a script runs, every turn
is an answer (``ScriptRun``) until it ends; "stop" ends it early, kindly. Decisions:

- safety first: a crisis turn never reaches the script (the safety step answers it), and a script stops for good
  once the safety layer has answered since it started; an answer at an ask's ``risk_at_least`` (PHQ-9 item 9)
  calls ``context.report_risk``, ends the run, and the crisis protocol answers instead of this plugin;
- results (script, total, band, item scores; never free answers) live in the conversation's plugin state and go
  out as a ``counseling_result`` event; they are written to disk only where ``privacy.keep_results`` allows, for
  ``privacy.retention_days`` (``plugins/results.py``); a new visitor starts with empty state;
- ``counseling.folders`` in the config may name more folders of scripts, found before the shipped ``scripts/``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator

from companion.plugins.api import DialogueContext, Reply, UserTurn
from companion.plugins.counseling import events
from companion.plugins.counseling.choosing import asks_what_there_is, chosen_script
from companion.plugins.counseling.loader import SCRIPTS
from companion.plugins.counseling.run import Ended, Line, Result, ScriptRun, Turn
from companion.plugins.counseling.schema import Script
from companion.plugins.counseling.stopping import wants_to_stop
from companion.plugins.results import ResultStore, conversation_id


class CounselingPlugin:
    name = "counseling"

    def __init__(self) -> None:
        self._scripts: dict[str, Script] | None = None  # read once, shared, read-only

    @property
    def source(self) -> str:
        return f"plugin:{self.name}"

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        state = context.state_for(self.name)
        run: ScriptRun | None = state.get("run")
        if run is not None and not run.finished:
            since_start = context.history[state.get("history_at", 0) :]
            if any(exchange.source == "safety" for exchange in since_start):
                self._report(run.stop("safety"), run, context)
                return None
            if wants_to_stop(turn.text):
                return self._say(run.stop("stopped"), run, context)
            said = run.answer(turn.text)
            if said.risk is not None:
                context.report_risk(said.risk)  # the chain drops this reply; the crisis protocol answers
            return self._say(said, run, context)
        scripts = self._available(context)
        chosen = chosen_script(turn.text, scripts, offered=bool(state.get("offered")) or _scripts_offered(context))
        if chosen is not None:
            state.pop("offered", None)
            return self._start(chosen, context)
        if asks_what_there_is(turn.text):
            state["offered"] = True
            return _reply([Line(f"[happy:0.4] I can do {_listed(scripts)}. Which one would you like?")], self.source)
        state.pop("offered", None)
        return None

    async def visitor_left(self, context: DialogueContext) -> None:
        state = context.state_for(self.name)
        run: ScriptRun | None = state.pop("run", None)
        if run is not None and not run.finished:
            self._report(run.stop("visitor_left"), run, context)

    def _start(self, script: Script, context: DialogueContext) -> Reply:
        run = ScriptRun(script)
        context.state_for(self.name).update(run=run, history_at=len(context.history))
        context.emit(events.CounselingStarted(context.now(), script.name or "", script.title, script.kind))
        return self._say(run.start(), run, context)

    def _say(self, said: Turn, run: ScriptRun, context: DialogueContext) -> Reply:
        self._report(said, run, context)
        return _reply(list(said.lines), self.source)

    def _report(self, said: Turn, run: ScriptRun, context: DialogueContext) -> None:
        script = run.script.name or ""
        for happening in said.happenings:
            match happening:
                case Result():
                    kept = {"script": script, **dataclasses.asdict(happening)}
                    state = context.state_for(self.name)
                    state.setdefault("results", []).append(kept)
                    context.emit(_result_event(happening, script, context.now()))
                    store = ResultStore.for_plugin(context.config, self.name)
                    if store is not None:  # privacy.keep_results: numbers only, for the retention period
                        store.keep(conversation_id(state), kept)
                case Ended():
                    context.emit(events.CounselingEnded(context.now(), script, happening.reason))

    def _available(self, context: DialogueContext) -> dict[str, Script]:
        if self._scripts is None:
            self._scripts = SCRIPTS.load_valid(context.config.counseling.folders if context.config is not None else [])
        return self._scripts


_OFFERS = re.compile(r"\b(?:exercises?|questionnaires?|screenings?)\b")


def _scripts_offered(context: DialogueContext) -> bool:
    """Did the robot just offer scripts (its last reply, or the greeting before the first turn, names them)?"""
    return _OFFERS.search(context.robot_just_said().lower()) is not None


def _result_event(result: Result, script: str, t: float) -> events.CounselingResult:
    items = dict(result.items)
    return events.CounselingResult(t, script, result.total, result.max, result.band, items, result.complete)


def _listed(scripts: dict[str, Script]) -> str:
    titles = [script.title for script in scripts.values()]
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + f", or {titles[-1]}"


def _reply(lines: list[Line], source: str) -> Reply:
    """The lines as one reply; a line's ``pause_s`` holds the next line back that long."""

    async def pieces() -> AsyncIterator[str]:
        for line in lines:
            yield line.text + " "
            if line.pause_s:
                await asyncio.sleep(line.pause_s)

    return Reply(source=source, pieces=pieces())
