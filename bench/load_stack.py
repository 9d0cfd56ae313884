"""What the load tests (``bench/load.py``, ``bench/load_burst.py``) run against.

``devserver()`` starts ``scripts/devserver.py`` on a free port (as
``tests/e2e/test_local_server.py`` does) and stops it afterwards; ``Http`` is one
keep-alive connection; ``_setup`` logs citizens in with the dev login (a phone each),
has them declare and show their code once, and logs a few checkpoints in. Also the
runs' defaults (``CITIZENS``, ``REQUESTS``, ``SECONDS``, ...).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


VENUE = "610102-0001"  # 西安市 新城区: a district with no risk area in the demo feed
RESIDENCE = "610102"
BIRTHPLACE = "110105"  # 北京市 朝阳区: in force for every birth year drawn below

CITIZENS = 20
CHECKPOINTS = 4
REQUESTS = 2000
SECONDS = 45.0
WORKERS = 8
STARTUP_S = 120.0
TIMEOUT_S = 15.0


def _log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Http:
    """One keep-alive connection; reconnects once if the server closed it."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, bytes]:
        status, _headers, raw = self.exchange(method, path, body, token)
        return status, raw

    def exchange(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, raw
            except (ConnectionError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@contextmanager
def devserver(extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """``scripts/devserver.py`` on a free port, as ``make run`` starts it; stopped after."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "YIMA_"))}
    # Every simulated phone shares 127.0.0.1 and refreshes far faster than a person: the
    # abuse limits would turn most of the peak into 429s. Throughput is measured without
    # them (tests/app/test_limits.py holds the limits; against --url they stay in force).
    from chalicelib.kernel.limits import GROUPS

    env |= {
        f"YIMA_LIMIT_{group.upper()}_{scope.upper()}": "off"
        for group in GROUPS
        for scope in ("subject", "ip")
    }
    env |= extra_env or {}
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            [sys.executable, "scripts/devserver.py", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one below
        )
        base = f"http://127.0.0.1:{port}"
        try:
            started = time.monotonic()
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"devserver exited:\n{log.read()[-2000:]}")
                try:
                    status, _ = Http(base).request("GET", "/v1/openapi.json")
                    if status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() - started > STARTUP_S:
                    raise RuntimeError(f"the API did not answer within {STARTUP_S:.0f} s")
                time.sleep(0.3)
            _log(f"devserver up on {base} in {time.monotonic() - started:.1f} s")
            yield base
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)  # devserver stops chalice and moto
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


@dataclass
class Citizen:
    subject: str
    phone: str
    session: str
    code_token: str


@dataclass
class Population:
    citizens: list[Citizen]
    checkpoints: list[str]
    lock: threading.Lock = field(default_factory=threading.Lock)


def _setup(base: str, citizens: int, checkpoints: int, seed: int) -> Population:
    """Citizens log in with a phone, declare, show their code; checkpoints log in."""
    from tests.helpers import declaration, make_id_number

    run = secrets.token_hex(3)  # repeated runs against one `make run` never collide
    rng = random.Random(f"{seed}:{run}")
    http = Http(base)
    people: list[Citizen] = []
    for i in range(citizens):
        subject = f"load-{run}-{i}"
        phone = f"139{rng.randrange(10**8):08d}"
        born = f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        id_number = make_id_number(f"{BIRTHPLACE}{born}{rng.randrange(1000):03d}")
        status, raw = http.request("POST", "/v1/auth/dev", {"subject": subject, "phone": phone})
        if status != 200:
            raise RuntimeError(f"dev login answered {status}: {raw[:300]!r}")
        session = json.loads(raw)["token"]
        payload = declaration(
            name="李四", id_number=id_number, phone=phone, residence_region=RESIDENCE
        )
        status, raw = http.request("POST", "/v1/declarations", payload, session)
        if status != 201:
            raise RuntimeError(f"declaration answered {status}: {raw[:300]!r}")
        status, raw = http.request("GET", "/v1/code", token=session)
        if status != 200:
            raise RuntimeError(f"GET /v1/code answered {status}: {raw[:300]!r}")
        people.append(Citizen(subject, phone, session, json.loads(raw)["token"]))
    gates = []
    for i in range(checkpoints):
        status, raw = http.request(
            "POST", "/v1/auth/dev", {"subject": f"load-{run}-gate-{i}", "role": "checkpoint"}
        )
        if status != 200:
            raise RuntimeError(f"checkpoint login answered {status}: {raw[:300]!r}")
        gates.append(json.loads(raw)["token"])
    http.close()
    return Population(people, gates)


http_client_errors = http.client.HTTPException
