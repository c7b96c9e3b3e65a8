"""The shipped mosquitto ACL (deploy/mosquitto/acl) gives each robot user only the topics its part needs."""

from __future__ import annotations

from pathlib import Path


def test_the_shipped_acl_lets_the_agent_read_its_commands_and_the_operator_send_them() -> None:
    """The agent command topic (wave 2): only the operator writes it, the agent reads it."""
    acl = (Path(__file__).resolve().parents[2] / "deploy" / "mosquitto" / "acl").read_text()
    blocks = {b.split("\n", 1)[0]: b for b in acl.split("\nuser ")[1:]}
    assert "topic write companion/+/agent/command" in blocks["operator"]
    assert "topic read companion/companion/agent/command" in blocks["companion-agent"]
    assert "agent/command" not in blocks["companion-face"]
    assert not any("face/" in line and "write" in line for line in blocks["operator"].splitlines())


def test_the_agent_may_publish_crisis_alerts_and_the_operator_read_them() -> None:
    acl = (Path(__file__).resolve().parents[2] / "deploy" / "mosquitto" / "acl").read_text()
    blocks = {b.split("\n", 1)[0]: b for b in acl.split("\nuser ")[1:]}
    assert "topic write companion/companion/safety/#" in blocks["companion-agent"]
    assert "topic read companion/#" in blocks["operator"]
    assert "safety/" not in blocks["companion-face"] and "safety/" not in blocks["companion-perception"]
