"""``make bench``: run every benchmark in bench/ and write bench/results.json."""

from __future__ import annotations

import importlib
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

BENCHMARKS = ["cold_import", "codes", "carrier", "recolour"]


def main() -> int:
    figures = []
    for name in BENCHMARKS:
        module = importlib.import_module(name)
        for row in module.run():
            row["benchmark"] = name
            figures.append(row)
            print(
                f"{row['name']:<36} {row['value']:>10} {row['unit']:<6} goal {row['goal']}",
                flush=True,
            )
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpu_count": __import__("os").cpu_count(),
            "platform": platform.platform(),
        },
        "command": "make bench",
        "figures": figures,
    }
    (HERE / "results.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
