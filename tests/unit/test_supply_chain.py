"""The dependencies are pinned, and the Lambda ships only the runtime ones."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^[A-Za-z0-9_.\-]+(\[[A-Za-z0-9_,\-]+\])?==[A-Za-z0-9_.+\-]+$")
DEV_ONLY = {"moto", "pytest", "chalice", "boto3", "ruff", "mypy", "responses", "hypothesis"}


def _requirements(name: str) -> list[str]:
    lines = (ROOT / name).read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def test_every_requirement_is_pinned_to_one_version() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in _requirements(name):
            if line.startswith("-r "):
                continue
            assert PIN.match(line), f"{name}: {line!r} is not pinned with =="


def test_the_lambda_package_holds_no_test_or_build_tool() -> None:
    shipped = {re.split(r"[\[=]", line)[0].lower() for line in _requirements("requirements.txt")}

    assert not shipped & DEV_ONLY
