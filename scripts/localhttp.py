"""A small threaded HTTP/1.1 server for the local stack: the API, the stand-ins, pages.

``chalice local`` dropped connections under keep-alive clients and concurrent
ones. What went wrong, and what this server does instead:

- its auto-reloader restarted the whole server whenever a file under the
  project changed (a test run writing ``.hypothesis/`` is enough), cutting every
  open connection: "Connection reset by peer", "Remote end closed connection
  without response". Here nothing reloads; restart ``make run`` after a change;
- a method it had no ``do_*`` for (TRACE, or anything unusual) got the standard
  library's HTML 501 with ``Connection: close`` while the request body was still
  unread, and a socket closed with unread input sends a reset. Here every method
  reaches the handlers, and the body is always read to its end first (by
  ``Content-Length`` or ``Transfer-Encoding: chunked``) before any answer;
- a framing error (a bad ``Content-Length``, a body over the limit, a request
  line or headers too long) gets a JSON error in the app's shape with
  ``Connection: close``, after reading what can be read, never a bare close;
- any exception in a handler still becomes an answer (500, logged), never a
  dropped connection; a HEAD answer carries no body (a body after it would be
  read as the next response);
- the listen backlog is 128, not ``socketserver``'s 5, and each connection has
  its own thread and an idle timeout.

A server is a list of *handlers*: ``handler(request) -> Reply | None``, tried in
order until one answers; ``None`` passes to the next. ``scripts/devserver.py``
serves the API (``scripts/apigateway.py``) this way, and the WeChat and Alipay
stand-ins (``scripts/standins/``) on a second server; more handlers (pages, for
example) go in front of the API's.
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
IDLE_TIMEOUT_SECONDS = 75.0  # a keep-alive connection with no request for this long is closed
_CHUNK_LINE_LIMIT = 1024


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


class _Framing(Exception):
    """A request whose framing we cannot trust: answer, then close the connection."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "yima-local"
    timeout = IDLE_TIMEOUT_SECONDS
    server: LocalHTTPServer

    # -- one request ------------------------------------------------------------------

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self._send(error_reply(400, "request_too_long", "the request line is too long"))
                self.close_connection = True
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():  # sent its error (through send_error) already
                return
            try:
                body = self._read_body()
            except _Framing as refused:
                self.close_connection = True
                self._send(refused.reply)
                return
            request = Request(
                method=self.command,
                target=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                client=(str(self.client_address[0]), int(self.client_address[1])),
            )
            self._send(self._dispatch(request))
        except TimeoutError:
            self.close_connection = True  # idle keep-alive connection, or a stalled client
        except (ConnectionError, BrokenPipeError):
            self.close_connection = True  # the client went away; nobody to answer

    def _dispatch(self, request: Request) -> Reply:
        try:
            for handler in self.server.handlers:
                reply = handler(request)
                if reply is not None:
                    return reply
            return error_reply(404, "not_found", "no route matches this method and path")
        except Exception:  # a bug in a handler: answer, log, keep the connection sane
            traceback.print_exc(file=sys.stderr)
            return error_reply(500, "internal_error", "an internal error occurred")

    def _read_body(self) -> bytes:
        encoding = self.headers.get("Transfer-Encoding")
        length = self.headers.get("Content-Length")
        if encoding is not None:
            if length is not None:  # RFC 9112 6.1: a request smuggling vector; refuse it
                raise _Framing(
                    error_reply(
                        400, "bad_request", "send Content-Length or Transfer-Encoding, not both"
                    )
                )
            if encoding.strip().lower() != "chunked":
                raise _Framing(
                    error_reply(400, "bad_request", "only chunked Transfer-Encoding is supported")
                )
            return self._read_chunked()
        if length is None:
            return b""
        text = length.strip()
        if not text.isdigit() or not text.isascii():
            raise _Framing(error_reply(400, "bad_request", "Content-Length must be a number"))
        size = int(text)
        if size > MAX_BODY_BYTES:
            self._discard(size)
            raise _Framing(
                error_reply(
                    413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES} bytes"
                )
            )
        body = self.rfile.read(size)
        if len(body) < size:
            raise ConnectionError("the client closed the connection mid-body")
        return body

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(_CHUNK_LINE_LIMIT)
            if not line.endswith(b"\n"):
                raise _Framing(error_reply(400, "bad_request", "a chunk size line is malformed"))
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _Framing(
                    error_reply(400, "bad_request", "a chunk size is not hexadecimal")
                ) from None
            if size == 0:
                while self.rfile.readline(_CHUNK_LINE_LIMIT) not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields, ignored
                return b"".join(parts)
            total += size
            if total > MAX_BODY_BYTES:
                raise _Framing(
                    error_reply(
                        413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES} bytes"
                    )
                )
            chunk = self.rfile.read(size)
            if len(chunk) < size:
                raise ConnectionError("the client closed the connection mid-chunk")
            parts.append(chunk)
            self.rfile.readline(_CHUNK_LINE_LIMIT)  # the CRLF after the chunk

    def _discard(self, size: int) -> None:
        """Read (and drop) up to 4 x the limit, so that closing does not reset the socket
        before the client has read our answer."""
        left = min(size, 4 * MAX_BODY_BYTES)
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                return
            left -= len(chunk)

    # -- the answer -------------------------------------------------------------------

    def _send(self, reply: Reply) -> None:
        headers = getattr(self, "headers", None)
        if headers is not None and headers.get("Connection", "").lower() == "close":
            self.close_connection = True
        try:
            phrase = HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = "Unknown"
        self.send_response(reply.status, phrase)
        no_body = self.command == "HEAD" or reply.status in (204, 304) or reply.status < 200
        for name, value in reply.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        if reply.status not in (204, 304) and reply.status >= 200:
            self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not no_body and reply.body:
            self.wfile.write(reply.body)
        self.wfile.flush()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What ``parse_request`` refuses (a bad request line, headers too long, an HTTP
        version we do not speak): the app's error shape, then close."""
        self.close_connection = True
        codes = {
            HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE: "headers_too_large",
            HTTPStatus.HTTP_VERSION_NOT_SUPPORTED: "http_version_not_supported",
        }
        self._send(
            error_reply(400, codes.get(HTTPStatus(code), "bad_request"), message or "bad request")
        )

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # the app writes one structured line per request

    def log_error(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_error(format, *args)


class LocalHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server on the loopback, serving ``handlers`` in order."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        handlers: Sequence[Handler],
        *,
        verbose: bool = False,
    ) -> None:
        self.handlers = list(handlers)
        self.verbose = verbose
        super().__init__(address, _RequestHandler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        host = self.server_address[0]
        return f"http://{host if isinstance(host, str) else host.decode()}:{self.port}"

    def start(self) -> LocalHTTPServer:
        """Serve from a background thread; :meth:`stop` ends it."""
        self._thread = threading.Thread(
            target=self.serve_forever, name=f"http-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self.server_close()
