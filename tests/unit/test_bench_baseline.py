"""The benchmarks' baseline is today's app with only the old codec modules in it."""

from __future__ import annotations

import filecmp
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import baseline  # noqa: E402


@pytest.fixture(scope="module")
def tree() -> Path:
    try:
        return baseline.tree()
    except baseline.Unavailable as exc:  # a tarball or a shallow clone: nothing to compare
        pytest.skip(str(exc))


def test_the_baseline_differs_from_today_only_in_the_codec_modules(tree):
    ours = baseline.ROOT / "chalicelib"
    differing = []
    for path in ours.rglob("*.py"):
        relative = path.relative_to(baseline.ROOT).as_posix()
        if not filecmp.cmp(path, tree / relative, shallow=False):
            differing.append(relative)

    assert set(differing) <= set(baseline.CODEC_FILES)


def test_a_baseline_codec_loads_beside_todays(tree):
    from chalicelib.codes import token as healthcode

    old = baseline.module("chalicelib/codes/token.py")

    assert old is not healthcode and old.PREFIX == healthcode.PREFIX
    vector = (baseline.ROOT / "tests/vectors/01-valid.json").read_text()
    token = vector.split('"token": "')[1].split('"')[0]
    assert old.parse(token).claims.holder == healthcode.parse(token).claims.holder
