"""``make run``'s start, and the botocore sessions behind most of it.

Two figures:

- ``make_run_start_s``: from starting ``scripts/devserver.py`` (what ``make run`` runs
  once the venv is installed) to the first 200 on ``/v1/keys``, wall-clock, the
  median of three starts, with the steps' shares from its ``yima: up in`` line
  (goal: under 15 s, issue 20).
- ``table_clients_per_table_vs_shared``: the clients for all 28 tables, each table on
  its own botocore session (pynamodb's way) against one session per thread
  (``chalicelib/kernel/dynamo/sessions.py``), side by side in fresh interpreters,
  alternating, CPU time, medians of five. It is what every new Lambda container pays
  before its first query to each table, and what ``make run`` paid 28 times.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.e2e.stack

_CLIENTS = """
import sys, time
sys.path.insert(0, {root!r})
from chalicelib import datamodel
if {shared}:
    from chalicelib.kernel.dynamo.sessions import share_sessions
    share_sessions()
started = time.process_time()
for model in datamodel.all_models():
    model._get_connection().connection.client
print(time.process_time() - started)
"""


def _clients(shared: bool) -> float:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    out = subprocess.run(
        [sys.executable, "-c", _CLIENTS.format(root=str(ROOT), shared=shared)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return float(out.stdout.strip().splitlines()[-1])


def _start(state: Path) -> tuple[float, str]:
    """One start, as the e2e tests start ``make run`` (``tests/e2e/stack.py``), timed
    to its first 200, with the steps' shares from its ``yima: up in`` line."""
    from tests.e2e import stack

    started = time.monotonic()
    running = stack.start(state)
    took = time.monotonic() - started
    running.stop()
    steps = re.search(r"yima: up in [0-9.]+ s \((.*)\)", "".join(running.output))
    return took, steps.group(1) if steps else ""


def run(rounds: int = 5, starts: int = 3) -> list[dict[str, Any]]:
    import tempfile

    times: dict[bool, list[float]] = {False: [], True: []}
    _clients(False), _clients(True)  # warm-up: the OS file cache
    for _ in range(rounds):
        for shared in (False, True):
            times[shared].append(_clients(shared))
    per_table, shared = (statistics.median(times[s]) for s in (False, True))
    runs = []
    with tempfile.TemporaryDirectory() as state:
        for _ in range(starts):
            runs.append(_start(Path(state)))
    runs.sort()
    median_run = runs[len(runs) // 2]
    return [
        {
            "name": "make_run_start_s",
            "value": round(median_run[0], 1),
            "unit": "s",
            "goal": "< 15",
            "detail": {"starts_s": [round(t, 1) for t, _ in runs], "steps": median_run[1]},
        },
        {
            "name": "table_clients_per_table_vs_shared",
            "value": round(per_table / shared, 2),
            "unit": "ratio",
            "goal": "informational: what sharing one session per thread saves",
            "detail": {"per_table_ms": round(per_table * 1000), "shared_ms": round(shared * 1000)},
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
