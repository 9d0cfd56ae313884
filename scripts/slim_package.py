"""Drop from the Lambda zip what the Lambda runtime already provides: boto3 and botocore.

``chalice package`` installs ``requirements.txt`` with every dependency, and has no
option to leave one out (aws/chalice issues 1043, 1335). pynamodb requires botocore,
so botocore (21 MB unpacked, 16 MB zipped) lands in the zip although the Python 3.11
runtime ships boto3, botocore and s3transfer, and the app already uses the runtime's
boto3 (boto3 is in no runtime requirement). Shipping our botocore next to the
runtime's boto3 mixed two SDK releases in one process; without it, boto3, botocore
and pynamodb all use the runtime's one consistent set. pynamodb 6 needs
``botocore>=1.12.54``, far below any runtime's.

``make package`` runs this on the zip ``chalice package`` wrote, in place::

    python scripts/slim_package.py build/deployment.zip

Entries are copied unchanged (names, dates, modes, compression); only whole packages
named in :data:`RUNTIME_PROVIDED` (and their ``*.dist-info``) and bytecode caches are
left out. ``bench/package.py`` measures the result and imports it the way Lambda does,
with only the runtime's SDK beside it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

# What every AWS Lambda Python runtime has on its path (/var/runtime) already.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
_DIST_INFO = re.compile(r"^(?P<name>[A-Za-z0-9_.]+?)-[^/]*\.(dist-info|data)$")


def dropped_as(name: str) -> str | None:
    """Why an entry of the zip is left out (the package it belongs to), or None."""
    parts = name.split("/")
    top = parts[0]
    if "__pycache__" in parts or name.endswith(".pyc"):
        return "__pycache__"
    match = _DIST_INFO.match(top)
    package = match.group("name").lower().replace("-", "_") if match else top
    return package if package in RUNTIME_PROVIDED else None


def slim(path: Path) -> dict[str, int]:
    """Rewrite the zip at ``path`` without the runtime's packages; bytes left out per
    package (zipped), plus ``before`` and ``after`` (the file's size)."""
    before = path.stat().st_size
    dropped: Counter[str] = Counter()
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".zip")
    os.close(handle)
    try:
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp, "w") as target:
            names = set(source.namelist())
            if "app.py" not in names or not any(n.startswith("chalicelib/") for n in names):
                raise SystemExit(f"{path} is not a Chalice deployment package (no app.py)")
            for info in source.infolist():
                reason = dropped_as(info.filename)
                if reason is not None:
                    dropped[reason] += info.compress_size
                    continue
                target.writestr(info, source.read(info), compress_type=info.compress_type)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return {**dropped, "before": before, "after": path.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip", type=Path, help="the deployment.zip that chalice package wrote")
    args = parser.parse_args(argv)
    report = slim(args.zip)
    before, after = report.pop("before"), report.pop("after")
    left_out = ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sorted(report.items()))
    print(
        f"{args.zip}: {before / 1e6:.1f} MB → {after / 1e6:.1f} MB zipped "
        f"(left out, provided by the Lambda runtime: {left_out or 'nothing'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
