"""The HTTP server under the local stack: waitress, with our handlers behind it.

``make run`` serves the API (``scripts/apigateway.py``, pages included: they are the
app's routes) on one port and the WeChat and Alipay stand-ins (``scripts/standins/``)
on another. HTTP/1.1 framing is waitress's (Pylons' pure-Python WSGI server: request
parsing, chunked bodies, keep-alive, pipelining, one send per answer with
``TCP_NODELAY``), not ours: a hand-written server on ``http.server`` stood here
before and failed under hostile framing (issue 30; ``tests/e2e/test_hostile_framing.py``).

What this module adds to waitress:

- *handlers*: ``handler(request) -> Reply | None``, tried in order until one answers
  (``None`` passes to the next); nothing answering is a 404 in the app's error shape,
  and a handler that raises is a 500 ``internal_error``, logged as one JSON line;
- every request waitress refuses is answered in the app's error shape
  (``{"error": {"code", "message"}}``) with ``Connection: close``: a malformed or
  negative chunk size, a bad or overflowing ``Content-Length``, both
  ``Content-Length`` and ``Transfer-Encoding`` (a request smuggling vector), a
  transfer coding other than chunked, headers over 256 KiB: ``400``; a body over
  API Gateway's 10 MiB: ``413`` as soon as its ``Content-Length`` is read;
- the request line is checked as its bytes arrive, so that what can never become
  ``METHOD target HTTP/1.x`` is refused at once instead of waiting for the blank line
  that ends the headers (until the idle close): TLS bytes, binary, an HTTP/0.9 line,
  ``HTTP/2.0`` (``400 http_version_not_supported``), ``HTTP/x.y``, a bare LF line end
  (blank lines before the request line are skipped, as RFC 9112 2.2 asks);
- after refusing, it stops sending and reads (and drops) what the client still sends,
  up to 40 MiB or 3 s, before closing: a socket closed with unread input sends a reset,
  which can destroy the answer before the client reads it;
- waitress's own log lines are JSON lines like the app's, and a client that goes away
  is not an error: ``make run``'s console stays one JSON object per line.

:class:`LocalHTTPServer` binds in its constructor (``.port``, ``.url``), serves from the
calling thread (:meth:`~LocalHTTPServer.serve_forever`, until Ctrl-C) or from a thread
of its own (:meth:`~LocalHTTPServer.start`), and :meth:`~LocalHTTPServer.stop` closes
it and every connection. Nothing reloads: restart ``make run`` after a change.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask
from waitress.utilities import (
    BadRequest,
    InternalServerError,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
    ServerNotImplemented,
)

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
IDLE_TIMEOUT_SECONDS = 75  # a keep-alive connection with no request for this long is closed
REQUEST_LINE_LIMIT = 65536
LINGER_SECONDS = 3.0  # after a refusal: how long to read what the client still sends
LINGER_BYTES = 4 * MAX_BODY_BYTES
# Response headers a WSGI application may not set (waitress refuses them): ours are dropped.
_HOP_BY_HOP = frozenset(
    [
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
    ]
)


@dataclass(frozen=True)
class Request:
    """One HTTP request, its body read in full. Header names are lower-case."""

    method: str
    target: str  # the request target as sent: path and query, still percent-encoded
    headers: Mapping[str, str]
    body: bytes
    client: tuple[str, int] = ("127.0.0.1", 0)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    def arg(self, name: str, default: str = "") -> str:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


Handler = Callable[[Request], Reply | None]


def json_reply(status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Reply(
        status,
        text.encode("utf-8"),
        [("Content-Type", "application/json; charset=utf-8"), *headers],
    )


def error_reply(
    status: int, code: str, message: str, headers: Iterable[tuple[str, str]] = ()
) -> Reply:
    """The app's error shape, for what the server itself refuses."""
    return json_reply(
        status,
        {"error": {"code": code, "message": message}},
        [("Cache-Control", "no-store"), *headers],
    )


# --- the log: JSON lines, like the app's ------------------------------------------------


class _JsonLines(logging.Handler):
    """One JSON object per record on stdout, a traceback (a bug) inside it as a string."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line: dict[str, Any] = {
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
                "timestamp": datetime.fromtimestamp(record.created, UTC)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
            }
            if record.exc_info:
                line["exception"] = "".join(traceback.format_exception(*record.exc_info))
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        except Exception:  # a log line must never take the server down
            self.handleError(record)


log = logging.getLogger("yima.localhttp")


def _quiet_logs() -> None:
    """waitress's WARNING and above, and ours, as JSON lines; "Task queue depth is N"
    (requests waiting for a thread, which a burst of clients causes) is not a warning."""
    for name in ("waitress", log.name):
        logger = logging.getLogger(name)
        if not any(isinstance(h, _JsonLines) for h in logger.handlers):
            logger.addHandler(_JsonLines())
        logger.setLevel(logging.WARNING)
        logger.propagate = False
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


# --- framing: what waitress refuses, answered in the error shape ---------------------------


class _Refused(BadRequest):
    """A refusal of ours, with the error shape's code."""

    def __init__(self, message: str, code: str = "bad_request") -> None:
        super().__init__(message)
        self.error_code = code


_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_REQUEST_LINE = re.compile(_TOKEN + rb" [\x21-\x7e]+ HTTP/([0-9])\.([0-9])")
_LINE_CHARACTERS = re.compile(rb"[\x20-\x7e]*")  # what a request line may hold
_BARE_LF = re.compile(rb"(?<!\r)\n")


def _refusal_of_start(pending: bytes) -> _Refused | None:
    """Why the bytes received so far can never begin an HTTP/1.x request, or None."""
    pending = pending.lstrip(b"\r\n")  # blank lines before the request line are skipped
    end = pending.find(b"\n")
    line = pending if end < 0 else pending[:end]
    if end >= 0:
        if not line.endswith(b"\r"):
            return _Refused("lines of a request end with CRLF")
        line = line[:-1]
    if len(line) > REQUEST_LINE_LIMIT:
        return _Refused("the request line is too long", "request_too_long")
    if not _LINE_CHARACTERS.fullmatch(line):
        return _Refused("this is not an HTTP/1.1 request (TLS or binary?)")
    if end < 0:
        return None  # so far so good: wait for the rest of the line
    match = _REQUEST_LINE.fullmatch(line)
    if match is None:
        return _Refused("the request line is not METHOD target HTTP/1.1")
    if (match[1], match[2]) not in ((b"1", b"0"), (b"1", b"1")):
        version = f"{match[1].decode()}.{match[2].decode()}"
        return _Refused(
            f"HTTP/{version} is not spoken here: send HTTP/1.1", "http_version_not_supported"
        )
    return None


class _Parser(HTTPRequestParser):
    """waitress's parser, refusing what can never become a request as soon as it can."""

    _start_checked = False

    def received(self, data: bytes) -> int:
        if self.body_rcv is None and not self.completed:
            pending = self.header_plus + data
            refusal = None
            if not self._start_checked:
                refusal = _refusal_of_start(pending)
                self._start_checked = b"\n" in pending.lstrip(b"\r\n")
            end = pending.find(b"\r\n\r\n")  # the head, not the body after it
            head = pending if end < 0 else pending[: end + 4]
            if refusal is None and _BARE_LF.search(head, max(0, len(self.header_plus) - 1)):
                refusal = _Refused("lines of a request end with CRLF")
            if refusal is not None:
                self.parse_header(b"GET / HTTP/1.1\r\n")  # what an error answer reads
                self.error = refusal
                self.completed = True
                return len(data)
        return int(super().received(data))

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        if self.chunked and "CONTENT_LENGTH" in self.headers:  # RFC 9112 6.1
            raise ParsingError("send Content-Length or Transfer-Encoding, not both")


def _error_answer(error: Any) -> tuple[int, str, str]:
    """A waitress refusal as (status, code, message) in the app's terms."""
    if isinstance(error, _Refused):
        return 400, error.error_code, str(error.body)
    if isinstance(error, RequestEntityTooLarge):
        return 413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES} bytes"
    if isinstance(error, RequestHeaderFieldsTooLarge):
        return 400, "headers_too_large", "the request's headers are too large"
    if isinstance(error, ServerNotImplemented):
        return 400, "bad_request", "only chunked Transfer-Encoding is supported"
    if isinstance(error, InternalServerError):
        return 500, "internal_error", "an internal error occurred"
    return 400, "bad_request", str(getattr(error, "body", "") or "bad request")


class _ErrorTask(ErrorTask):
    """waitress's answer to a request it refused, in the app's error shape, then close."""

    def execute(self) -> None:
        status, code, message = _error_answer(self.request.error)
        reply = error_reply(status, code, message)
        self.version = "1.1"  # whatever the request line said: we speak HTTP/1.1
        self.status = f"{status} {HTTPStatus(status).phrase}"
        self.response_headers.extend(reply.headers)
        self.set_close_on_finish()
        self.content_length = len(reply.body)
        self.channel.linger = True
        self.write(reply.body)


class _Channel(HTTPChannel):
    """waitress's connection, with our parser and error answers, closing gently after
    a refusal: stop sending, read what the client still sends, then close."""

    parser_class = _Parser
    error_task_class = _ErrorTask
    linger = False
    _linger_until: float | None = None
    _linger_left = 0

    def handle_close(self) -> None:
        if self.linger and self._linger_until is None and self.socket is not None:
            try:
                self.socket.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            else:
                self._linger_until = time.monotonic() + LINGER_SECONDS
                self._linger_left = LINGER_BYTES
                self.will_close = self.close_when_flushed = False
                return
        super().handle_close()

    def readable(self) -> bool:
        return self._linger_until is not None or bool(super().readable())

    def writable(self) -> bool:
        if self._linger_until is not None:  # writable only to be closed, at the deadline
            return time.monotonic() > self._linger_until
        return bool(super().writable())

    def handle_write(self) -> None:
        if self._linger_until is not None:
            super().handle_close()
            return
        super().handle_write()

    def handle_read(self) -> None:
        if self._linger_until is None:
            super().handle_read()
            return
        try:
            data = self.recv(65536)  # at EOF, recv itself calls handle_close
        except OSError:
            super().handle_close()
            return
        self._linger_left -= len(data)
        if data and (self._linger_left <= 0 or time.monotonic() > self._linger_until):
            super().handle_close()


class _Server(TcpWSGIServer):
    channel_class = _Channel


# --- the WSGI side: our handlers --------------------------------------------------------


def _request(environ: dict[str, Any]) -> Request:
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            headers[key.replace("_", "-").lower()] = value
    return Request(
        method=environ["REQUEST_METHOD"],
        target=environ["REQUEST_URI"],
        headers=headers,
        body=environ["wsgi.input"].read(),
        client=(environ.get("REMOTE_ADDR", ""), int(environ.get("REMOTE_PORT") or 0)),
    )


class _App:
    """A WSGI application answering with the first handler that answers."""

    def __init__(self, handlers: Sequence[Handler]) -> None:
        self.handlers = handlers

    def _dispatch(self, request: Request) -> Reply:
        try:
            for handler in self.handlers:
                reply = handler(request)
                if reply is not None:
                    return reply
            return error_reply(404, "not_found", "no route matches this method and path")
        except Exception:  # a bug in a handler: answer, log, keep the connection sane
            log.exception("a handler raised on %s %s", request.method, request.path)
            return error_reply(500, "internal_error", "an internal error occurred")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        request = _request(environ)
        reply = self._dispatch(request)
        headers = [(k, v) for k, v in reply.headers if k.lower() not in _HOP_BY_HOP]
        if any(c in k + v for k, v in headers for c in "\r\n"):
            log.error("a handler answered a header with a line break: %s", request.path)
            reply = error_reply(500, "internal_error", "an internal error occurred")
            headers = reply.headers
        bodiless = reply.status in (204, 304) or reply.status < 200
        if not bodiless:
            headers = [*headers, ("Content-Length", str(len(reply.body)))]
        try:
            phrase = HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = "Unknown"
        start_response(f"{reply.status} {phrase}", headers)
        return [] if bodiless or request.method == "HEAD" else [reply.body]


# --- the server -------------------------------------------------------------------------


class LocalHTTPServer:
    """waitress on the loopback, serving ``handlers`` in order; bound once constructed."""

    def __init__(
        self, address: tuple[str, int], handlers: Sequence[Handler], *, threads: int = 8
    ) -> None:
        _quiet_logs()
        self.handlers = list(handlers)
        self._map: dict[int, Any] = {}
        adjustments = Adjustments(
            host=address[0],
            port=address[1],
            threads=threads,
            ident="yima-local",
            channel_timeout=IDLE_TIMEOUT_SECONDS,
            max_request_body_size=MAX_BODY_BYTES + 1,  # waitress refuses from this size on
            connection_limit=1000,
            asyncore_use_poll=True,  # select() stops at 1024 descriptors
            log_socket_errors=False,  # a client going away is no error of ours
            clear_untrusted_proxy_headers=False,  # the handlers see every header sent
        )
        self._server = _Server(_App(self.handlers), map=self._map, adj=adjustments)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve until :meth:`stop` (from another thread) or Ctrl-C (raised out of here)."""
        while not self._stopping.is_set():
            wasyncore.loop(timeout=1.0, map=self._map, use_poll=True, count=1)

    def start(self) -> LocalHTTPServer:
        """Serve from a background thread; :meth:`stop` ends it."""
        self._thread = threading.Thread(
            target=self.serve_forever, name=f"http-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, and close the listening socket and every connection."""
        self._stopping.set()
        if self._thread is not None:
            self._server.pull_trigger()  # out of poll() now, not in a second
            self._thread.join(timeout=10)
            self._thread = None
        self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
        wasyncore.close_all(self._map, ignore_all=True)
