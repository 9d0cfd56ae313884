"""Over HTTP, ``make run``'s server answers as API Gateway does, and never drops a connection.

``chalice local`` answered an unknown path with AWS's SigV4 text in a 403, an
unknown method with an HTML 501 (closing the connection with the request body
unread), the PNG code with a 400 unless Accept named a binary type, and reset
keep-alive connections whenever its reloader restarted. ``scripts/localhttp.py``
(waitress) and ``scripts/apigateway.py`` replace it; these tests hold them to it.
Hostile framing is in ``test_hostile_framing.py``.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e import stack
from tests.helpers import declaration

pytestmark = pytest.mark.e2e

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.Stack]:
    running = stack.start(tmp_path_factory.mktemp("local-state"), "--no-demo")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def citizen(server: stack.Stack) -> str:
    token = _login(server.base, subject="gateway-citizen", phone="13812345678")
    answer = requests.post(
        f"{server.base}/v1/declarations",
        json=declaration(),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return token


def _login(base: str, **payload: Any) -> str:
    response = requests.post(f"{base}/v1/auth/dev", json=payload, timeout=30)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def _error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    payload = response.json()
    assert set(payload) == {"error"} and payload["error"]["code"] == code, payload
    assert set(payload["error"]) <= {"code", "message", "field"}
    return dict(payload["error"])


# --- as API Gateway answers ---------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "TRACE", "DELETE"])
@pytest.mark.parametrize("path", ["/nope", "/", "/v1", "/v1/keys/extra", "/v2/keys"])
def test_an_unknown_path_is_404_in_the_error_shape(server, method, path):
    response = requests.request(
        method, server.base + path, timeout=10, headers={"Authorization": "Bearer x"}
    )

    _error(response, 404, "not_found")


@pytest.mark.parametrize("encoded", ["%00", "%E2%80%AE", "%1B"])
def test_a_control_character_in_a_path_is_400_naming_the_parameter(server, encoded):
    response = requests.get(f"{server.base}/v1/venues/v_1{encoded}/poster.svg", timeout=10)

    assert _error(response, 400, "control_character")["field"] == "venue_id"


def test_a_control_character_in_a_body_is_400_naming_the_field(server):
    response = requests.post(f"{server.base}/v1/auth/dev", json={"subject": "a\u0000b"}, timeout=10)

    assert _error(response, 400, "control_character")["field"] == "subject"


@pytest.mark.parametrize("method", ["TRACE", "PATCH", "DELETE", "PUT", "CONNECTX"])
def test_an_unknown_method_on_a_known_path_is_405_with_allow(server, method):
    response = requests.request(method, f"{server.base}/v1/keys", timeout=10, data=b"{}")

    _error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET"


def test_head_answers_without_a_body_and_keeps_the_connection(server):
    with requests.Session() as session:
        head = session.head(f"{server.base}/v1/keys", timeout=10)
        after = session.get(f"{server.base}/v1/keys", timeout=10)

    assert head.status_code == 405 and head.content == b""
    assert after.status_code == 200 and "keys" in after.json()


@pytest.mark.parametrize(
    "accept",
    [None, "image/png", "image/*", "*/*", BROWSER, "application/json"],
    ids=["none", "png", "image-star", "star-star", "browser", "json"],
)
def test_the_png_code_for_any_accept(server, citizen, accept):
    headers = {"Authorization": f"Bearer {citizen}"}
    if accept is not None:
        headers["Accept"] = accept
    with requests.Session() as session:
        if accept is None:
            del session.headers["Accept"]  # requests sends */* unless told not to
        response = session.get(f"{server.base}/v1/code.png", headers=headers, timeout=30)

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert int(response.headers["Content-Length"]) == len(response.content)


# --- framing, read from a raw socket --------------------------------------------------------


def _raw(base: str, data: bytes, *, answers: int = 1) -> list[tuple[int, dict[str, str], bytes]]:
    """Send bytes as they are, and read ``answers`` responses off the same connection."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        sock.sendall(data)
        reader = sock.makefile("rb")
        replies = []
        for _ in range(answers):
            status_line = reader.readline()
            assert status_line.startswith(b"HTTP/1.1 "), status_line
            headers: dict[str, str] = {}
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = reader.read(int(headers.get("content-length", "0")))
            replies.append((int(status_line.split()[1]), headers, body))
        return replies


def test_pipelined_requests_with_bodies_on_one_connection(server):
    login = json.dumps({"subject": "pipelined"}).encode()
    data = (
        b"TRACE /v1/keys HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        b"POST /v1/auth/dev HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(login)}\r\n\r\n".encode()
        + login
        + b"GET /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        b"GET /v1/keys HTTP/1.1\r\nHost: x\r\n\r\n"
    )

    replies = _raw(server.base, data, answers=4)

    assert [status for status, _, _ in replies] == [405, 200, 404, 200]
    assert json.loads(replies[1][2])["role"] == "citizen"
    assert "connection" not in replies[0][1]  # an error answer does not cost the connection


def test_a_chunked_body_is_read_whole(server):
    login = json.dumps({"subject": "chunked-citizen"}).encode()
    chunks = b"".join(
        f"{len(piece):x}\r\n".encode() + piece + b"\r\n" for piece in (login[:7], login[7:])
    )
    data = (
        b"POST /v1/auth/dev HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
        b"GET /v1/keys HTTP/1.1\r\nHost: x\r\n\r\n"
    )

    (status, _, body), (after, _, _) = _raw(server.base, data, answers=2)

    assert status == 200 and json.loads(body)["user"]["id"].startswith("u_")
    assert after == 200


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: abc\r\n",
        b"Content-Length: -1\r\n",
        b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: gzip\r\n",
    ],
)
def test_broken_framing_is_a_400_in_the_error_shape_then_close(server, framing):
    data = b"POST /v1/auth/dev HTTP/1.1\r\nHost: x\r\n" + framing + b"\r\nabc"

    ((status, headers, body),) = _raw(server.base, data)

    assert status == 400 and headers["connection"] == "close"
    assert json.loads(body)["error"]["code"] == "bad_request"


def test_a_body_over_the_gateway_limit_is_413(server):
    size = 10 * 1024 * 1024 + 1
    header = f"POST /v1/auth/dev HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n"

    ((status, headers, body),) = _raw(server.base, header.encode() + b"x" * size)

    assert status == 413 and headers["connection"] == "close"
    assert json.loads(body)["error"]["code"] == "payload_too_large"


# --- keep-alive and concurrency --------------------------------------------------------------


def _mixed_requests(base: str, token: str) -> list[tuple[str, str, dict[str, Any]]]:
    auth = {"Authorization": f"Bearer {token}"}
    return [
        ("GET", "/v1/keys", {}),
        ("GET", "/v1/me", {"headers": auth}),
        ("TRACE", "/v1/keys", {"data": b"a body nobody reads"}),
        ("TRACE", "/v1/keys", {"data": b"x" * 262144}),  # more than a socket buffer
        ("POST", "/v1/auth/dev", {"data": b"{oops", "headers": {"Content-Type": "text/plain"}}),
        ("POST", "/v1/declarations", {"json": {"name": 1}, "headers": auth}),
        ("GET", "/nowhere", {"data": b"x" * 3000}),
        ("GET", "/v1/code.png", {"headers": {**auth, "Accept": "image/*"}}),
        ("PATCH", "/v1/me", {"json": {"x": 1}, "headers": auth}),
        ("GET", "/v1/regions/610113", {}),
        ("DELETE", "/v1/openapi.json", {}),
    ]


def _hammer(base: str, token: str, rounds: int) -> dict[str, int]:
    """Rounds of mixed requests on one keep-alive session: statuses and failures."""
    counted = {"requests": 0, "errors": 0, "5xx": 0}
    with requests.Session() as session:
        for _ in range(rounds):
            for method, path, kwargs in _mixed_requests(base, token):
                counted["requests"] += 1
                try:
                    response = session.request(method, base + path, timeout=30, **kwargs)
                except requests.ConnectionError:
                    counted["errors"] += 1
                    continue
                counted["5xx"] += response.status_code >= 500
    return counted


def test_a_keep_alive_session_sees_no_dropped_connection(server, citizen):
    counted = _hammer(server.base, citizen, rounds=20)

    assert counted["requests"] == 220
    assert counted["errors"] == 0 and counted["5xx"] == 0, counted


def test_concurrent_keep_alive_clients_see_no_dropped_connection(server, citizen):
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: _hammer(server.base, citizen, rounds=6), range(8)))

    assert sum(r["requests"] for r in results) == 528
    assert sum(r["errors"] for r in results) == 0, results
    assert sum(r["5xx"] for r in results) == 0, results


def test_a_file_changing_under_the_project_cuts_no_connection(server):
    """chalice local's reloader restarted the server on any change under the project (a test
    run writing .hypothesis/ was enough), resetting every open connection."""
    parts = urlsplit(server.base)
    probe = stack.ROOT / ".hypothesis" / "reload-probe.py"  # ignored by git
    request = b"GET /v1/keys HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        reader = sock.makefile("rb")
        sock.sendall(request)
        first = _read_one(reader)
        probe.parent.mkdir(exist_ok=True)
        probe.write_text("# touched by tests/e2e/test_local_gateway.py\n")
        try:
            time.sleep(3)  # the reloader polled about once a second
            sock.sendall(request)
            second = _read_one(reader)
        finally:
            probe.unlink()

    assert first == second == 200


def _read_one(reader: Any) -> int:
    status_line = reader.readline()
    assert status_line.startswith(b"HTTP/1.1 "), status_line
    length = 0
    while (line := reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    reader.read(length)
    return int(status_line.split()[1])


def test_many_short_connections_at_once(server):
    def one(_: int) -> int:
        try:
            return requests.get(
                f"{server.base}/v1/keys", timeout=30, headers={"Connection": "close"}
            ).status_code
        except requests.ConnectionError:
            return -1

    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(one, range(160)))

    assert statuses.count(200) == 160, sorted(set(statuses))


# --- the stack's URLs, for people ----------------------------------------------------------


def test_make_urls_gives_the_api_the_pages_and_the_stand_ins(server):
    """``make urls`` (scripts/stack_urls.py) reads them from the stack file, so that nobody
    copies the stand-ins' free port from the start-up lines by hand."""
    import os
    import shlex
    import subprocess
    import sys

    env = {**os.environ, "YIMA_LOCAL_STATE": str(server.state_dir)}
    env.pop("YIMA_LOCAL_STACK", None)
    env.pop("YIMA_STAGE", None)
    done = subprocess.run(
        [sys.executable, "scripts/stack_urls.py"],
        cwd=stack.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    urls = dict(shlex.split(line)[0].split("=", 1) for line in done.stdout.splitlines())
    assert urls == {
        "API": server.base,
        "PAGES": f"{server.base}/v1/pages/",
        "STANDINS": server.channels,
    }
    page = requests.get(urls["PAGES"] + "citizen.html", timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    phone = requests.post(
        urls["STANDINS"] + "/alipay/phone", json={"mobile": "13812345678"}, timeout=30
    )
    assert phone.status_code == 200 and "sign" in phone.json(), phone.text


def test_make_urls_without_a_running_stack_says_to_run_it(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "YIMA_LOCAL_STATE": str(tmp_path)}
    env.pop("YIMA_LOCAL_STACK", None)
    done = subprocess.run(
        [sys.executable, "scripts/stack_urls.py"],
        cwd=stack.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2 and done.stdout == ""
    assert "make run" in done.stderr and "Traceback" not in done.stderr
