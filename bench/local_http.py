"""``make run``'s HTTP server: a request on a kept-alive connection against one on a fresh one.

A client that keeps its connection (a browser, ``requests.Session``, the fuzz over HTTP)
should pay no more per request than one that connects each time: the connection is
the cheap part. The hand-written server wrote each answer in two sends (the head, then
the body) with Nagle's algorithm on, so on a kept connection the body waited for the
client's delayed acknowledgement of the head: a 44 ms median against 1 ms fresh.

Figures, side by side in one run, alternating sides, medians of the rounds' medians:

- ``local_keepalive_ratio``: median latency of a request on one kept-alive connection
  over that of a request on a fresh connection (connect, request, answer, close);
  goal ``<= 2``;
- ``local_keepalive_ms`` and ``local_fresh_ms``: the two medians, informational.

By default it serves a small JSON answer (the size of ``/v1/keys``) through
``scripts/localhttp.py`` on a free port, so it measures the server's framing and
nothing of the app. ``--url http://127.0.0.1:8000/v1/keys`` aims it at a running
``make run`` instead (the app's time is then in both sides).
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # scripts.localhttp

ANSWER = {"keys": [{"kid": "7877", "alg": "EdDSA", "public_key": "m" * 43, "region": "610100"}]}


def _keepalive(host: str, port: int, path: str, n: int) -> list[float]:
    times = []
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        for _ in range(n):
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            times.append(time.perf_counter() - started)
            assert response.status == 200, response.status
            assert not response.will_close, "the server closed a keep-alive connection"
    finally:
        connection.close()
    return times


def _fresh(host: str, port: int, path: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        connection = http.client.HTTPConnection(host, port, timeout=30)
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        connection.close()
        times.append(time.perf_counter() - started)
        assert response.status == 200, response.status
    return times


def measure(url: str, *, requests: int = 200, rounds: int = 5) -> dict[str, Any]:
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
    _keepalive(host, port, path, 20), _fresh(host, port, path, 20)  # warm-up
    medians: dict[str, list[float]] = {"keepalive": [], "fresh": []}
    for _ in range(rounds):
        medians["keepalive"].append(statistics.median(_keepalive(host, port, path, requests)))
        medians["fresh"].append(statistics.median(_fresh(host, port, path, requests)))
    keepalive, fresh = (statistics.median(medians[side]) for side in ("keepalive", "fresh"))
    return {
        "keepalive_ms": keepalive * 1000,
        "fresh_ms": fresh * 1000,
        "ratio": keepalive / fresh,
        "rounds_ms": {side: [round(m * 1000, 3) for m in ms] for side, ms in medians.items()},
    }


def _local_server() -> Any:
    from scripts.localhttp import LocalHTTPServer, json_reply

    return LocalHTTPServer(("127.0.0.1", 0), [lambda request: json_reply(200, ANSWER)]).start()


def run(url: str | None = None, requests: int = 200, rounds: int = 5) -> list[dict[str, Any]]:
    server = None if url else _local_server()
    try:
        found = measure(url or f"{server.url}/v1/keys", requests=requests, rounds=rounds)
    finally:
        if server is not None:
            server.stop()
    detail = {"requests_per_side_per_round": requests, "rounds_ms": found["rounds_ms"]}
    if url:
        detail["url"] = url
    return [
        {
            "name": "local_keepalive_ratio",
            "value": round(found["ratio"], 2),
            "unit": "ratio",
            "goal": "<= 2",
            "detail": detail,
        },
        {
            "name": "local_keepalive_ms",
            "value": round(found["keepalive_ms"], 3),
            "unit": "ms",
            "goal": "informational: median on one kept-alive connection",
        },
        {
            "name": "local_fresh_ms",
            "value": round(found["fresh_ms"], 3),
            "unit": "ms",
            "goal": "informational: median on a fresh connection each",
        },
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server's URL (default: a local one of its own)")
    parser.add_argument("--requests", type=int, default=200, help="per side and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    for row in run(args.url, args.requests, args.rounds):
        print(row)
