"""``make bench``: run every benchmark in bench/ and write bench/results.json.

Each benchmark module has a ``run()`` that returns its figures, each a dict
with ``name``, ``value``, ``unit``, ``goal`` (``"<= 2.0"``, ``"< 1000"``,
``"== 100"`` or ``"informational..."``) and an optional ``detail``. This
runner adds ``benchmark`` and ``met`` (true / false against the goal, null
for an informational figure), the machine, the date, the commit, the time
each benchmark took, and prints the goals that are not met at the end.

``python bench/run.py --only codes,load`` runs some of them and replaces only
their figures in results.json (``benchmarks`` says when each last ran).
``bench/capacity.py`` reads the results into the capacity model.
"""

from __future__ import annotations

import argparse
import importlib
import json
import operator
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

BENCHMARKS = [
    "cold_import",
    "package",
    "pdf",
    "codes",
    "carrier",
    "recolour",
    "exposure",
    "load",
    "startup",
    "local_http",
]

_GOAL = re.compile(r"^\s*(<=|>=|==|<|>)\s*(-?[0-9.]+)\s*$")
_OPS = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "<": operator.lt,
    ">": operator.gt,
}


def met(value: Any, goal: str) -> bool | None:
    """True / False against a goal such as ``<= 1.15``; None for an informational one."""
    match = _GOAL.match(goal)
    if match is None:
        return None
    return bool(_OPS[match.group(1)](float(value), float(match.group(2))))


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu or platform.processor(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in load],
    }


def commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def table(result: dict[str, Any]) -> str:
    """results.json as the Markdown table of BENCHMARKS.md."""
    lines = ["| figure | value | unit | goal | met |", "| --- | ---: | --- | --- | --- |"]
    for f in result["figures"]:
        verdict = {True: "yes", False: "**no**", None: ""}[f["met"]]
        value = f"{f['value']:,}" if isinstance(f["value"], int) else str(f["value"])
        lines.append(f"| `{f['name']}` | {value} | {f['unit']} | {f['goal']} | {verdict} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help=f"comma-separated, from {','.join(BENCHMARKS)}")
    parser.add_argument(
        "--table", action="store_true", help="print results.json as a Markdown table; run nothing"
    )
    args = parser.parse_args(argv)
    if args.table:
        print(table(json.loads((HERE / "results.json").read_text())))
        return 0
    names = BENCHMARKS
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = sorted(set(names) - set(BENCHMARKS))
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(unknown)}")

    started_at = datetime.now(UTC)
    info = machine()
    figures = []
    seconds: dict[str, float] = {}
    for name in names:
        started = time.perf_counter()
        module = importlib.import_module(name)
        for row in module.run():
            row["benchmark"] = name
            row["met"] = met(row["value"], str(row["goal"]))
            figures.append(row)
            print(
                f"{row['name']:<36} {row['value']:>10} {row['unit']:<8} goal {row['goal']}"
                + ("  ** NOT MET **" if row["met"] is False else ""),
                flush=True,
            )
        seconds[name] = round(time.perf_counter() - started, 1)
        print(f"-- {name}: {seconds[name]} s", flush=True)
    date, sha = started_at.isoformat(timespec="seconds"), commit()
    runs = {name: {"date": date, "commit": sha, "seconds": seconds[name]} for name in names}
    path = HERE / "results.json"
    if args.only and path.exists():  # keep the other benchmarks' figures from their last run
        previous = json.loads(path.read_text())
        runs = {k: v for k, v in previous.get("benchmarks", {}).items() if k not in names} | runs
        figures = [f for f in previous["figures"] if f["benchmark"] not in names] + figures
    figures.sort(key=lambda f: BENCHMARKS.index(f["benchmark"]))
    missed = [f for f in figures if f.get("met") is False]
    result = {
        "date": date,
        "machine": info,
        "commit": sha,
        "command": "make bench" if not args.only else f"python bench/run.py --only {args.only}",
        "seconds": seconds | {"total": round(sum(seconds.values()), 1)},
        "benchmarks": runs,
        "goals_not_met": [f["name"] for f in missed],
        "figures": figures,
    }
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"bench: {result['seconds']['total']} s in all; wrote {path}")
    if missed:
        print(
            "goals not met: "
            + ", ".join(f"{f['name']} = {f['value']} ({f['goal']})" for f in missed)
        )
    else:
        print("every goal is met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
