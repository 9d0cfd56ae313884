"""Cold import: importing ``app`` vs importing bare ``chalice, boto3, pynamodb``.

Each sample is a fresh interpreter with an empty bytecode cache (a new
PYTHONPYCACHEPREFIX per run: a Lambda zip ships no __pycache__), timing only
the import statement inside the process, in that process's CPU time (the
machines are shared: wall-clock time would count the other processes too).
The two sides alternate, so what noise is left hits both alike; the figure
is the ratio of the medians.

A second figure, informational, adds what the *first request* imports on top
of the app (boto3, pynamodb, powertools, libsodium, pycryptodome), which is what a real
cold start pays before answering.

Before / after: the same two statements also run in ``bench/baseline.py``'s
tree (today's app with the codecs before issue 15), alternating with today's,
so ``cold_import_codecs_after_vs_before`` is the codecs' change alone (the
goal: no worse than before, within 5%).
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
        "nacl.bindings, Crypto.Cipher.AES; "
        "import chalicelib.identity.store, chalicelib.kernel.secrets"
    ),
}


def _sample(statement: str, root: Path = ROOT) -> float:
    code = (
        f"import time, sys; sys.path.insert(0, {str(root)!r}); t = time.process_time(); "
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
            cwd=root,
        )
    return float(out.stdout.strip().splitlines()[-1])


def _sides() -> tuple[dict[str, tuple[str, Path]], str | None]:
    """Every side as (statement, tree); the baseline's too when it can be built."""
    sides = {name: (statement, ROOT) for name, statement in SIDES.items()}
    try:
        import baseline

        before = baseline.tree()
    except Exception as exc:  # no git, no commit: today's figures alone
        return sides, str(exc)
    try:  # the old codec modules may no longer fit today's app (names it imports since)
        _sample("import app", before)
    except subprocess.CalledProcessError as exc:
        last = (exc.stderr or "").strip().splitlines()[-1:] or ["import app failed"]
        return sides, f"the baseline tree does not import: {last[0]}"
    for name in ("app", "app_first_request"):
        sides[f"{name}_before"] = (SIDES[name], before)
    return sides, None


def run(rounds: int = 7) -> list[dict[str, Any]]:
    sides, unavailable = _sides()
    for statement, root in sides.values():  # warm-up: the OS file cache, not Python's
        _sample(statement, root)
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, (statement, root) in sides.items():
            times[name].append(_sample(statement, root))
    median = {name: statistics.median(values) for name, values in times.items()}
    return _rows(median) + _before_after(median, unavailable)


def _before_after(median: dict[str, float], unavailable: str | None) -> list[dict[str, Any]]:
    if unavailable is not None:
        return [
            {
                "name": "cold_import_codecs_after_vs_before",
                "value": 0,
                "unit": "ratio",
                "goal": "informational: the baseline is unavailable",
                "detail": {"why": unavailable},
            }
        ]
    ms = {k: round(v * 1000, 1) for k, v in median.items()}
    return [
        {
            "name": "cold_import_codecs_after_vs_before",
            "value": round(median["app"] / median["app_before"], 3),
            "unit": "ratio",
            "goal": "<= 1.05",
            "detail": {"after_ms": ms["app"], "before_ms": ms["app_before"]},
        },
        {
            "name": "cold_first_request_codecs_after_vs_before",
            "value": round(median["app_first_request"] / median["app_first_request_before"], 3),
            "unit": "ratio",
            "goal": "informational",
            "detail": {
                "after_ms": ms["app_first_request"],
                "before_ms": ms["app_first_request_before"],
            },
        },
    ]


def _rows(median: dict[str, float]) -> list[dict[str, Any]]:
    return [
        {
            "name": "cold_import_ratio",
            "value": round(median["app"] / median["bare"], 3),
            "unit": "ratio",
            "goal": "<= 1.15",
            "detail": {k: round(median[k] * 1000, 1) for k in SIDES} | {"unit": "ms"},
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
