"""The arrows point inward: a capability's rules import only the standard library, pure
libraries (no I/O, no SDK: listed below), the kernel's pure modules and other rules; its
services import no SDK and no store. import-linter (.importlinter, run by make lint)
checks the same arrows over the whole import graph; these tests also read the imports
inside functions, which a lazy import could otherwise hide."""

from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement  # pytest's own dependency

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"
RULES = sorted(
    path
    for pattern in ("*/rules.py", "*/model.py", "*/token.py", "*/table.py")
    for path in CHALICELIB.glob(pattern)
    if path.parent.name != "kernel"
)
SERVICES = sorted(
    path
    for pattern in ("*/service.py", "identity/disputes.py", "codes/gate.py", "risk/regions.py")
    for path in CHALICELIB.glob(pattern)
)
STORES = ("store", "care_store", "disputes_store", "appeals_store", "audit_store", "marks_store")
SDKS = {
    "boto3",
    "botocore",
    "pynamodb",
    "chalice",
    "wechatpy",
    "qrcode",
    "alipay",
    "aws_lambda_powertools",
    "cryptography",
    "nacl",
    "Crypto",
    "requests",
}

# Pure, well-kept libraries the domain may use: computation only, no I/O (docs/codecs.md).
PURE_LIBRARIES = {"geohash", "stdnum"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            package = ROOT.joinpath(*node.module.split("."))
            modules = {  # ``from chalicelib.kernel import retention``: the module itself
                f"{node.module}.{alias.name}"
                for alias in node.names
                if (package / f"{alias.name}.py").exists()
            }
            names |= modules or {node.module}
    return names


# The kernel's modules a rule may use: pure, no I/O.
PURE_KERNEL = {
    "chalicelib.kernel." + name
    for name in [
        "errors",
        "times",
        "text",
        "pii",
        "phone",
        "divisions",
        "geo",
        "keys",
        "paging",
        "retention",
        "limits",
        "roles",
        "reference_data",
    ]
}


def test_every_capability_has_its_rules_and_services_here():
    assert len(RULES) >= 12 and len(SERVICES) >= 12  # the globs still find the code


def test_rules_import_only_the_standard_library_and_other_rules():
    for path in RULES:
        for name in _imports(path):
            top = name.split(".")[0]
            allowed = (
                top in sys.stdlib_module_names
                or top in PURE_LIBRARIES
                or name in PURE_KERNEL
                or name.rsplit(".", 1)[-1] in ("rules", "model", "token", "table")
            )
            assert allowed, f"{path.relative_to(ROOT)} imports {name}"


def test_services_import_no_sdk_and_no_store():
    for path in SERVICES:
        for name in _imports(path):
            assert name.split(".")[0] not in SDKS, f"{path.relative_to(ROOT)} imports {name}"
            assert name.rsplit(".", 1)[-1] not in STORES, f"{path.relative_to(ROOT)} imports {name}"


def test_nothing_below_bootstrap_reads_the_clock():
    for path in (ROOT / "chalicelib").rglob("*.py"):
        if path.name in ("bootstrap.py", "cli.py", "verify.py"):  # entry points own the clock
            continue
        text = path.read_text()
        assert "datetime.now(" not in text and "utcnow(" not in text, path


RUNTIME_PROVIDED = {"chalice", "boto3", "botocore"}  # the Lambda runtime and Chalice itself


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _packaged_distributions() -> set[str]:
    """requirements.txt and what those need (extras aside): what the Lambda zip holds."""
    pending = [
        _normal(line.split("#")[0].split("==")[0].strip())
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    closure: set[str] = set()
    while pending:
        name = pending.pop()
        if name in closure:
            continue
        closure.add(name)
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(_normal(requirement.name))
    return closure | RUNTIME_PROVIDED


def test_the_app_imports_only_what_its_package_ships():
    """A development requirement imported by the app would pass every test here and fail
    in Lambda: python-alipay-sdk, say, which a venv made before it left the package still has."""
    shipped = _packaged_distributions()
    owners = metadata.packages_distributions()
    assert "python-alipay-sdk" not in shipped and "cryptography" not in shipped
    for path in [ROOT / "app.py", *(ROOT / "chalicelib").rglob("*.py")]:
        for name in _imports(path):  # inside functions too: ast.walk
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top in ("chalicelib", "__future__"):
                continue
            dists = {_normal(d) for d in owners.get(top, [])}
            assert dists & shipped, f"{path.relative_to(ROOT)} imports {name} ({dists or '?'})"
