"""``companion check``: is this configuration ready to run? Config, plugins, models, output folder, broker."""

from __future__ import annotations

import argparse

from companion.agent.broker import broker_answers
from companion.agent.config import load_config
from companion.agent.models.registry import model_status
from companion.agent.policy.plugin_loader import load_plugins
from companion.cli import add_config_argument
from companion.core.errors import CompanionError
from companion.core.mqtt import MqttLink
from companion.speech.sinks import check_writable_folder

OK, MISSING, NOTE = "ok     ", "MISSING", "note   "


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate the config, find the models, test the broker",
        description=(
            "Validates the configuration, loads the active persona's plugins, lists each model as present or "
            "missing (with where it looked), tests that the audio output folder can be written and that the MQTT "
            "broker answers (and accepts the login). Exits 0 when all is ready."
        ),
    )
    add_config_argument(parser)
    parser.set_defaults(handler=run_check)


async def run_check(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    problems = 0
    persona = f"persona '{config.persona}' ({config.active_persona.name})"
    print(f"{OK} config {args.config}: {persona}, robot {config.robot.id}")
    try:
        plugins = load_plugins(config.active_persona.plugins, where=f"personas.{config.persona}.plugins")
        names = ", ".join(p.name for p in plugins) or "none"
        print(f"{OK} plugins: {names} (crisis safety always runs first)")
    except CompanionError as error:
        problems += 1
        print(f"{MISSING} plugins: {error}")
    for status in model_status(config):
        if status.present:
            print(f"{OK} {status.kind} model {status.name}: {status.path}")
        elif status.optional:
            print(f"{NOTE} {status.kind} model {status.name}: not configured ({status.hint or 'optional'})")
        else:
            problems += 1
            places = "".join(f"\n          looked in {p}" for p in status.looked_in)
            hint = f"\n          {status.hint}" if status.hint else ""
            print(f"{MISSING} {status.kind} model {status.name}{places}{hint}")
    output = config.audio.output
    if output.sink == "wav":
        try:
            check_writable_folder(output.dir)
            print(f"{OK} output folder {output.dir} is writable")
        except CompanionError as error:
            problems += 1
            print(f"{MISSING} output folder: {error.message}")
    broker = config.broker
    if await broker_answers(broker.host, broker.port, broker.connect_timeout_s):
        try:
            link = MqttLink.for_broker(broker, name="check")
            await link.connect()
            await link.stop()
            login = f" (logged in as {broker.user})" if broker.user else ""
            print(f"{OK} broker {broker.display_url} answers MQTT{login}")
        except CompanionError as error:
            problems += 1
            print(f"{MISSING} broker {broker.display_url}: {error.message}")
    else:
        problems += 1
        fallback = (
            "; `companion run/chat` would start an embedded broker, but `companion face` in another process "
            "needs one that runs on its own: start mosquitto"
            if broker.embedded_fallback
            else ""
        )
        print(f"{MISSING} broker {broker.display_url}: no answer{fallback}")
    print("ready" if problems == 0 else f"{problems} problem{'s' * (problems > 1)} found")
    return 0 if problems == 0 else 1
