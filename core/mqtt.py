"""One MQTT connection that survives broker restarts, logs in, speaks TLS, and says why it cannot connect.

aiomqtt has no reconnect of its own. ``MqttLink`` connects, announces its retained state (status, layout,
expression), subscribes, and hands every message to a callback; when the connection drops it waits with
exponential backoff and does all of that again. QoS 0 frames published while disconnected are dropped on
purpose: a late face frame is worse than none. Retained state is remembered and re-published on reconnect.

``MqttLink.for_broker`` builds one from the ``broker`` config section: user name, password
(``$COMPANION_BROKER_PASSWORD`` or ``broker.password_file``), TLS for ``mqtts://``. A failed attempt is classified
(``ConnectProblem``) so the error names the cause: nothing listening, not authorised, an unknown CA, a TLS
handshake the broker refused. ``connect`` fails at once on a refusal that retrying cannot fix (credentials,
certificates) and after ``connect_timeout_s`` on an unreachable broker, or, with ``wait=True``, waits for it
(a robot that boots its parts in any order).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import ssl
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiomqtt

from companion.core.errors import BrokerAccessError, BrokerUnreachableError, ConfigError
from companion.core.tasks import TaskSet

if TYPE_CHECKING:
    from companion.core.config.shared import BrokerConfig

log = logging.getLogger(__name__)

MessageHandler = Callable[[str, bytes], Awaitable[None] | None]

# Frames are small and frequent: disable Nagle so each goes out at once.
_NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
WAITING_REMINDER_S = 30.0
CLASSIFY_MARGIN_S = 0.5  # while waiting for a broker, say so again this often


@dataclass(frozen=True)
class ConnectProblem:
    """Why one connection attempt failed. ``permanent``: retrying with the same settings cannot help."""

    kind: str  # unreachable, refused, tls, unknown_ca
    detail: str
    permanent: bool


def classify(error: BaseException, socket_error: str, *, tls: bool, user: str | None, where: str) -> ConnectProblem:
    """A connect failure as the operator needs to read it. ``socket_error`` is the last socket error paho logged:
    with TLS 1.3 a refused client certificate shows up only there, the attempt itself just times out."""
    text = str(error)
    rc = getattr(error, "rc", None)
    code = getattr(rc, "value", rc)
    if isinstance(error, aiomqtt.MqttCodeError) and code in (4, 5, 134, 135):
        who = f"user '{user}'" if user else "an anonymous client"
        hint = (
            "check broker.username and the password ($COMPANION_BROKER_PASSWORD or broker.password_file), and the "
            "user's entry in the broker's password file"
            if user
            else "this broker wants a user name: set broker.username and $COMPANION_BROKER_PASSWORD"
        )
        return ConnectProblem("refused", f"the broker at {where} refused {who}: not authorised; {hint}", True)
    seen = f"{text} {socket_error}"
    if "CERTIFICATE_VERIFY_FAILED" in seen:
        if "mismatch" in seen:
            detail = f"the certificate of the broker at {where} is not issued for this host name ({text})"
        else:
            detail = (
                f"the broker at {where} shows a certificate signed by an unknown CA ({text}); set broker.tls.ca_file "
                "to the CA that signed it (deploy/mosquitto/README.md)"
            )
        return ConnectProblem("unknown_ca", detail, True)
    for alert, meaning in (
        ("CERTIFICATE_REQUIRED", "requires a client certificate: set broker.tls.cert_file and key_file"),
        ("ALERT_UNKNOWN_CA", "does not accept this client's certificate (signed by a CA it does not trust)"),
        ("ALERT_BAD_CERTIFICATE", "does not accept this client's certificate"),
        ("CERTIFICATE_EXPIRED", "says a certificate has expired"),
    ):
        if alert in seen:
            return ConnectProblem("tls", f"TLS handshake with the broker at {where} failed: the broker {meaning}", True)
    if tls and ("SSL" in seen or "reset by peer" in seen or "EOF" in seen):
        return ConnectProblem(
            "tls",
            f"TLS handshake with the broker at {where} failed ({text}); is that port a TLS listener?",
            False,
        )
    if "timed out" in text.lower():
        hint = "" if tls else "; if it is a TLS port, use an mqtts:// URL"
        return ConnectProblem("unreachable", f"no MQTT answer from {where}{hint}", False)
    return ConnectProblem("unreachable", f"no MQTT broker answers at {where} ({text})", False)


class _SocketErrors(logging.Handler):
    """Remembers the last socket error paho logs for one client (see ``classify``)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.last = ""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "socket" in message or "SSL" in message:
            self.last = message


def tls_context(broker: BrokerConfig) -> ssl.SSLContext | None:
    """The TLS context of an ``mqtts://`` broker (None for ``mqtt://``). Raises ``ConfigError`` for a certificate
    or key that cannot be loaded, naming the key and the file."""
    if not broker.uses_tls:
        return None
    files = broker.tls
    key = "broker.tls.ca_file"
    try:
        context = ssl.create_default_context(cafile=str(files.ca_file) if files and files.ca_file else None)
        if files is not None and files.cert_file is not None:
            key = "broker.tls.cert_file"
            context.load_cert_chain(str(files.cert_file), str(files.key_file) if files.key_file else None)
    except (OSError, ssl.SSLError, ValueError) as error:
        path = getattr(files, key.rsplit(".", 1)[1], None) if files else None
        raise ConfigError(
            f"{key} {path}: cannot load it ({getattr(error, 'strerror', None) or error})",
            "deploy/mosquitto/README.md shows how to make the CA, broker and client certificates",
        ) from None
    return context


class MqttLink:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        name: str,
        will: tuple[str, bytes] | None = None,
        subscriptions: tuple[tuple[str, int], ...] = (),
        on_message: MessageHandler | None = None,
        keepalive_s: int = 5,
        connect_timeout_s: float = 3.0,
        max_backoff_s: float = 5.0,
        username: str | None = None,
        password: str | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.client_id = f"{name}-{uuid.uuid4().hex[:8]}"
        self._will = will
        self._subscriptions = subscriptions
        self.on_message = on_message  # (topic, payload) for every message on the subscriptions
        self._keepalive_s = keepalive_s
        self._connect_timeout_s = connect_timeout_s
        self._max_backoff_s = max_backoff_s
        self._username = username
        self._password = password
        self._tls = tls
        self._retained: dict[str, tuple[bytes, int]] = {}
        self._client: aiomqtt.Client | None = None
        self.connected = asyncio.Event()
        self.reconnects = 0
        self.dropped_while_offline = 0
        self.handler_errors = 0
        self.problem: ConnectProblem | None = None  # why the newest attempt failed (None once connected)
        self._attempted = asyncio.Event()  # set after each failed attempt
        self._stopping = False
        self._connection = TaskSet("mqtt")
        self._socket_errors = _SocketErrors()
        self._paho_log = logging.Logger(f"{__name__}.paho")
        self._paho_log.parent = logging.getLogger(f"{__name__}.paho")
        self._paho_log.addHandler(self._socket_errors)

    @classmethod
    def for_broker(
        cls,
        broker: BrokerConfig,
        *,
        name: str,
        will: tuple[str, bytes] | None = None,
        subscriptions: tuple[tuple[str, int], ...] = (),
        on_message: MessageHandler | None = None,
        host: str | None = None,
        port: int | None = None,
    ) -> MqttLink:
        """A link to the broker the config section describes (``host``/``port`` override the URL's, e.g. for an
        embedded broker). Raises ``ConfigError`` for an unreadable password file or certificate."""
        return cls(
            host or broker.host,
            port or broker.port,
            name=name,
            will=will,
            subscriptions=subscriptions,
            on_message=on_message,
            keepalive_s=broker.keepalive_s,
            connect_timeout_s=broker.connect_timeout_s,
            username=broker.user,
            password=broker.password() if broker.user else None,
            tls=tls_context(broker),
        )

    @property
    def where(self) -> str:
        scheme = "mqtts" if self._tls is not None else "mqtt"
        user = f"{self._username}@" if self._username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"

    def _make_client(self) -> aiomqtt.Client:
        will = aiomqtt.Will(self._will[0], self._will[1], qos=1, retain=True) if self._will else None
        return aiomqtt.Client(
            self.host,
            self.port,
            identifier=self.client_id,
            username=self._username,
            password=self._password,
            tls_context=self._tls,
            logger=self._paho_log,
            will=will,
            keepalive=self._keepalive_s,
            timeout=self._connect_timeout_s,
            socket_options=_NODELAY,
        )

    def start(self) -> None:
        """Connect in the background (reconnecting forever); see ``connect``, ``wait_connected`` and ``stop``."""
        if not len(self._connection):
            self._connection.spawn(self._run(), self.client_id)

    async def connect(self, *, wait: bool = False) -> None:
        """Start, and wait for the first connection. Raises ``BrokerAccessError`` at once when the broker refuses
        the login or the TLS handshake, and ``BrokerUnreachableError`` after ``connect_timeout_s`` when nothing
        answers, unless ``wait`` (then it waits, saying so now and then)."""
        self.start()
        loop = asyncio.get_running_loop()
        # A little past the attempt's own timeout, so a silent broker's attempt ends first and says why.
        deadline = None if wait else loop.time() + self._connect_timeout_s + CLASSIFY_MARGIN_S
        reminded_at: float | None = None
        while not self.connected.is_set():
            timeout = None if deadline is None else max(0.0, deadline - loop.time())
            self._attempted.clear()
            waiters = [asyncio.ensure_future(self.connected.wait()), asyncio.ensure_future(self._attempted.wait())]
            try:
                await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
            problem = self.problem
            if self.connected.is_set():
                break
            if problem is not None and problem.permanent:
                await self.stop()
                raise BrokerAccessError(problem.detail, _hint(problem))
            if deadline is not None and loop.time() >= deadline:
                await self.stop()
                detail = problem.detail if problem else f"no MQTT broker answers at {self.where}"
                raise BrokerUnreachableError(
                    detail, "start mosquitto, or set COMPANION_BROKER / broker.url to a reachable broker"
                )
            if wait and problem is not None and (reminded_at is None or loop.time() - reminded_at > WAITING_REMINDER_S):
                reminded_at = loop.time()
                log.warning("waiting for the MQTT broker: %s; retrying with backoff", problem.detail)

    async def _run(self) -> None:
        backoff = 0.1
        while not self._stopping:
            client = self._make_client()
            self._socket_errors.last = ""
            try:
                async with client:
                    self._client = client
                    await self._on_connected(client)
                    backoff = 0.1
                    async for message in client.messages:
                        await self._dispatch(str(message.topic), bytes(message.payload or b""))
            except aiomqtt.MqttError as error:
                if self.connected.is_set():
                    log.warning("MQTT connection to %s lost: %s", self.where, error)
                else:
                    tls = self._tls is not None
                    socket_error = self._socket_errors.last
                    self.problem = classify(error, socket_error, tls=tls, user=self._username, where=self.where)
                    log.debug("MQTT connect to %s failed: %s", self.where, self.problem.detail)
                    self._attempted.set()
            finally:
                self._client = None
                if self.connected.is_set() and not self._stopping:  # an orderly stop is not a reconnect
                    self.reconnects += 1
                self.connected.clear()
            await asyncio.sleep(backoff * (0.5 + random.random()))
            backoff = min(self._max_backoff_s, backoff * 2)

    async def _on_connected(self, client: aiomqtt.Client) -> None:
        for topic, (payload, qos) in list(self._retained.items()):
            await client.publish(topic, payload, qos=qos, retain=True)
        for topic, qos in self._subscriptions:
            await client.subscribe(topic, qos=qos)
        again = self.problem is not None or self.reconnects > 0
        self.problem = None
        self.connected.set()
        log.info("MQTT %sconnected to %s as %s", "re" if again else "", self.where, self.client_id)

    async def _dispatch(self, topic: str, payload: bytes) -> None:
        if self.on_message is None:
            return
        try:
            result = self.on_message(topic, payload)
            if result is not None:
                await result
        except Exception:
            # A handler's bug must not end the subscription (and with it every later message): count, log once.
            self.handler_errors += 1
            if self.handler_errors == 1:
                log.exception("MQTT message handler failed on %s (later failures are counted only)", topic)

    @staticmethod
    async def wait_for(event: asyncio.Event, timeout: float) -> bool:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
        return event.is_set()

    async def wait_connected(self, timeout: float) -> bool:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.connected.wait(), timeout)
        return self.connected.is_set()

    async def publish(self, topic: str, payload: bytes, qos: int = 0) -> bool:
        """Publish now if connected; otherwise drop it (returns False). For frames and events."""
        client = self._client
        if client is None or not self.connected.is_set():
            self.dropped_while_offline += 1
            return False
        try:
            await client.publish(topic, payload, qos=qos)
        except aiomqtt.MqttError:
            self.dropped_while_offline += 1
            return False
        _raise_if_cancel_was_swallowed()
        return True

    async def set_retained(self, topic: str, payload: bytes, qos: int = 1) -> None:
        """Publish retained state now (if connected) and again after every reconnect."""
        self._retained[topic] = (payload, qos)
        client = self._client
        if client is not None and self.connected.is_set():
            with contextlib.suppress(aiomqtt.MqttError):
                await client.publish(topic, payload, qos=qos, retain=True)

    async def clear_retained(self, topic: str) -> None:
        """Delete a retained message from the broker (an empty retained payload), now and after a reconnect."""
        await self.set_retained(topic, b"", qos=1)

    async def stop(self, final_retained: dict[str, bytes] | None = None) -> None:
        """Publish final retained messages (an orderly 'offline'), then disconnect cleanly (no last-will)."""
        self._stopping = True
        client = self._client
        if client is not None and self.connected.is_set():
            for topic, payload in (final_retained or {}).items():
                with contextlib.suppress(aiomqtt.MqttError):
                    await client.publish(topic, payload, qos=1, retain=True, timeout=1.0)
        await self._connection.cancel()


def _hint(problem: ConnectProblem) -> str:
    if problem.kind == "refused":
        return "deploy/mosquitto/README.md: users, passwords and the ACL"
    return "deploy/mosquitto/README.md: certificates and broker.tls"


async def read_retained(
    broker: BrokerConfig, topics: list[str], *, settle_s: float = 0.5, name: str = "status"
) -> dict[str, bytes]:
    """The retained message of each topic as the broker has them now: connects, subscribes, and collects until
    every topic has one or ``settle_s`` has passed (retained messages come right after the subscription)."""
    found: dict[str, bytes] = {}
    complete = asyncio.Event()

    def collect(topic: str, payload: bytes) -> None:
        found.setdefault(topic, payload)  # the retained copy comes first; later live ones are not wanted
        if set(topics) <= set(found):
            complete.set()

    link = MqttLink.for_broker(broker, name=name, subscriptions=tuple((t, 1) for t in topics), on_message=collect)
    await link.connect()
    try:
        await link.wait_for(complete, settle_s)
    finally:
        await link.stop()
    return found


def _raise_if_cancel_was_swallowed() -> None:
    """On Python 3.11 the ``asyncio.wait_for`` inside aiomqtt's publish drops a cancel that arrives just as the
    publish completes; a frame loop would then never stop. Re-raise it (the task still counts it as pending)."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    if cancelling is not None and cancelling():
        raise asyncio.CancelledError
