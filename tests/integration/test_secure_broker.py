"""The shipped broker setup (deploy/mosquitto: users, ACL, TLS) keeps strangers off the face, and the robot works.

mosquitto runs with exactly the shipped mosquitto.conf (listener ports moved to free ones) and acl; certificates
are made in the test. The robot's own agent and face-controller log in over TLS and loopback; an anonymous client,
a wrong password and a certificate from an unknown CA are refused with errors that name the cause; a client that
logs in as another user (the operator, the controller itself) can neither move the face nor disable it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio

from companion.core.config.shared import BrokerConfig, RobotConfig, TlsConfig
from companion.core.errors import BrokerAccessError
from companion.core.mqtt import MqttLink
from companion.face.channels import ChannelSpec
from companion.face.config import ControllerConfig, DriverConfig, FaceControllerConfig
from companion.face.controller.rig import load_rig, packaged_rig
from companion.face.controller.service import FaceController
from companion.face.drivers.log import LogDriver
from companion.face.protocol import (
    ChannelLayout,
    Command,
    Frame,
    Topics,
    encode_frame,
    encode_status,
    values_from_mapping,
)
from tests.support.secure_broker import SecureBroker, secure_mosquitto

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]
TOPICS = Topics("companion")  # the robot id the shipped acl is written for


@pytest.fixture(scope="module")
def secure() -> Iterator[SecureBroker]:
    with secure_mosquitto() as broker:
        yield broker


def tls_broker(secure: SecureBroker, user: str | None, *, password: str | None = None, **tls: Any) -> BrokerConfig:
    files = {"ca_file": secure.pki.ca.cert, **tls}
    return BrokerConfig(
        url=f"mqtts://localhost:{secure.tls_port}",
        username=user,
        password_file=secure.password_file(user, password) if user else None,
        tls=TlsConfig(**files),
        connect_timeout_s=3.0,
    )


def loopback_broker(secure: SecureBroker, user: str | None, password: str | None = None) -> BrokerConfig:
    return BrokerConfig(
        url=f"mqtt://127.0.0.1:{secure.plain_port}",
        username=user,
        password_file=secure.password_file(user, password) if user else None,
        connect_timeout_s=3.0,
    )


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def controller(secure: SecureBroker, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FaceController]:
    """The robot's face-controller over TLS with a client certificate, as a remote motor computer would run."""
    log_path = tmp_path_factory.mktemp("face") / "face.jsonl"
    config = FaceControllerConfig(
        robot=RobotConfig(id="companion"),
        broker=tls_broker(secure, "companion-face", cert_file=secure.pki.client.cert, key_file=secure.pki.client.key),
        controller=ControllerConfig(
            rig=packaged_rig("sample"), driver=DriverConfig(backend="log", path=log_path), watchdog_ms=2000
        ),
    )
    face = FaceController(config, LogDriver(log_path), load_rig(config.controller.rig))
    await face.start()
    yield face
    await face.stop()


async def wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def jaw_frame(seq: int, jaw: float, head_yaw: float = 0.0) -> bytes:
    values = values_from_mapping({"jawOpen": jaw, "headYaw": head_yaw})
    return encode_frame(Frame(seq, 1, time.time() * 1000 + 150, values))


async def attack(link: MqttLink) -> None:
    """Everything the fault injection found obeyed: frames (jaw open, head at 45°), commands, a bogus retained
    layout, and a spoofed agent offline."""
    bogus = ChannelLayout((ChannelSpec("tentacle", 0, 1, 0, "c"),)).to_json(60, "binary")
    await link.set_retained(TOPICS.layout, bogus)
    await link.publish(TOPICS.agent_status, encode_status("offline", reason="spoofed"), qos=1)
    for command in (Command("neutral"), Command("mirror", on=True), Command("look_at", yaw=30.0, pitch=10.0)):
        await link.publish(TOPICS.command, command.encode(), qos=1)
    for seq in range(30):
        await link.publish(TOPICS.frames, jaw_frame(seq, 1.0, 45.0))
        await asyncio.sleep(0.01)


def moved_by(face: FaceController, before: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    now = face.stats.as_dict()
    keys = ("frames_received", "commands", "layouts", "agent_offline", "mirror", "gaze_yaw", "agent")
    return {k: (before[k], now[k]) for k in keys if before[k] != now[k]}


async def test_the_robot_works_over_tls_and_loopback_with_its_own_users(
    secure: SecureBroker, controller: FaceController
) -> None:
    agent = MqttLink.for_broker(loopback_broker(secure, "companion-agent"), name="agent")
    await agent.connect()
    try:
        await agent.set_retained(TOPICS.agent_status, encode_status("online"))
        for seq in range(40):
            await agent.publish(TOPICS.frames, jaw_frame(seq, 0.8))
            await asyncio.sleep(0.01)
        await wait_for(lambda: controller.stats.frames_received >= 30 and controller.stats.following)
        assert controller.stats.agent == "online"
        written = controller.driver.path.read_text().split("\n")[:-1]  # type: ignore[attr-defined]  # complete lines
        lines = [json.loads(x) for x in written]
        assert any(abs(line["channels"].get("jawOpen", 0.0) - 0.8) < 0.01 for line in lines)
    finally:
        await agent.stop()


@pytest.mark.parametrize("user", ["operator", "companion-face"])
async def test_another_user_can_neither_move_nor_disable_the_face(
    secure: SecureBroker, controller: FaceController, user: str
) -> None:
    before = controller.stats.as_dict()
    intruder = MqttLink.for_broker(tls_broker(secure, user), name="intruder")
    await intruder.connect()  # valid credentials: it may log in, but the ACL lets it publish none of this
    try:
        await attack(intruder)
        await asyncio.sleep(0.5)
        assert moved_by(controller, before) == {}
    finally:
        await intruder.stop()
    # The same messages from the robot's agent are obeyed: the check above could fail.
    agent = MqttLink.for_broker(loopback_broker(secure, "companion-agent"), name="agent")
    await agent.connect()
    try:
        await attack(agent)
        await wait_for(lambda: {"frames_received", "commands", "agent_offline"} <= set(moved_by(controller, before)))
        # The agent's own layout wins back at once (a real agent re-announces it; the default is always known).
        await agent.set_retained(TOPICS.layout, ChannelLayout().to_json(60, "binary"))
        await agent.publish(TOPICS.command, Command("look_at", yaw=0.0, pitch=0.0).encode(), qos=1)
    finally:
        await agent.stop()


async def test_an_anonymous_client_cannot_connect(secure: SecureBroker) -> None:
    for broker in (loopback_broker(secure, None), tls_broker(secure, None)):
        with pytest.raises(BrokerAccessError, match="refused an anonymous client: not authorised"):
            await MqttLink.for_broker(broker, name="anonymous").connect()


async def test_a_wrong_password_is_refused_and_says_so(secure: SecureBroker) -> None:
    broker = tls_broker(secure, "companion-agent", password="guess")
    started = time.monotonic()
    with pytest.raises(BrokerAccessError, match="refused user 'companion-agent': not authorised") as refused:
        await MqttLink.for_broker(broker, name="guesser").connect()
    assert time.monotonic() - started < broker.connect_timeout_s  # at once: retrying cannot help
    assert "guess" not in str(refused.value)  # never the password


async def test_a_broker_certificate_from_an_unknown_ca_is_refused(secure: SecureBroker) -> None:
    broker = tls_broker(secure, "companion-agent")
    broker.tls = TlsConfig(ca_file=secure.pki.rogue_ca.cert)
    with pytest.raises(BrokerAccessError, match="unknown CA"):
        await MqttLink.for_broker(broker, name="wrong-ca").connect()


async def test_plain_mqtt_to_the_tls_port_says_what_to_try(secure: SecureBroker) -> None:
    from companion.core.errors import BrokerUnreachableError

    broker = BrokerConfig(url=f"mqtt://127.0.0.1:{secure.tls_port}", username="operator", connect_timeout_s=1.0)
    broker.password_file = secure.password_file("operator")
    with pytest.raises(BrokerUnreachableError, match="mqtts://"):
        await MqttLink.for_broker(broker, name="plain").connect()
