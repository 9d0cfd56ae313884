"""Generate ``chalicelib/kernel/countries.json`` from pycountry: what the Lambda ships
instead of pycountry's 21 MB of ISO tables in every language.

The itinerary card needs, per ISO 3166-1 alpha-2 code, the English name and the
Chinese (zh_CN) one: 249 rows, about 10 KB. pycountry stays the source (pinned in
requirements-dev.txt); ``tests/unit/test_countries.py`` checks that the shipped file
equals what the installed pycountry gives, so a pycountry upgrade without
regenerating fails the tests.

    python scripts/countries.py --write    # regenerate
    python scripts/countries.py --check    # exit 1 if the shipped file is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

TARGET = Path(__file__).resolve().parents[1] / "chalicelib" / "kernel" / "countries.json"


def build() -> dict[str, Any]:
    """{source, countries: {alpha_2: [zh_CN name, English name]}}, sorted by code."""
    import gettext

    import pycountry

    chinese = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True
    )
    countries = {
        c.alpha_2: [chinese.gettext(c.name), c.name]
        for c in sorted(pycountry.countries, key=lambda c: c.alpha_2)
    }
    return {"source": f"pycountry {version('pycountry')} (ISO 3166-1)", "countries": countries}


def render(data: dict[str, Any]) -> str:
    lines = [f'{{"source": {json.dumps(data["source"])},', ' "countries": {']
    rows = [
        f"  {json.dumps(code)}: {json.dumps(names, ensure_ascii=False)}"
        for code, names in data["countries"].items()
    ]
    lines.append(",\n".join(rows))
    lines.append(" }}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="regenerate the shipped file")
    mode.add_argument("--check", action="store_true", help="exit 1 if the shipped file is stale")
    args = parser.parse_args(argv)
    text = render(build())
    if args.write:
        TARGET.write_text(text, encoding="utf-8")
        print(f"wrote {TARGET.relative_to(TARGET.parents[2])}: {len(text.encode())} bytes")
        return 0
    if TARGET.read_text(encoding="utf-8") != text:
        print(f"{TARGET} is stale: run python scripts/countries.py --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
