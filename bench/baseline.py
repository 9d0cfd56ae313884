"""The codecs as they were, for before / after figures in one run.

``tree()`` is a copy of this checkout's ``app.py``, ``chalicelib/`` and test
helpers in a temporary folder, with only the codec modules taken from the
baseline commit (``git show BASELINE:path``): everything else is today's, so
a difference between the two trees is the codecs' and nothing else's.
``module(path)`` loads one baseline codec module on its own, for in-process
timings next to today's. Override the commit with ``YIMA_BENCH_BASELINE``.

The baseline is the last commit whose codec modules still import beside
today's app: a tree with older ones stops at the first name today's app needs
from them (the printed code's ``KIND_PRINTED``, for the modules from before
issue 16), and the tree rows (``cold_import_codecs_*``, ``request_*``) then say
the baseline is unavailable. Today that commit is the merge of issue 16: issue
15's codecs with the printed code, before issue 19's offline work (the ready
key list, the one COSE parser, the faster decoders). Issue 15's own
before / after, against ``9e8a0c8``, is in BENCHMARKS.md;
``YIMA_BENCH_BASELINE=9e8a0c8`` still gives its in-process ``codec_*`` rows.

The baseline's files lived elsewhere before issue 28 cut the code by capability:
``WAS`` says where each codec was, and ``RENAMED`` turns the baseline's imports of
moved modules into today's, so the baseline codecs still import beside today's app.

If git or the commit is missing (a tarball, a shallow clone), ``Unavailable``
says so and the benchmarks print the after side alone.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
# The merge of issue 16: issue 15's codecs and the printed code, before issue 19's second
# pass at the offline path. (Before issue 15's codec work: 9e8a0c8, which no longer
# imports beside today's app.)
BASELINE = os.environ.get("YIMA_BENCH_BASELINE", "e26ae4b7067abdcdeda38efc5d5308ca8f1915bf")
CODEC_FILES = (
    "chalicelib/codes/token.py",
    "chalicelib/venues/token.py",
    "chalicelib/kernel/session.py",
    "chalicelib/kernel/geo.py",
    "chalicelib/kernel/schema.py",
    "chalicelib/verify.py",
)
COPIED = ("app.py", "chalicelib", "tests/__init__.py", "tests/helpers.py")
# Where each codec file was at the baseline commit (before issue 28's move).
WAS = {
    "chalicelib/codes/token.py": "chalicelib/domain/healthcode.py",
    "chalicelib/venues/token.py": "chalicelib/domain/venuecode.py",
    "chalicelib/kernel/session.py": "chalicelib/domain/session.py",
    "chalicelib/kernel/geo.py": "chalicelib/domain/geo.py",
    "chalicelib/kernel/schema.py": "chalicelib/web/schema.py",
}
# The modules the baseline's codecs import, as they are named today.
RENAMED = {
    "from chalicelib.domain.colour import": "from chalicelib.colours.model import",
    "from chalicelib.domain.healthcode import": "from chalicelib.codes.token import",
    "from chalicelib.domain.errors import": "from chalicelib.kernel.errors import",
    "from chalicelib.domain.roles import": "from chalicelib.kernel.roles import",
    "from chalicelib.domain.text import": "from chalicelib.kernel.text import",
    "from chalicelib.adapters.signing import": "from chalicelib.kernel.signing import",
    "from chalicelib.domain import federation": (
        "from chalicelib.federation import rules as federation"
    ),
}


def _today(text: str) -> str:
    for old, new in RENAMED.items():
        text = text.replace(old, new)
    return text


class Unavailable(RuntimeError):
    """The baseline cannot be built here; the message says why."""


def _show(path: str) -> str:
    try:
        out = subprocess.run(
            ["git", "show", f"{BASELINE}:{path}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise Unavailable(f"git show {BASELINE[:12]}:{path} failed: {exc}") from None
    return out.stdout


@cache
def sources() -> dict[str, str]:
    """Each codec file's text at the baseline commit."""
    return {path: _today(_show(WAS.get(path, path))) for path in CODEC_FILES}


@cache
def tree() -> Path:
    """Today's app with the baseline's codecs, in a folder removed at exit."""
    texts = sources()
    where = Path(tempfile.mkdtemp(prefix="yima-baseline-"))
    atexit.register(shutil.rmtree, where, ignore_errors=True)
    for name in COPIED:
        source, target = ROOT / name, where / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    for path, text in texts.items():
        (where / path).write_text(text)
    return where


@cache
def module(path: str) -> ModuleType:
    """One baseline codec module, imported under a name of its own (its imports of
    other chalicelib modules get today's)."""
    name = "baseline_" + path.removesuffix(".py").replace("/", "_")
    spec = importlib.util.spec_from_file_location(name, tree() / path)
    if spec is None or spec.loader is None:
        raise Unavailable(f"cannot load {path}")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded  # dataclasses look their module up while the body runs
    spec.loader.exec_module(loaded)
    return loaded
