"""The arrows point inward: the domain imports only the standard library, pure libraries
(no I/O, no SDK: listed below) and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "chalicelib" / "domain"
SERVICES = ROOT / "chalicelib" / "services"
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
    "Cryptodome",
    "requests",
}

# Pure, well-kept libraries the domain may use: computation only, no I/O (docs/codecs.md).
PURE_LIBRARIES = {"geohash"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_domain_imports_only_the_standard_library():
    for path in DOMAIN.rglob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            allowed = (
                top in sys.stdlib_module_names
                or top in PURE_LIBRARIES
                or name.startswith("chalicelib.domain")
            )
            assert allowed, f"{path.relative_to(ROOT)} imports {name}"


def test_services_import_no_sdk_and_no_adapter():
    for path in SERVICES.rglob("*.py"):
        for name in _imports(path):
            assert name.split(".")[0] not in SDKS, f"{path.relative_to(ROOT)} imports {name}"
            assert not name.startswith(("chalicelib.adapters", "chalicelib.web")), (
                f"{path.relative_to(ROOT)} imports {name}"
            )


def test_nothing_below_bootstrap_reads_the_clock():
    for path in (ROOT / "chalicelib").rglob("*.py"):
        if path.name in ("bootstrap.py", "cli.py", "verify.py"):  # entry points own the clock
            continue
        text = path.read_text()
        assert "datetime.now(" not in text and "utcnow(" not in text, path
