"""``companion check``: is this configuration ready to run? Config, plugins, models, output folder, broker."""

from __future__ import annotations

import argparse

from companion.cli import config_choice, load_agent_config
from companion.core.errors import CompanionError

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
    parser.set_defaults(handler=run_check)


async def run_check(args: argparse.Namespace) -> int:
    from companion.agent.broker import broker_answers
    from companion.agent.models.registry import model_status
    from companion.agent.policy.plugin_loader import load_plugins
    from companion.agent.policy.tools import check_allowed, offered_tools
    from companion.core.mqtt import MqttLink
    from companion.speech.sinks import check_writable_folder

    config = load_agent_config(args)
    problems = 0
    choice = config_choice(args)
    persona = f"persona '{config.persona}' ({config.active_persona.name})"
    print(f"{OK} config {choice.path} (from {choice.origin}): {persona}, robot {config.robot.id}")
    try:
        plugins = load_plugins(config.active_persona.plugins, where=f"personas.{config.persona}.plugins", strict=True)
        names = ", ".join(p.name for p in plugins) or "none"
        print(f"{OK} plugins: {names} (crisis safety always runs first)")
        allowed = config.active_persona.tools
        check_allowed(allowed, [tool.name for tool in offered_tools(plugins)], f"personas.{config.persona}.tools")
        print(f"{OK} tools the model may call: {', '.join(allowed) or 'none'}")
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
    elif (
        broker.embedded_fallback and not broker.needs_secure_broker and broker.host in ("127.0.0.1", "localhost", "::1")
    ):
        # Not a problem: the first of `companion demo/face/chat/run` to start serves an embedded broker to the others
        # while it runs. A deployment runs mosquitto, so the face does not depend on which program came first.
        print(f"{NOTE} broker {broker.display_url}: no answer; the first companion program started runs one")
    else:
        problems += 1
        print(f"{MISSING} broker {broker.display_url}: no answer")
    print("ready" if problems == 0 else f"{problems} problem{'s' * (problems > 1)} found")
    return 0 if problems == 0 else 1
