"""Cold import: importing ``app`` vs importing bare ``chalice, boto3, pynamodb``.

Each sample is a fresh interpreter with an empty bytecode cache (a new
PYTHONPYCACHEPREFIX per run: a Lambda zip ships no __pycache__), timing only
the import statement inside the process, in that process's CPU time (the
machines are shared: wall-clock time would count the other processes too).
The two sides alternate, so what noise is left hits both alike; the figure
is the ratio of the medians.

A second figure, informational, adds what the *first request* imports on top
of the app (boto3, pynamodb, powertools, cryptography), which is what a real
cold start pays before answering.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

SIDES = {
    "bare": "import chalice, boto3, pynamodb.models",
    "app": "import app",
    "app_first_request": (
        "import app; import boto3, pynamodb.models, aws_lambda_powertools, "
        "cryptography.hazmat.primitives.ciphers.aead; "
        "import chalicelib.adapters.dynamo.identity_repo, chalicelib.adapters.secrets"
    ),
}


def _sample(statement: str) -> float:
    code = (
        f"import time, sys; sys.path.insert(0, {str(ROOT)!r}); t = time.process_time(); "
        f"{statement}; print(time.process_time() - t)"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=ROOT,
        )
    return float(out.stdout.strip().splitlines()[-1])


def run(rounds: int = 7) -> list[dict[str, Any]]:
    for statement in SIDES.values():  # warm-up: the OS file cache, not Python's
        _sample(statement)
    times: dict[str, list[float]] = {name: [] for name in SIDES}
    for _ in range(rounds):
        for name, statement in SIDES.items():
            times[name].append(_sample(statement))
    median = {name: statistics.median(values) for name, values in times.items()}
    return [
        {
            "name": "cold_import_ratio",
            "value": round(median["app"] / median["bare"], 3),
            "unit": "ratio",
            "goal": "<= 1.15",
            "detail": {k: round(v * 1000, 1) for k, v in median.items()} | {"unit": "ms"},
        },
        {
            "name": "cold_first_request_import_ratio",
            "value": round(median["app_first_request"] / median["bare"], 3),
            "unit": "ratio",
            "goal": "informational",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
