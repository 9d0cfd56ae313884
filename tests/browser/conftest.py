"""Fixtures for the page tests in Chromium, one of each per module: the local server
(one local stack at a time, tests/serial.py), Playwright, the browser, and the
screenshots' directory, copied to docs/screenshots/ with YIMA_SCREENSHOTS=docs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import DOC_SHOTS, ROOT, Server, _launch, _server
from tests.serial import one_local_stack_at_a_time


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with one_local_stack_at_a_time():
        yield from _server(tmp_path_factory)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright  # the test module skips without it

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    launched = _launch(playwright)
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("screenshots")
    yield path
    # copied only at the end: `chalice local` restarts when a file in the repository changes
    if os.environ.get("YIMA_SCREENSHOTS") == "docs":
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        for name in DOC_SHOTS:
            if (path / f"{name}.png").exists():
                shutil.copy(path / f"{name}.png", target / f"{name}.png")
