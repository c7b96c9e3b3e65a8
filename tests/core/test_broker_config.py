"""The broker section: URLs with TLS and users, where the password comes from, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from companion.core.config.shared import BrokerConfig, TlsConfig
from companion.core.errors import ConfigError
from companion.core.mqtt import ConnectProblem, classify, tls_context
from companion.face.config import load_controller_config


def test_mqtts_urls_use_tls_and_port_8883_by_default() -> None:
    broker = BrokerConfig(url="mqtts://robot1.museum.lan")
    assert broker.uses_tls and broker.port == 8883 and broker.host == "robot1.museum.lan"
    assert BrokerConfig(url="mqtt://h").port == 1883 and not BrokerConfig(url="mqtt://h").uses_tls


def test_a_user_in_the_url_is_used_and_a_password_is_refused(tmp_path: Path) -> None:
    assert BrokerConfig(url="mqtts://agent@h:8883").user == "agent"
    assert BrokerConfig(url="mqtts://agent@h", username="face").user == "face"  # the key wins
    config = tmp_path / "c.yaml"
    config.write_text("broker:\n  url: mqtt://agent:hunter2@h:1883\n")
    with pytest.raises(ConfigError) as refused:
        load_controller_config(config)
    assert "COMPANION_BROKER_PASSWORD" in str(refused.value) and "c.yaml:2" in str(refused.value)
    assert "hunter2" not in str(refused.value)  # not even in the "got ..." part of the message


def test_tls_settings_need_an_mqtts_url_and_a_key_needs_its_certificate() -> None:
    with pytest.raises(ValidationError, match="mqtts://"):
        BrokerConfig(url="mqtt://h", tls=TlsConfig(ca_file=Path("ca.crt")))
    with pytest.raises(ValidationError, match="cert_file"):
        TlsConfig(key_file=Path("client.key"))


def test_the_password_comes_from_the_environment_then_the_file(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("from-file\nignored\n")
    broker = BrokerConfig(username="agent", password_file=secret)
    assert broker.password({}) == "from-file"
    assert broker.password({"COMPANION_BROKER_PASSWORD": "from-env"}) == "from-env"
    assert BrokerConfig(username="agent").password({}) is None
    missing = BrokerConfig(username="agent", password_file=tmp_path / "nope")
    with pytest.raises(ConfigError, match=r"broker\.password_file"):
        missing.password({})


def test_relative_certificate_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("broker:\n  url: mqtts://h\n  tls: {ca_file: certs/ca.crt}\n")
    loaded = load_controller_config(config)
    assert loaded.broker.tls is not None and loaded.broker.tls.ca_file == tmp_path / "certs" / "ca.crt"
    with pytest.raises(ConfigError, match=r"broker.tls.ca_file .*ca.crt: cannot load it"):
        tls_context(loaded.broker)


def test_the_display_url_never_shows_a_password() -> None:
    assert BrokerConfig(url="mqtts://h", username="agent").display_url == "mqtts://agent@h:8883"


def test_connect_failures_are_classified() -> None:
    import aiomqtt

    refused = aiomqtt.MqttCodeError(5, "refused")
    problem = classify(refused, "", tls=False, user="agent", where="mqtt://agent@h:1883")
    assert problem == ConnectProblem("refused", problem.detail, True) and "refused user 'agent'" in problem.detail
    unknown_ca = aiomqtt.MqttError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed")
    assert classify(unknown_ca, "", tls=True, user=None, where="w").kind == "unknown_ca"
    timed_out = aiomqtt.MqttError("Operation timed out")
    client_cert = classify(timed_out, "failed to receive on socket: [SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED]", tls=True,
                           user="x", where="w")  # fmt: skip
    assert client_cert.kind == "tls" and "client certificate" in client_cert.detail and client_cert.permanent
    silent = classify(timed_out, "", tls=False, user=None, where="w")
    assert silent.kind == "unreachable" and not silent.permanent and "mqtts://" in silent.detail
