"""Webhook signing, retry timing and delivery, against real HTTP(S) servers on loopback.

The module's own tests need no database; the last section drives the delivery task
(`notifications.tasks.deliver_webhook`) over real rows. Two autouse guards keep every test on this
machine: name resolution goes through a table (numeric literals only reach the real resolver,
with AI_NUMERICHOST), and any TCP connect to a non-loopback address fails the test before a
packet leaves.
"""

from __future__ import annotations

import base64
import email.utils
import ipaddress
import json
import os
import random
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import standardwebhooks
import urllib3

from notifications import webhooks
from notifications.webhooks import (
    RETRY_SCHEDULE,
    DeliveryResult,
    DestinationRefused,
    build_headers,
    check_destination,
    deliver,
    generate_secret,
    next_attempt_delay,
    parse_retry_after,
    sign,
    verify,
)
from reports.events import ReportEvent

REAL_GETADDRINFO = socket.getaddrinfo
REAL_CONNECT = socket.socket.connect
BODY = json.dumps({"type": "report.created", "data": {"id": 42, "slug": "pe-0042"}}).encode()


# --- guards: no real DNS, no connection off this machine ------------------------------------


@dataclass
class FakeDNS:
    """Answers for names in `table` (a list of addresses, or a callable giving one per call)."""

    table: dict[str, list[str] | Callable[[], list[str]]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name in self.table:
            self.lookups.append(name)
            entry = self.table[name]
            answers = entry() if callable(entry) else entry
            return [_addrinfo(address, port) for address in answers]
        # Numeric forms only (127.0.0.1, ::1, 2130706433...): never a DNS query.
        return REAL_GETADDRINFO(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)


def _addrinfo(address: str, port: int) -> tuple:
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))


@pytest.fixture(autouse=True)
def dns(monkeypatch) -> FakeDNS:
    fake = FakeDNS()
    monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo)
    return fake


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch) -> Iterator[list]:
    """Fails any connect off loopback, even one the code under test would swallow."""
    violations: list = []

    def guarded(sock, address):
        if isinstance(address, tuple):
            host = str(address[0]).split("%")[0]
            if not ipaddress.ip_address(host).is_loopback:
                violations.append(address)
                raise AssertionError(f"connection attempted to non-loopback {address!r}")
        return REAL_CONNECT(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield violations
    assert violations == []


@pytest.fixture
def no_connections(monkeypatch) -> list:
    """For refusal tests: any connection attempt at all, even to loopback, fails the test."""
    attempts: list = []

    def forbidden(*args, **kwargs):
        attempts.append(args)
        raise AssertionError("a refused destination must not be connected to")

    monkeypatch.setattr(socket.socket, "connect", forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    monkeypatch.setattr(urllib3.util.connection, "create_connection", forbidden)
    monkeypatch.setattr(urllib3.connection.HTTPConnection, "connect", forbidden)
    return attempts


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


needs_ipv6 = pytest.mark.skipif(not _has_ipv6_loopback(), reason="no ::1 on this machine")


# --- a recording receiver -------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, family: int) -> None:
        self.address_family = family
        super().__init__((host, 0), ReceiverHandler)
        self.received: list[Received] = []
        self.sni: list[str | None] = []
        self.stop = threading.Event()  # releases slow handlers at teardown
        self._lock = threading.Lock()

    def record(self, request: Received) -> None:
        with self._lock:
            self.received.append(request)

    def handle_error(self, request, client_address) -> None:
        # Clients that give up on purpose (timeouts, rejected certificates) leave broken pipes.
        pass

    def url(self, path: str, *, host: str | None = None, scheme: str = "http") -> str:
        if host is None:
            host = "[::1]" if self.address_family == socket.AF_INET6 else "127.0.0.1"
        return f"{scheme}://{host}:{self.server_address[1]}{path}"


class ReceiverHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Receiver

    def log_message(self, format, *args) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.server.record(Received(self.command, self.path, dict(self.headers.items()), body))
        ROUTES.get(urlsplit(self.path).path, _ok)(self)

    do_GET = do_PUT = do_POST

    def respond(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


def _ok(handler: ReceiverHandler) -> None:
    handler.respond(200, b'{"received": true}', {"Content-Type": "application/json"})


def _slow(handler: ReceiverHandler) -> None:
    handler.server.stop.wait(1.5)
    _ok(handler)


def _trickle(handler: ReceiverHandler) -> None:
    # Each byte arrives well within any per-read timeout; only a total deadline stops this.
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Padding: ")
    finish = time.monotonic() + 1.5
    while time.monotonic() < finish and not handler.server.stop.is_set():
        handler.wfile.write(b"a")
        handler.wfile.flush()
        time.sleep(0.05)
    handler.wfile.write(b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


ROUTES: dict[str, Callable[[ReceiverHandler], None]] = {
    "/ok": _ok,
    "/accepted": lambda h: h.respond(202),
    "/fail": lambda h: h.respond(500, b"boom: database is down"),
    "/redirect": lambda h: h.respond(302, headers={"Location": h.server.url("/ok")}),
    "/gone": lambda h: h.respond(410, b"endpoint deleted"),
    "/busy": lambda h: h.respond(503, headers={"Retry-After": "120"}),
    "/big": lambda h: h.respond(200, b"x" * (100 * 1024)),
    "/binary": lambda h: h.respond(500, b"\x00\xff\xfe gz\x1f\x8b"),
    "/slow": _slow,
    "/trickle": _trickle,
}


@contextmanager
def running(receiver: Receiver) -> Iterator[Receiver]:
    thread = threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield receiver
    finally:
        receiver.stop.set()
        receiver.shutdown()
        receiver.server_close()
        thread.join(5)


@pytest.fixture
def server() -> Iterator[Receiver]:
    with running(Receiver("127.0.0.1", socket.AF_INET)) as receiver:
        yield receiver


@pytest.fixture
def server6() -> Iterator[Receiver]:
    with running(Receiver("::1", socket.AF_INET6)) as receiver:
        yield receiver


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> dict[str, Path]:
    """A throwaway CA and a certificate for hooks.test signed by it."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make test certificates")
    work = tmp_path_factory.mktemp("tls")
    (work / "ca.cnf").write_text(
        "[req]\ndistinguished_name = dn\nx509_extensions = v3_ca\nprompt = no\n"
        "[dn]\nCN = Atalaya webhook test CA\n"
        "[v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n"
        "subjectKeyIdentifier = hash\n"
    )
    (work / "leaf.cnf").write_text(
        "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = hooks.test\n"
        "[v3_leaf]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n"
        "extendedKeyUsage = serverAuth\nsubjectAltName = DNS:hooks.test\n"
        "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for args in (
        ["req", "-x509", "-config", "ca.cnf", *ec, "-keyout", "ca.key", "-out", "ca.pem"],
        ["req", "-new", "-config", "leaf.cnf", *ec, "-keyout", "leaf.key", "-out", "leaf.csr"],
        [
            *("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key"),
            *("-CAcreateserial", "-out", "leaf.pem", "-extfile", "leaf.cnf"),
            *("-extensions", "v3_leaf"),
        ],
    ):
        subprocess.run(["openssl", *args, "-days", "2"], cwd=work, check=True, capture_output=True)
    return {"ca": work / "ca.pem", "cert": work / "leaf.pem", "key": work / "leaf.key"}


@pytest.fixture
def tls_server(tls_files) -> Iterator[Receiver]:
    receiver = Receiver("127.0.0.1", socket.AF_INET)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls_files["cert"], tls_files["key"])
    context.sni_callback = lambda _sock, name, _ctx: receiver.sni.append(name)
    receiver.socket = context.wrap_socket(receiver.socket, server_side=True)
    with running(receiver):
        yield receiver


def _signed(secret: str | list[str], msg_id: str = "msg_2Qx1", body: bytes = BODY):
    timestamp = int(time.time())
    return timestamp, build_headers(secret, msg_id, timestamp, body)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- secrets and signatures -----------------------------------------------------------------


def test_generate_secret_has_prefix_and_32_random_bytes():
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(secret) == 50
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert generate_secret() != secret


def test_sign_matches_the_standard_webhooks_reference_vector():
    # Published test vector, so receivers using the official libraries accept our signatures.
    signature = sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_build_headers():
    secret = generate_secret()
    headers = build_headers(secret, "msg_1", 1_700_000_000, BODY)
    assert headers == {
        "webhook-id": "msg_1",
        "webhook-timestamp": "1700000000",
        "webhook-signature": sign(secret, "msg_1", 1_700_000_000, BODY),
        "Content-Type": "application/json",
        "User-Agent": "Atalaya-Webhooks/1",
    }
    assert verify(secret, headers, BODY, now=1_700_000_000)


def test_rotation_signs_with_each_secret_and_verify_accepts_either():
    old, new, stranger = generate_secret(), generate_secret(), generate_secret()
    headers = build_headers([old, new], "msg_1", 1_700_000_000, BODY)
    parts = headers["webhook-signature"].split(" ")
    assert len(parts) == 2
    assert all(part.startswith("v1,") for part in parts)
    assert verify(old, headers, BODY, now=1_700_000_000)
    assert verify(new, headers, BODY, now=1_700_000_000)
    assert not verify(stranger, headers, BODY, now=1_700_000_000)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda h, b: (h, b + b" "), id="body"),
        pytest.param(lambda h, b: (h, b.replace(b"42", b"43")), id="body-value"),
        pytest.param(lambda h, b: ({**h, "webhook-id": "msg_2"}, b), id="id"),
        pytest.param(lambda h, b: ({**h, "webhook-timestamp": "1700000001"}, b), id="timestamp"),
        pytest.param(lambda h, b: ({**h, "webhook-signature": "v2,abc"}, b), id="version"),
        pytest.param(
            lambda h, b: ({k: v for k, v in h.items() if k != "webhook-id"}, b), id="no-id"
        ),
        pytest.param(lambda h, b: ({**h, "webhook-timestamp": "17e8"}, b), id="bad-ts"),
    ],
)
def test_verify_rejects_tampering(tamper):
    secret = generate_secret()
    headers, body = tamper(build_headers(secret, "msg_1", 1_700_000_000, BODY), BODY)
    assert not verify(secret, headers, body, now=1_700_000_000)


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(0, True), (300, True), (-300, True), (301, False), (-301, False), (86400, False)],
)
def test_verify_enforces_timestamp_tolerance(offset, accepted):
    secret = generate_secret()
    headers = build_headers(secret, "msg_1", 1_700_000_000, BODY)
    assert verify(secret, headers, BODY, now=1_700_000_000 + offset) is accepted


def test_verify_ignores_header_case_and_skips_unknown_versions():
    secret = generate_secret()
    headers = build_headers(secret, "msg_1", 1_700_000_000, BODY)
    shouted = {name.upper(): value for name, value in headers.items()}
    shouted["WEBHOOK-SIGNATURE"] = "v1a,whatever " + shouted["WEBHOOK-SIGNATURE"]
    assert verify(secret, shouted, BODY, now=1_700_000_000)


@pytest.mark.parametrize(
    "secret",
    [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",  # no prefix
        "whsec_not*base64!",
        "whsec_" + base64.b64encode(b"x" * 16).decode(),  # too short
        "whsec_" + base64.b64encode(b"x" * 65).decode(),  # too long
    ],
)
def test_malformed_secrets_are_configuration_errors(secret):
    with pytest.raises(ValueError) as excinfo:
        sign(secret, "msg_1", 1, BODY)
    assert secret.removeprefix("whsec_") not in str(excinfo.value)  # never echo the secret
    with pytest.raises(ValueError):
        verify(secret, {}, BODY)


def test_sign_rejects_what_would_break_the_contract():
    secret = generate_secret()
    with pytest.raises(TypeError):
        sign(secret, "msg_1", 1_700_000_000.0, BODY)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sign(secret, "msg_1", 1_700_000_000, BODY.decode())  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sign(secret, "msg 1\r\nX-Injected: 1", 1_700_000_000, BODY)
    with pytest.raises(ValueError):
        sign([], "msg_1", 1_700_000_000, BODY)


# --- retry timing ---------------------------------------------------------------------------


def test_retry_schedule():
    assert RETRY_SCHEDULE == (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)


@pytest.mark.parametrize("attempt", range(1, len(RETRY_SCHEDULE) + 1))
def test_jitter_stays_within_ten_percent(attempt):
    base = RETRY_SCHEDULE[attempt - 1]
    rng = random.Random(20240611)
    delays = [next_attempt_delay(attempt, rng=rng) for _ in range(300)]
    assert all(base * 0.9 <= delay <= base * 1.1 for delay in delays)
    if base:
        assert len(set(delays)) > 1  # actually jittered
        assert min(delays) < base < max(delays)


def test_jitter_is_reproducible_with_a_seeded_rng():
    first = [next_attempt_delay(5, rng=random.Random(7)) for _ in range(3)]
    again = [next_attempt_delay(5, rng=random.Random(7)) for _ in range(3)]
    assert first == again


def test_schedule_exhaustion_returns_none():
    assert next_attempt_delay(len(RETRY_SCHEDULE)) is not None
    assert next_attempt_delay(len(RETRY_SCHEDULE) + 1) is None
    assert next_attempt_delay(len(RETRY_SCHEDULE) + 1, retry_after="60") is None
    with pytest.raises(ValueError):
        next_attempt_delay(0)


def test_retry_after_seconds_is_a_floor():
    rng = random.Random(1)
    assert next_attempt_delay(2, retry_after="600", rng=rng) == 600  # schedule says ~5 s
    # When the schedule already waits longer, Retry-After changes nothing.
    assert 1620 <= next_attempt_delay(4, retry_after="3", rng=rng) <= 1980


def test_retry_after_http_date():
    now = 1_700_000_000
    later = email.utils.formatdate(now + 3600, usegmt=True)
    assert next_attempt_delay(2, retry_after=later, now=now) == pytest.approx(3600)
    earlier = email.utils.formatdate(now - 3600, usegmt=True)
    assert next_attempt_delay(2, retry_after=earlier, now=now, rng=random.Random(1)) <= 5.5


def test_retry_after_is_capped_at_a_day_and_garbage_is_ignored():
    assert next_attempt_delay(2, retry_after="9999999") == 86400
    assert parse_retry_after("  120 ") == 120
    for junk in ("soon", "-5", "1.5", "", "²"):
        assert parse_retry_after(junk) is None
        assert next_attempt_delay(2, retry_after=junk, rng=random.Random(1)) <= 5.5


# --- destination checks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
        "224.0.1.1",  # multicast, which Python 3.11 calls "global"
        "192.0.0.8",
        "198.18.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::7f00:1",  # IPv4-compatible
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",  # site-local, which Python 3.11 calls "global"
        "ff0e::1",
        "2002:7f00:1::1",  # 6to4 wrapping 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::1",
        "2001:db8::1",
    ],
)
def test_non_public_addresses_are_refused(dns, address):
    dns.table["hooks.test"] = [address]
    with pytest.raises(DestinationRefused) as excinfo:
        check_destination("https://hooks.test/in", allow_private=False)
    assert str(ipaddress.ip_address(address)) in excinfo.value.reason
    assert not excinfo.value.transient
    # Same verdict for the literal in the URL, where no name is involved at all.
    literal = f"[{address}]" if ":" in address else address
    with pytest.raises(DestinationRefused):
        check_destination(f"http://{literal}/", allow_private=False)


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "127.1", "017700000001"])
def test_odd_spellings_of_loopback_are_refused(host):
    # The check runs on what the resolver returns, so inet_aton spellings cannot slip past.
    with pytest.raises(DestinationRefused, match=r"127\.0\.0\.1"):
        check_destination(f"http://{host}:8080/", allow_private=False)


def test_one_private_answer_among_public_ones_refuses_the_name(dns):
    dns.table["mixed.test"] = ["93.184.215.14", "10.0.0.1"]
    with pytest.raises(DestinationRefused, match=r"10\.0\.0\.1"):
        check_destination("https://mixed.test/", allow_private=False)


def test_public_destination_is_accepted_without_connecting(dns, no_connections):
    dns.table["public.test"] = ["93.184.215.14", "2606:4700::1111", "93.184.215.14"]
    assert check_destination("HTTPS://Public.Test/hook?x=1", allow_private=False) == (
        "https",
        443,
        "public.test",
        ["93.184.215.14", "2606:4700::1111"],
    )
    assert check_destination("http://public.test:8443", allow_private=False)[:2] == ("http", 8443)
    assert check_destination("http://8.8.8.8/", allow_private=False)[3] == ["8.8.8.8"]
    assert check_destination("http://[::ffff:8.8.8.8]/", allow_private=False)[3] == [
        "::ffff:8.8.8.8"
    ]
    assert no_connections == []


def test_private_destination_is_allowed_when_asked():
    assert check_destination("http://127.0.0.1:9000/", allow_private=True) == (
        "http",
        9000,
        "127.0.0.1",
        ["127.0.0.1"],
    )


def test_internationalised_host_names_resolve_in_ascii(dns):
    dns.table["xn--bcher-kva.test"] = ["93.184.215.14"]
    assert check_destination("https://bücher.test/", allow_private=False)[2] == "xn--bcher-kva.test"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.test/", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://127.0.0.1:6379/_INFO", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("hooks.test/webhook", "only http and https"),
        ("http:///path-only", "no host"),
        ("https://user:pw@hooks.test/", "credentials"),
        ("http://hooks.test:0/", "port 0"),
        ("http://hooks.test:99999/", "malformed"),
        ("http://hooks.test:http/", "malformed"),
        ("http://[::1/", "malformed"),
        ("http://hooks.test/a b", "whitespace"),
        ("http://hooks.test/\r\nX-Injected: 1", "whitespace"),
    ],
)
def test_bad_urls_are_refused(url, reason, no_connections):
    with pytest.raises(DestinationRefused, match=reason):
        check_destination(url, allow_private=True)


def test_unresolvable_name_is_a_transient_refusal():
    with pytest.raises(DestinationRefused, match="cannot resolve") as excinfo:
        check_destination("https://nowhere.test/", allow_private=False)
    assert excinfo.value.transient


# --- delivery -------------------------------------------------------------------------------


def test_delivery_is_signed_and_received(server):
    secret = generate_secret()
    timestamp, headers = _signed(secret)
    result = deliver(server.url("/ok?tenant=pe"), BODY, headers, allow_private=True, timeout=2)

    assert result.ok
    assert (result.status_code, result.error, result.gone, result.refused) == (
        200,
        "",
        False,
        False,
    )
    assert result.response_excerpt == '{"received": true}'
    assert 0 <= result.duration_ms < 2000
    [received] = server.received
    assert (received.method, received.path, received.body) == ("POST", "/ok?tenant=pe", BODY)
    assert received.headers["webhook-id"] == "msg_2Qx1"
    assert received.headers["webhook-timestamp"] == str(timestamp)
    assert received.headers["Host"] == f"127.0.0.1:{server.server_address[1]}"
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["User-Agent"] == "Atalaya-Webhooks/1"
    assert received.headers["Content-Length"] == str(len(BODY))
    assert verify(secret, received.headers, received.body, now=timestamp)


def test_retries_keep_the_message_id(server):
    secret = generate_secret()
    for _ in range(2):
        _, headers = _signed(secret, msg_id="msg_stable")
        assert deliver(server.url("/ok"), BODY, headers, allow_private=True, timeout=2).ok
    assert [r.headers["webhook-id"] for r in server.received] == ["msg_stable", "msg_stable"]


def test_any_2xx_succeeds(server):
    _, headers = _signed(generate_secret())
    result = deliver(server.url("/accepted"), BODY, headers, allow_private=True, timeout=2)
    assert result.ok
    assert result.status_code == 202


def test_server_error_fails_with_status_and_excerpt(server):
    _, headers = _signed(generate_secret())
    result = deliver(server.url("/fail"), BODY, headers, allow_private=True, timeout=2)
    assert not result.ok
    assert result.status_code == 500
    assert result.error == "HTTP 500"
    assert result.response_excerpt == "boom: database is down"
    assert not result.gone


def test_redirect_fails_and_is_not_followed(server):
    _, headers = _signed(generate_secret())
    result = deliver(server.url("/redirect"), BODY, headers, allow_private=True, timeout=2)
    assert not result.ok
    assert result.status_code == 302
    assert "redirect not followed" in result.error
    assert server.url("/ok") in result.error
    assert [r.path for r in server.received] == ["/redirect"]


def test_410_means_disable_the_endpoint(server):
    _, headers = _signed(generate_secret())
    result = deliver(server.url("/gone"), BODY, headers, allow_private=True, timeout=2)
    assert not result.ok
    assert result.gone
    assert result.status_code == 410


def test_retry_after_from_the_receiver_delays_the_next_attempt(server):
    _, headers = _signed(generate_secret())
    result = deliver(server.url("/busy"), BODY, headers, allow_private=True, timeout=2)
    assert (result.ok, result.status_code, result.retry_after) == (False, 503, "120")
    # The schedule says ~5 s after the second attempt; the receiver asked for 120.
    assert next_attempt_delay(2, retry_after=result.retry_after, rng=random.Random(3)) == 120


def test_response_excerpt_is_capped_at_64_kib(server):
    _, headers = _signed(generate_secret())
    result = deliver(server.url("/big"), BODY, headers, allow_private=True, timeout=2)
    assert result.ok
    assert result.response_excerpt == "x" * 65536


def test_binary_response_is_stored_safely(server):
    # PostgreSQL text columns reject NUL; the excerpt goes straight into the delivery log.
    _, headers = _signed(generate_secret())
    result = deliver(server.url("/binary"), BODY, headers, allow_private=True, timeout=2)
    assert result.status_code == 500
    assert "\x00" not in result.response_excerpt
    assert result.response_excerpt.endswith(" gz\x1f\ufffd")


def test_loopback_is_refused_by_default_without_connecting(server, no_connections):
    _, headers = _signed(generate_secret())
    result = deliver(server.url("/ok"), BODY, headers, allow_private=False, timeout=2)
    assert not result.ok
    assert result.refused
    assert result.status_code is None
    assert result.error.startswith(
        "destination refused: 127.0.0.1 resolves to 127.0.0.1 (loopback)"
    )
    assert no_connections == []
    assert server.received == []


def test_settings_decide_when_no_argument_is_given(server, settings):
    _, headers = _signed(generate_secret())
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = False
    assert deliver(server.url("/ok"), BODY, headers).refused
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True
    settings.WEBHOOK_TIMEOUT = 0.3
    assert deliver(server.url("/ok"), BODY, headers).ok
    result = deliver(server.url("/slow"), BODY, headers)
    assert result.error == "timed out after 0.3s"


def test_connection_goes_to_the_checked_address_not_a_second_lookup(server, dns):
    # First answer loopback (checked and allowed), every later one an internal address: a
    # second lookup would be steered away (and the loopback guard would fail the test).
    answers = iter([["127.0.0.1"]] + [["10.0.0.1"]] * 5)
    dns.table["hooks.test"] = lambda: next(answers)
    secret = generate_secret()
    timestamp, headers = _signed(secret)
    url = server.url("/ok", host="hooks.test")

    result = deliver(url, BODY, headers, allow_private=True, timeout=2)

    assert result.ok, result.error
    assert dns.lookups == ["hooks.test"]
    [received] = server.received
    assert received.headers["Host"] == f"hooks.test:{server.server_address[1]}"
    assert verify(secret, received.headers, received.body, now=timestamp)


@pytest.mark.parametrize(
    "address",
    ["10.0.0.1", "169.254.169.254", "::ffff:127.0.0.1", "0.0.0.0", "fd00::1"],  # noqa: S104
)
def test_private_answers_are_refused_before_any_connection(dns, no_connections, address):
    dns.table["hooks.test"] = [address]
    _, headers = _signed(generate_secret())
    result = deliver("https://hooks.test/webhook", BODY, headers, allow_private=False, timeout=2)
    assert not result.ok
    assert result.refused
    assert result.error.startswith("destination refused: hooks.test resolves to")
    assert str(ipaddress.ip_address(address)) in result.error
    assert no_connections == []


def test_metadata_literal_is_refused_before_any_connection(no_connections):
    _, headers = _signed(generate_secret())
    result = deliver("http://169.254.169.254/latest/meta-data/", BODY, headers, allow_private=False)
    assert result.refused
    assert "link-local" in result.error
    assert no_connections == []


def test_unreachable_port_fails_without_raising():
    _, headers = _signed(generate_secret())
    port = _free_port()
    result = deliver(f"http://127.0.0.1:{port}/", BODY, headers, allow_private=True, timeout=2)
    assert not result.ok
    assert not result.refused
    assert result.status_code is None
    assert result.error.startswith(f"cannot connect to 127.0.0.1 port {port}")


@needs_ipv6
def test_falls_back_to_the_next_checked_address(server, dns):
    # Nothing listens on ::1 at this port, so the second checked address gets the message.
    dns.table["hooks.test"] = ["::1", "127.0.0.1"]
    _, headers = _signed(generate_secret())
    result = deliver(
        server.url("/ok", host="hooks.test"), BODY, headers, allow_private=True, timeout=2
    )
    assert result.ok, result.error
    assert dns.lookups == ["hooks.test"]
    assert len(server.received) == 1


@needs_ipv6
def test_ipv6_literal_destination(server6):
    _, headers = _signed(generate_secret())
    result = deliver(server6.url("/ok"), BODY, headers, allow_private=True, timeout=2)
    assert result.ok, result.error
    assert server6.received[0].headers["Host"] == f"[::1]:{server6.server_address[1]}"


def test_slow_receiver_times_out(server):
    _, headers = _signed(generate_secret())
    started = time.monotonic()
    result = deliver(server.url("/slow"), BODY, headers, allow_private=True, timeout=0.3)
    assert not result.ok
    assert result.status_code is None
    assert result.error == "timed out after 0.3s"
    assert time.monotonic() - started < 1.0
    assert result.duration_ms < 1000


def test_timeout_bounds_the_whole_exchange_not_each_read(server):
    # A byte every 50 ms never trips a 0.5 s read timeout; the total deadline must.
    _, headers = _signed(generate_secret())
    started = time.monotonic()
    result = deliver(server.url("/trickle"), BODY, headers, allow_private=True, timeout=0.5)
    assert not result.ok
    assert result.error == "timed out after 0.5s"
    assert time.monotonic() - started < 1.2


@contextmanager
def silent_listener(on_accept: Callable[[socket.socket], None] | None = None) -> Iterator[int]:
    """A loopback port that accepts connections and then does `on_accept` (default: nothing)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.1)
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                if on_accept:
                    on_accept(conn)
                else:
                    done.wait(2)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        thread.join(5)
        listener.close()


def test_stalled_tls_handshake_times_out():
    _, headers = _signed(generate_secret())
    with silent_listener() as port:
        url = f"https://127.0.0.1:{port}/"
        result = deliver(url, BODY, headers, allow_private=True, timeout=0.3)
    assert not result.ok
    assert result.error == "timed out after 0.3s during the TLS handshake"
    assert result.duration_ms < 1000


def test_receiver_hanging_up_is_an_error_not_an_exception():
    _, headers = _signed(generate_secret())
    with silent_listener(lambda conn: conn.recv(65536)) as port:
        url = f"http://127.0.0.1:{port}/"
        result = deliver(url, BODY, headers, allow_private=True, timeout=2)
    assert not result.ok
    assert result.status_code is None
    # Closing with the request half read may reach the sender as a reset rather than an empty
    # answer, depending on timing: either way it is the receiver hanging up.
    assert "RemoteDisconnected" in result.error or "ConnectionResetError" in result.error


def test_programming_errors_still_raise():
    with pytest.raises(TypeError):
        deliver("http://127.0.0.1/", BODY.decode(), {}, allow_private=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        deliver("http://127.0.0.1/", BODY, {}, allow_private=True, timeout=0)


def test_result_shape():
    assert [f for f in DeliveryResult.__dataclass_fields__] == [
        "ok",
        "status_code",
        "error",
        "response_excerpt",
        "retry_after",
        "gone",
        "duration_ms",
        "refused",
    ]


# --- https ----------------------------------------------------------------------------------


def test_https_connects_to_the_checked_address_and_verifies_the_name(tls_server, tls_files, dns):
    dns.table["hooks.test"] = ["127.0.0.1"]
    secret = generate_secret()
    timestamp, headers = _signed(secret)
    url = tls_server.url("/ok", host="hooks.test", scheme="https")

    result = deliver(
        url, BODY, headers, allow_private=True, timeout=2, ca_certs=str(tls_files["ca"])
    )

    assert result.ok, result.error
    assert tls_server.sni == ["hooks.test"]
    [received] = tls_server.received
    assert received.headers["Host"] == f"hooks.test:{tls_server.server_address[1]}"
    assert verify(secret, received.headers, received.body, now=timestamp)


def test_https_refuses_a_certificate_for_another_name(tls_server, tls_files, dns):
    dns.table["other.test"] = ["127.0.0.1"]
    _, headers = _signed(generate_secret())
    url = tls_server.url("/ok", host="other.test", scheme="https")
    result = deliver(
        url, BODY, headers, allow_private=True, timeout=2, ca_certs=str(tls_files["ca"])
    )
    assert not result.ok
    assert result.error.startswith("TLS error")
    assert "other.test" in result.error
    assert tls_server.received == []


def test_https_refuses_an_untrusted_certificate(tls_server, dns):
    dns.table["hooks.test"] = ["127.0.0.1"]
    _, headers = _signed(generate_secret())
    url = tls_server.url("/ok", host="hooks.test", scheme="https")
    result = deliver(url, BODY, headers, allow_private=True, timeout=2)  # system CA store
    assert not result.ok
    assert result.error.startswith("TLS error")
    assert "certificate verify failed" in result.error
    assert tls_server.received == []


def test_module_needs_no_django_settings_with_explicit_arguments(monkeypatch, server):
    def no_settings(name, default):
        raise AssertionError(f"settings.{name} read despite an explicit argument")

    monkeypatch.setattr(webhooks, "_setting", no_settings)
    _, headers = _signed(generate_secret())
    assert deliver(server.url("/ok"), BODY, headers, allow_private=True, timeout=2).ok


# --- receivers verify with the reference library ---------------------------------------------
# Our own `verify` shares `_signature` with `sign`, so it cannot notice a signing scheme that is
# consistently wrong; receivers use a Standard Webhooks library, and so does this.


def test_a_delivery_verifies_with_the_reference_standardwebhooks_library(server):
    old, new = generate_secret(), generate_secret()
    body = json.dumps({"type": "report.shared", "data": {"title": "Derby — ñ"}}).encode()
    headers = build_headers([old, new], "msg_7_3", int(time.time()), body)
    assert deliver(server.url("/ok"), body, headers, allow_private=True, timeout=2).ok
    (received,) = server.received
    # During a rotation a receiver holds either secret.
    for secret in (old, new):
        message = standardwebhooks.Webhook(secret).verify(received.body, received.headers)
        assert message == json.loads(body)
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(generate_secret()).verify(received.body, received.headers)


# --- the delivery task -----------------------------------------------------------------------


@pytest.fixture
def coparty_hooks(db, owner, coparty):
    """`make(url, n)`: the co-party's endpoint at `url` and n pending deliveries to it, one
    per report the owner shares with it (the rows process_event would write)."""
    from notifications import fanout
    from notifications.models import Event, WebhookEndpoint
    from reports import dedup
    from reports.tests.factories import agreement_between, report_by

    agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])

    def make(url: str, n: int = 1):
        endpoint = WebhookEndpoint.objects.create(
            organization=coparty, url=url, secret=generate_secret()
        )
        deliveries = []
        for _ in range(n):
            report_by(owner, indicators=[("domain", f"site-{random.getrandbits(32)}.example")])
            event = Event.objects.filter(type=ReportEvent.SHARED).latest("pk")
            dedup.link_reports(event.subject_ids)
            deliveries += fanout.fan_out(event)
        assert [d.endpoint_id for d in deliveries] == [endpoint.pk] * n
        return endpoint, deliveries

    return make


def test_the_task_signs_so_that_the_reference_library_verifies_it(server, coparty_hooks, settings):
    from notifications.tasks import deliver_webhook

    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True  # the receiver is on loopback
    endpoint, (delivery,) = coparty_hooks(server.url("/ok"))
    deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == "delivered", delivery.last_error
    (received,) = server.received
    message = standardwebhooks.Webhook(endpoint.secret).verify(received.body, received.headers)
    assert received.headers["webhook-id"] == delivery.msg_id
    assert message["type"] == "report.shared"
    assert message["data"]["id"] == delivery.event.subject_ids[0]


def _allow_private_with_debug_off() -> object:
    """WEBHOOK_ALLOW_PRIVATE_DESTINATIONS as hub/settings.py computes it with DEBUG off and the
    variable unset (a fresh interpreter: settings are evaluated once per process)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "WEBHOOK_ALLOW_PRIVATE_DESTINATIONS")
    }
    env.update(DEBUG="false", SECRET_KEY="s" * 64, DJANGO_SETTINGS_MODULE="hub.settings")
    read = (
        "from django.conf import settings; print(repr(settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS))"
    )
    done = subprocess.run(
        [sys.executable, "-c", read],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_with_debug_off_the_task_refuses_a_loopback_destination_and_sends_nothing(
    server, coparty_hooks, settings
):
    # What production gets by default...
    assert _allow_private_with_debug_off() == "False"
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = False
    from notifications.tasks import deliver_webhook

    endpoint, (delivery,) = coparty_hooks(server.url("/ok"))
    # ...and what the worker then does with a receiver on 127.0.0.1.
    deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert delivery.last_error.startswith("destination refused"), delivery.last_error
    assert server.received == []
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1  # a refusal counts as a failed delivery


def _fail_for_good(deliveries) -> None:
    """Brings each delivery to its last scheduled attempt, so the next failure is final."""
    from notifications.models import WebhookDelivery

    WebhookDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        attempts=len(RETRY_SCHEDULE)
    )


def test_five_deliveries_failed_in_a_row_disable_the_endpoint_through_the_task(
    server, coparty_hooks, settings, coparty, mailoutbox
):
    from members.tests.factories import UserFactory
    from notifications.tasks import deliver_webhook

    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True
    UserFactory(organization=coparty, role="admin", email="admin@coparty.example")
    endpoint, deliveries = coparty_hooks(server.url("/fail"), n=5)
    _fail_for_good(deliveries)

    for delivery in deliveries[:4]:
        deliver_webhook(delivery.pk)
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures) == (True, 4)
    assert mailoutbox == []

    deliver_webhook(deliveries[4].pk)
    endpoint.refresh_from_db()
    assert endpoint.active is False
    assert endpoint.disabled_reason == "5 deliveries in a row failed"
    assert len(server.received) == 5
    (mail,) = mailoutbox  # the org's admins are told, once
    assert "admin@coparty.example" in mail.to
    assert {d.state for d in type(deliveries[0]).objects.filter(endpoint=endpoint)} == {"failed"}


def test_a_delivered_message_resets_the_count_of_failures(server, coparty_hooks, settings):
    from notifications.tasks import deliver_webhook

    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True
    endpoint, deliveries = coparty_hooks(server.url("/fail"), n=9)
    _fail_for_good(deliveries)
    for delivery in deliveries[:4]:
        deliver_webhook(delivery.pk)
    type(endpoint).objects.filter(pk=endpoint.pk).update(url=server.url("/ok"))
    deliver_webhook(deliveries[4].pk)
    type(endpoint).objects.filter(pk=endpoint.pk).update(url=server.url("/fail"))
    for delivery in deliveries[5:]:
        deliver_webhook(delivery.pk)
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures) == (True, 4)
