"""A bounded morning-peak load test over HTTP, against ``make run``'s server.

Starts ``scripts/devserver.py`` itself on a free port (as
``tests/e2e/test_local_server.py`` does) and stops it afterwards, or targets
``--url`` of a ``make run`` already going. Then:

1. set-up, untimed: ``--citizens`` citizens log in with the dev login
   (a phone each), declare, and show their code once; a few checkpoints log in;
2. the peak: ``--workers`` threads, each with its own keep-alive connection,
   work through a fixed plan of ``--requests`` requests mixed like a morning
   peak (``MIX``: code displays and verifications dominate; logins come in
   bursts of ``BURST``, as when a crowd opens the mini-program at a gate) and
   stop at the end of the plan or after ``--seconds``, whichever comes first.
   Checkpoints verify the latest token a citizen was shown, at a venue in
   Xi'an's Xincheng district (so the scan is logged with its region);
3. the report: throughput and p50 / p99 per route, and every non-2xx answer
   or failed verification counted as an error;
4. the burst (``--burst``, on by default in ``make bench``): a second devserver
   with the throttle on (``BURST_ENV``: the stand-in for API Gateway's stage
   throttle, and a cap on requests in flight), a few citizens shown their code,
   the keys fetched, then ``BURST_WORKERS`` threads fire ``BURST_REQUESTS``
   code displays and verifications as fast as they can. Reported: the status
   counts; every answer that is not a 2xx must be a 429 or 503 in the error
   shape with ``Retry-After`` (never a bare 5xx); and after the server is
   stopped, the codes issued before the burst verify offline with the keys
   fetched before it (``chalicelib.verify``), as a checkpoint would.

Everything runs on this machine: the client threads, ``chalice local`` (a
threaded development server) and moto's server share the same cores, so
the figures describe this stand-in, not Lambda. ``bench/codes.py`` measures
the per-request costs the capacity model uses; this test shows that the
routes hold up under a concurrent mix, and where the queueing starts.

``python bench/load.py --help`` for the knobs; ``make bench`` runs it with
the defaults below and adds its figures to ``bench/results.json``.
"""

from __future__ import annotations

import argparse
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
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Shares of the peak's requests, in percent. Logins are a tenth, but come in bursts.
MIX = {"code": 60, "verify": 25, "login": 10, "pass": 5}
ROUTES = {
    "code": "GET /v1/code",
    "verify": "POST /v1/verify",
    "login": "POST /v1/auth/dev",
    "pass": "GET /v1/pass",
}
BURST = 20  # consecutive logins in a burst
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


def plan(requests: int, seed: int) -> list[str]:
    """The order of the peak's requests: ``MIX`` shares, logins in bursts of ``BURST``."""
    rng = random.Random(seed)
    counts = {op: requests * share // 100 for op, share in MIX.items()}
    counts["code"] += requests - sum(counts.values())
    others = [op for op in ("code", "verify", "pass") for _ in range(counts[op])]
    rng.shuffle(others)
    bursts = [BURST] * (counts["login"] // BURST)
    if counts["login"] % BURST:
        bursts.append(counts["login"] % BURST)
    at = sorted(rng.randrange(len(others) + 1) for _ in bursts)
    order: list[str] = []
    previous = 0
    for position, size in zip(at, bursts, strict=True):
        order.extend(others[previous:position])
        order.extend(["login"] * size)
        previous = position
    order.extend(others[previous:])
    return order


@dataclass
class Outcome:
    latencies: dict[str, list[float]]
    errors: Counter[str]
    statuses: dict[str, Counter[int]]
    done: int
    elapsed: float
    stopped_by: str


def _peak(
    base: str, people: Population, order: list[str], *, workers: int, seconds: float, seed: int
) -> Outcome:
    latencies: dict[str, list[float]] = {op: [] for op in MIX}
    errors: Counter[str] = Counter()
    statuses: dict[str, Counter[int]] = {op: Counter() for op in MIX}
    queue = iter(order)
    take = threading.Lock()
    record = threading.Lock()
    started = time.perf_counter()
    deadline = started + seconds
    timed_out = threading.Event()

    def work(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        http = Http(base)
        clock = time.perf_counter
        try:
            while True:
                if clock() >= deadline:
                    timed_out.set()
                    return
                with take:
                    op = next(queue, None)
                if op is None:
                    return
                citizen = rng.choice(people.citizens)
                t = clock()
                ok = True
                try:
                    if op == "code":
                        status, raw = http.request("GET", "/v1/code", token=citizen.session)
                        if status == 200:
                            citizen.code_token = json.loads(raw)["token"]
                    elif op == "verify":
                        status, raw = http.request(
                            "POST",
                            "/v1/verify",
                            {"token": citizen.code_token, "venue_id": VENUE},
                            rng.choice(people.checkpoints),
                        )
                        ok = status == 200 and json.loads(raw).get("valid") is True
                    elif op == "login":
                        status, raw = http.request(
                            "POST",
                            "/v1/auth/dev",
                            {"subject": citizen.subject, "phone": citizen.phone},
                        )
                        if status == 200:
                            citizen.session = json.loads(raw)["token"]
                    else:
                        status, raw = http.request("GET", "/v1/pass", token=citizen.session)
                except (OSError, http.client.HTTPException):
                    status, ok = 0, False
                elapsed = clock() - t
                with record:
                    latencies[op].append(elapsed)
                    statuses[op][status] += 1
                    if not ok or not 200 <= status < 300:
                        errors[op] += 1
        finally:
            http.close()

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 2 * TIMEOUT_S)
    elapsed = time.perf_counter() - started
    done = sum(len(v) for v in latencies.values())
    stopped_by = "time" if timed_out.is_set() else "count"
    return Outcome(latencies, errors, statuses, done, elapsed, stopped_by)


# The burst: the local stand-in of the stage throttle (chalicelib/kernel/api.py Shedder) at
# a rate the set-up stays under and the burst does not, and a cap on requests in flight.
BURST_ENV = {"YIMA_THROTTLE_RATE": "30", "YIMA_THROTTLE_BURST": "30", "YIMA_MAX_IN_FLIGHT": "4"}
BURST_CITIZENS = 5
BURST_WORKERS = 16
BURST_REQUESTS = 400


def _shaped(status: int, headers: dict[str, str], raw: bytes) -> bool:
    """An answer a client can act on: a 2xx, or the error shape (429 / 503 with
    Retry-After)."""
    if 200 <= status < 300:
        return True
    try:
        error = json.loads(raw)["error"]
        shaped = isinstance(error["code"], str) and isinstance(error["message"], str)
    except (ValueError, KeyError, TypeError):
        return False
    if status in (429, 503):
        return shaped and headers.get("retry-after", "").isdigit()
    return shaped


def burst(
    *, requests: int = BURST_REQUESTS, workers: int = BURST_WORKERS, seed: int = 9
) -> dict[str, Any]:
    """Overload a throttled devserver; then verify offline what was issued before."""
    from datetime import UTC, datetime

    from chalicelib.verify import verify_offline

    statuses: Counter[int] = Counter()
    unshaped: Counter[int] = Counter()
    lock = threading.Lock()
    with devserver(BURST_ENV) as base:
        people = _setup(base, BURST_CITIZENS, 2, seed)
        status, raw = Http(base).request("GET", "/v1/keys")
        if status != 200:
            raise RuntimeError(f"GET /v1/keys answered {status} before the burst")
        keys = json.loads(raw)
        issued = [c.code_token for c in people.citizens]
        time.sleep(1.5)  # the bucket refills after the set-up: the burst starts full
        started = time.perf_counter()
        plan_ = iter(range(requests))

        def work(n: int) -> None:
            rng = random.Random(seed * 7919 + n)
            http = Http(base)
            try:
                while next(plan_, None) is not None:
                    citizen = rng.choice(people.citizens)
                    try:
                        if rng.random() < 0.7:
                            answer = http.exchange("GET", "/v1/code", token=citizen.session)
                        else:
                            answer = http.exchange(
                                "POST",
                                "/v1/verify",
                                {"token": citizen.code_token, "venue_id": VENUE},
                                rng.choice(people.checkpoints),
                            )
                    except (OSError, http_client_errors):
                        answer = (0, {}, b"")
                    with lock:
                        statuses[answer[0]] += 1
                        if not _shaped(*answer):
                            unshaped[answer[0]] += 1
            finally:
                http.close()

        threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(SECONDS + 2 * TIMEOUT_S)
        elapsed = time.perf_counter() - started
    # The server is gone: a checkpoint with the keys it fetched before still verifies.
    now = datetime.now(UTC)
    offline = [verify_offline(token, keys, now=now) for token in issued]
    return {
        "throttle": BURST_ENV,
        "requests": sum(statuses.values()),
        "workers": workers,
        "elapsed_s": round(elapsed, 2),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "shed": statuses[429] + statuses[503],
        "unshaped": sum(unshaped.values()),
        "unshaped_statuses": {str(k): v for k, v in sorted(unshaped.items())},
        "server_errors_without_shape": sum(v for k, v in unshaped.items() if k >= 500 or k == 0),
        "issued_before": len(issued),
        "offline_valid_after": sum(1 for r in offline if r.get("valid")),
        "offline_reasons": sorted({str(r.get("reason")) for r in offline if not r.get("valid")}),
    }


http_client_errors = http.client.HTTPException


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: p99 of 100 samples is the 99th)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil
    return ordered[int(rank) - 1]


def measure(
    *,
    url: str | None = None,
    citizens: int = CITIZENS,
    requests: int = REQUESTS,
    seconds: float = SECONDS,
    workers: int = WORKERS,
    seed: int = 9,
) -> dict[str, Any]:
    @contextmanager
    def target() -> Iterator[str]:
        if url:
            yield url.rstrip("/")
        else:
            with devserver() as base:
                yield base

    with target() as base:
        started = time.perf_counter()
        people = _setup(base, citizens, CHECKPOINTS, seed)
        _log(
            f"set-up: {citizens} citizens declared and shown, {CHECKPOINTS} checkpoints, "
            f"{time.perf_counter() - started:.1f} s"
        )
        order = plan(requests, seed)
        outcome = _peak(base, people, order, workers=workers, seconds=seconds, seed=seed)
    routes = {}
    for op, values in outcome.latencies.items():
        if not values:
            continue
        routes[op] = {
            "route": ROUTES[op],
            "requests": len(values),
            "errors": outcome.errors[op],
            "statuses": {str(k): v for k, v in sorted(outcome.statuses[op].items())},
            "p50_ms": round(_percentile(values, 50) * 1e3, 1),
            "p99_ms": round(_percentile(values, 99) * 1e3, 1),
            "max_ms": round(max(values) * 1e3, 1),
        }
    return {
        "target": "--url " + url if url else "scripts/devserver.py (make run) on loopback",
        "planned": len(order),
        "done": outcome.done,
        "elapsed_s": round(outcome.elapsed, 2),
        "rps": round(outcome.done / outcome.elapsed, 1),
        "errors": sum(outcome.errors.values()),
        "stopped_by": outcome.stopped_by,
        "workers": workers,
        "citizens": citizens,
        "mix_percent": MIX,
        "login_burst": BURST,
        "routes": routes,
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"{result['done']} of {result['planned']} requests in {result['elapsed_s']} s "
        f"({result['rps']} req/s, {result['workers']} workers, stopped by {result['stopped_by']}), "
        f"{result['errors']} errors",
        f"{'route':<20} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}",
    ]
    for row in result["routes"].values():
        lines.append(
            f"{row['route']:<20} {row['requests']:>8} {row['errors']:>6} "
            f"{row['p50_ms']:>8} {row['p99_ms']:>8} {row['max_ms']:>8}"
        )
    return "\n".join(lines)


def burst_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": "load_burst_shed",
            "value": result["shed"],
            "unit": "requests",
            "goal": "> 0",
            "detail": {k: v for k, v in result.items() if k != "shed"},
        },
        {
            "name": "load_burst_unshaped",
            "value": result["unshaped"],
            "unit": "requests",
            "goal": "== 0",
            "detail": {
                "is": "answers in the burst that are neither a 2xx nor the error shape (a 429 "
                "or 503 also needs Retry-After); a dropped connection counts",
                "statuses": result["unshaped_statuses"],
            },
        },
        {
            "name": "load_burst_offline_valid",
            "value": round(result["offline_valid_after"] / result["issued_before"], 3),
            "unit": "fraction",
            "goal": "== 1",
            "detail": {
                "is": "codes issued before the burst that verify offline after it, with the "
                "keys fetched before it and the server stopped",
                "reasons": result["offline_reasons"],
            },
        },
    ]


def run() -> list[dict[str, Any]]:
    """``make bench``'s entry: the defaults, against a devserver of its own."""
    result = measure()
    _log("\n" + report(result))
    shed = burst()
    _log(
        f"burst: {shed['statuses']} in {shed['elapsed_s']} s, {shed['unshaped']} unshaped, "
        f"{shed['offline_valid_after']}/{shed['issued_before']} verify offline after"
    )
    detail = {k: v for k, v in result.items() if k != "routes"}
    rows: list[dict[str, Any]] = [
        {
            "name": "load_rps",
            "value": result["rps"],
            "unit": "req/s",
            "goal": "informational (chalice local + moto server + client on one machine)",
            "detail": detail,
        },
        {
            "name": "load_requests",
            "value": result["done"],
            "unit": "requests",
            "goal": "informational",
        },
        {
            "name": "load_errors",
            "value": result["errors"],
            "unit": "requests",
            "goal": "== 0",
        },
    ]
    for op, row in result["routes"].items():
        for q in ("p50", "p99"):
            rows.append(
                {
                    "name": f"load_{op}_{q}_ms",
                    "value": row[f"{q}_ms"],
                    "unit": "ms",
                    "goal": "informational",
                    "detail": {"route": row["route"], "requests": row["requests"]}
                    if q == "p50"
                    else {"max_ms": row["max_ms"], "statuses": row["statuses"]},
                }
            )
    return rows + burst_rows(shed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="a running `make run` (default: start one here)")
    parser.add_argument("--citizens", type=int, default=CITIZENS)
    parser.add_argument("--requests", type=int, default=REQUESTS, help="at most this many")
    parser.add_argument("--seconds", type=float, default=SECONDS, help="and at most this long")
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    parser.add_argument(
        "--burst", action="store_true", help="only the burst against a throttled devserver"
    )
    args = parser.parse_args(argv)
    if min(args.citizens, args.requests, args.workers) < 1 or args.seconds <= 0:
        parser.error("--citizens, --requests, --workers and --seconds must be positive")
    if args.burst:
        shed = burst(seed=args.seed)
        print(json.dumps(shed, indent=2))
        return (
            0
            if shed["unshaped"] == 0 and shed["offline_valid_after"] == shed["issued_before"]
            else 1
        )
    result = measure(
        url=args.url,
        citizens=args.citizens,
        requests=args.requests,
        seconds=args.seconds,
        workers=args.workers,
        seed=args.seed,
    )
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else report(result))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
