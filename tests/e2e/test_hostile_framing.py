"""Hostile framing over raw sockets: every case answered at once, in the error shape.

Tried as an attacker or a confused client would, the hand-written server under
``make run`` closed on a negative chunk size with a traceback in its log, gave a
``HTTP/2.0`` or ``HTTP/x.y`` request line a bare JSON body with no status line, closed
on a blank line before the request line with no answer, and held an overflowing
``Content-Length``, an HTTP/0.9 request line or a TLS ClientHello until its 75 s idle
close. Here each of them gets, within a few seconds, a ``4xx`` in the app's error shape
(``{"error": {"code", "message"}}``) with ``Connection: close``, or, for the blank line,
the answer to the request after it (RFC 9112 2.2: a server ignores an empty line there).
Nothing of it may leave a traceback in the server's log, and the server serves on.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e import stack

pytestmark = pytest.mark.e2e

PROMPT = 5.0  # seconds: a refusal never waits for more input; the idle close is at 75 s
SERVED = 30.0  # seconds for an answer that goes through the app, on two busy cores

# The first bytes a TLS 1.2/1.3 client sends: a handshake record holding a ClientHello
# (truncated: a server that waits for the rest, or for a CRLF, hangs).
CLIENT_HELLO = bytes.fromhex(
    "16030100f8010000f40303"
    "5b1f0f1a9c3e2d4b6a7c8d9e0f112233445566778899aabbccddeeff00112233"
    "20e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
    "0008130213031301c02c00ff01000083000b000403000102000a000c000a001d0017"
)


@dataclass
class Answer:
    status_line: bytes
    headers: dict[str, str]
    body: bytes
    closed: bool  # the server closed the connection after the answer
    seconds: float


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.Stack]:
    running = stack.start(tmp_path_factory.mktemp("local-state"), "--no-demo")
    yield running
    running.stop()


def _exchange(base: str, data: bytes, *, timeout: float = PROMPT) -> Answer:
    """Send ``data`` as it is; read one answer and whether the connection then closes.
    Fails on a reset, on silence past ``timeout``, or on bytes that are not an answer."""
    parts = urlsplit(base)
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(data)
        reader = sock.makefile("rb")
        try:
            status_line = reader.readline()
            if not status_line:
                pytest.fail(f"closed with no answer to {data[:40]!r}")
            headers: dict[str, str] = {}
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = reader.read(int(headers.get("content-length", "0")))
            closed = False
            if headers.get("connection", "").lower() == "close":
                closed = reader.read(1) == b""  # EOF, not more bytes
        except TimeoutError:
            pytest.fail(f"no answer to {data[:40]!r} within {timeout} s")
        except ConnectionResetError:
            pytest.fail(f"the connection was reset after {data[:40]!r}")
    return Answer(status_line, headers, body, closed, time.monotonic() - started)


def _refused(answer: Answer, status: int = 400, code: str | None = None) -> dict[str, str]:
    """A prompt 4xx in the app's error shape, then a clean close."""
    assert answer.status_line.startswith(b"HTTP/1.1 "), answer.status_line
    assert int(answer.status_line.split()[1]) == status, (answer.status_line, answer.body)
    assert answer.headers["content-type"].startswith("application/json"), answer.headers
    payload = json.loads(answer.body)
    assert set(payload) == {"error"} and set(payload["error"]) <= {"code", "message", "field"}
    assert isinstance(payload["error"]["message"], str) and payload["error"]["message"]
    if code is not None:
        assert payload["error"]["code"] == code, payload
    assert answer.closed, "a refused framing closes the connection after its answer"
    assert answer.seconds < PROMPT
    return dict(payload["error"])


def _no_traceback(server: stack.Stack) -> None:
    time.sleep(0.3)  # the log is read from a pipe by a thread
    console = "".join(server.output)
    assert "Traceback" not in console, console[-3000:]


def test_a_negative_chunk_size_is_400(server):
    data = (
        b"POST /v1/auth/dev HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n"
    )

    _refused(_exchange(server.base, data), 400, "bad_request")
    _no_traceback(server)


@pytest.mark.parametrize(
    "request_line",
    [b"GET /v1/keys HTTP/2.0", b"PRI * HTTP/2.0", b"GET /v1/keys HTTP/3.0"],
    ids=["http2", "h2-preface", "http3"],
)
def test_an_http_version_we_do_not_speak_is_400(server, request_line):
    data = request_line + b"\r\nHost: x\r\n\r\n"

    _refused(_exchange(server.base, data), 400, "http_version_not_supported")
    _no_traceback(server)


@pytest.mark.parametrize(
    "request_line",
    [b"GET /v1/keys HTTP/x.y", b"GET /v1/keys HTTP/1.1 extra", b"GET  /v1/keys HTTP/1.1"],
    ids=["x.y", "extra-word", "two-spaces"],
)
def test_a_malformed_request_line_is_400(server, request_line):
    data = request_line + b"\r\nHost: x\r\n\r\n"

    _refused(_exchange(server.base, data), 400, "bad_request")
    _no_traceback(server)


@pytest.mark.parametrize("blank", [b"\r\n", b"\r\n\r\n"], ids=["one", "two"])
def test_blank_lines_before_the_request_line_are_skipped(server, blank):
    data = blank + b"GET /v1/keys HTTP/1.1\r\nHost: x\r\n\r\n"

    answer = _exchange(server.base, data, timeout=SERVED)

    assert answer.status_line.startswith(b"HTTP/1.1 200 "), answer.status_line
    assert "keys" in json.loads(answer.body)
    _no_traceback(server)


@pytest.mark.parametrize(
    "length",
    [b"99999999999999999999999999999999", b"18446744073709551617", b"10485761"],
    ids=["huge", "2**64+1", "limit+1"],
)
def test_an_overflowing_content_length_is_413_before_any_body(server, length):
    data = b"POST /v1/auth/dev HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n{}"

    _refused(_exchange(server.base, data), 413, "payload_too_large")
    _no_traceback(server)


@pytest.mark.parametrize(
    "data",
    [b"GET /v1/keys\r\n", b"GET /v1/keys\r\n\r\n"],
    ids=["line", "line-and-blank"],
)
def test_an_http_0_9_request_line_is_400(server, data):
    _refused(_exchange(server.base, data))
    _no_traceback(server)


def test_a_tls_client_hello_is_400_at_once(server):
    _refused(_exchange(server.base, CLIENT_HELLO), 400, "bad_request")
    _no_traceback(server)


def test_binary_before_any_line_end_is_400_at_once(server):
    _refused(_exchange(server.base, b"\x00\x01\x02GET /"), 400, "bad_request")
    _no_traceback(server)


@pytest.mark.parametrize(
    "data",
    [b"GET /v1/keys HTTP/1.1\nHost: x\n\n", b"GET /v1/keys HTTP/1.1\r\nHost: x\n\n"],
    ids=["request-line", "header"],
)
def test_a_bare_lf_line_end_is_answered_at_once(server, data):
    """RFC 9112 lets a server take a bare LF as a line end or refuse it; a server that waits
    for the CRLF CRLF such a client never sends holds the connection until the idle close."""
    answer = _exchange(server.base, data, timeout=SERVED)

    if answer.status_line.startswith(b"HTTP/1.1 200 "):
        assert "keys" in json.loads(answer.body)
    else:
        _refused(answer, 400, "bad_request")
    _no_traceback(server)


def test_the_server_serves_on_and_logged_no_traceback(server):
    response = requests.get(f"{server.base}/v1/keys", timeout=SERVED)

    assert response.status_code == 200
    _no_traceback(server)
