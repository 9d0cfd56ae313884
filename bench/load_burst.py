"""The burst of the load test (``python bench/load.py --burst``).

A second devserver with the throttle on (``BURST_ENV``: the stand-in for API
Gateway's stage throttle, and a cap on requests in flight), a few citizens shown
their code, the keys fetched, then ``BURST_WORKERS`` threads fire ``BURST_REQUESTS``
code displays and verifications as fast as they can. Reported: the status counts;
every answer that is not a 2xx must be a 429 or 503 in the error shape with
``Retry-After`` (never a bare 5xx); and after the server is stopped, the codes
issued before the burst verify offline with the keys fetched before it
(``chalicelib.verify``), as a checkpoint would.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from typing import Any

from load_stack import SECONDS, TIMEOUT_S, VENUE, Http, _setup, devserver, http_client_errors

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
