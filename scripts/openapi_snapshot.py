"""The API's OpenAPI document as committed in ``tests/data/openapi.json``.

The mini-program clients are written against this contract, so a change that only
moves code (issue 28's one package per capability) must leave it byte-for-byte the
same; ``tests/unit/test_openapi_snapshot.py`` compares the live document with the
snapshot. A change that means to alter the API rewrites the snapshot, and the diff
shows a reviewer exactly what the clients will see:

    python scripts/openapi_snapshot.py --write    # after an intended API change
    python scripts/openapi_snapshot.py --check    # what the test checks
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "tests" / "data" / "openapi.json"


def live_document() -> dict[str, Any]:
    """Every operation, the local-only ones included (as the local stage serves it)."""
    sys.path.insert(0, str(ROOT))
    import app
    from chalicelib.kernel.openapi import build_document

    return build_document(app.api.operations)


def text(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the snapshot")
    args = parser.parse_args(argv)
    live = text(live_document())
    if args.write:
        SNAPSHOT.write_text(live, encoding="utf-8")
        print(f"wrote {SNAPSHOT.relative_to(ROOT)}")
        return 0
    if SNAPSHOT.read_text(encoding="utf-8") != live:
        print("the OpenAPI document differs from tests/data/openapi.json", file=sys.stderr)
        return 1
    print("the OpenAPI document matches tests/data/openapi.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
