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
import json
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from load_burst import burst, burst_rows
from load_stack import (
    CHECKPOINTS,
    CITIZENS,
    REQUESTS,
    SECONDS,
    TIMEOUT_S,
    VENUE,
    WORKERS,
    Http,
    Population,
    _log,
    _setup,
    devserver,
)

# Shares of the peak's requests, in percent. Logins are a tenth, but come in bursts.
MIX = {"code": 60, "verify": 25, "login": 10, "pass": 5}
ROUTES = {
    "code": "GET /v1/code",
    "verify": "POST /v1/verify",
    "login": "POST /v1/auth/dev",
    "pass": "GET /v1/pass",
}
BURST = 20  # consecutive logins in a burst


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
