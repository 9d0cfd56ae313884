"""The Lambda package: its size, and that it imports with only the runtime's SDK.

Builds what ``make package`` builds (``make package BUILD=<temporary dir>``: chalice
package, ``scripts/slim_package.py``, cfn-lint), then

- measures the zip (goal: 8.5 MB or less, issue 28) and what it unpacks to (Lambda's
  limit is 250 MB unpacked);
- unpacks it and imports it as Lambda would: a fresh ``python -I -S`` (no
  site-packages) whose path is the unpacked zip, then a stand-in for ``/var/runtime``
  holding only the SDK the runtime provides (boto3, botocore, s3transfer and what
  they need that the zip lacks). It imports ``app`` and every ``chalicelib`` module,
  builds the OpenAPI document, reads a division and a country name, and checks that
  botocore came from the runtime and that pycountry is not there at all;
- times the first country-name lookup in a fresh interpreter (the standard library it
  shares with the other side already imported), from the shipped table and from
  pycountry (what the package used before), side by side.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOAL_MB = 8.5
RUNTIME_SDK = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")

SMOKE = """
import importlib, pkgutil, sys
import app
import chalicelib
for module in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
    importlib.import_module(module.name)
from chalicelib.kernel.openapi import build_document
from chalicelib.kernel import reference_data
import botocore, boto3, pynamodb.models
assert len(build_document(app.api.operations)["paths"]) > 20
assert reference_data.divisions().get("110105").name == "朝阳区"
assert reference_data.country_names("JP") == ("日本", "Japan")
assert botocore.__file__.startswith(sys.argv[2]), botocore.__file__
try:
    import pycountry
except ImportError:
    pass
else:
    raise SystemExit("pycountry is in the package")
print("ok")
"""

LOOKUP = {
    "shipped_table": (
        "from chalicelib.kernel.reference_data import country_names; country_names('JP')"
    ),
    "pycountry": (
        "import gettext, pycountry; c = pycountry.countries.get(alpha_2='JP'); "
        "gettext.translation('iso3166-1', pycountry.LOCALES_DIR, languages=['zh_CN'], "
        "fallback=True).gettext(c.name)"
    ),
}


def build(into: Path) -> Path:
    subprocess.run(
        ["make", "-s", "package", f"BUILD={into}"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "STAGE": os.environ.get("STAGE", "dev")},
    )
    return into / "deployment.zip"


def _runtime_stand_in(task: Path, runtime: Path) -> None:
    """/var/runtime: the runtime's SDK, and the SDK's own dependencies the zip lacks."""
    import importlib.util

    runtime.mkdir()
    for name in RUNTIME_SDK:
        if (task / name).exists() or (task / f"{name}.py").exists():
            continue  # the zip ships its own copy, which comes first on Lambda's path too
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (runtime / source.name).symlink_to(source)


def imports_on_runtime_sdk(package: Path, scratch: Path) -> bool:
    task, runtime = scratch / "task", scratch / "runtime"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(task)
    _runtime_stand_in(task, runtime)
    code = f"import sys; sys.path[:0] = [{str(task)!r}, {str(runtime)!r}]\n" + SMOKE
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPYCACHEPREFIX": str(scratch / "pyc")}
    out = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(task), str(runtime)],
        capture_output=True,
        text=True,
        cwd=scratch,
        env=env,
    )
    if out.returncode != 0 or out.stdout.strip() != "ok":
        print(out.stdout + out.stderr, file=sys.stderr)
        return False
    return True


def _lookup_ms(statement: str) -> float:
    code = (
        f"import sys, time, json, gettext, importlib.resources; sys.path.insert(0, {str(ROOT)!r}); "
        "import chalicelib.kernel.divisions; t = time.process_time(); "
        f"{statement}; print((time.process_time() - t) * 1000)"
    )
    with tempfile.TemporaryDirectory() as cache:
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPYCACHEPREFIX": cache},
        )
    return float(out.stdout.strip())


def run(rounds: int = 5) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="yima-package-") as tmp:
        scratch = Path(tmp)
        package = build(scratch / "build")
        with zipfile.ZipFile(package) as archive:
            entries = archive.infolist()
        unpacked = sum(i.file_size for i in entries)
        biggest: dict[str, int] = {}
        for info in entries:
            top = info.filename.split("/")[0]
            biggest[top] = biggest.get(top, 0) + info.compress_size
        top5 = sorted(biggest.items(), key=lambda kv: -kv[1])[:5]
        zipped = package.stat().st_size
        imports = imports_on_runtime_sdk(package, scratch)
    times: dict[str, list[float]] = {name: [] for name in LOOKUP}
    for statement in LOOKUP.values():  # warm-up: the OS file cache
        _lookup_ms(statement)
    for _ in range(rounds):
        for name, statement in LOOKUP.items():
            times[name].append(_lookup_ms(statement))
    median = {name: statistics.median(values) for name, values in times.items()}
    return [
        {
            "name": "package_zip_mb",
            "value": round(zipped / 1e6, 2),
            "unit": "MB",
            "goal": f"<= {GOAL_MB}",
            "detail": {"largest_zipped_mb": {k: round(v / 1e6, 2) for k, v in top5}},
        },
        {
            "name": "package_unzipped_mb",
            "value": round(unpacked / 1e6, 1),
            "unit": "MB",
            "goal": "informational: Lambda's limit is 250",
        },
        {
            "name": "package_imports_on_runtime_sdk",
            "value": int(imports),
            "unit": "",
            "goal": "== 1",
        },
        {
            "name": "country_lookup_first_ms",
            "value": round(median["shipped_table"], 2),
            "unit": "ms",
            "goal": "informational",
            "detail": {"pycountry_ms": round(median["pycountry"], 2)},
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
