"""The API is the contract the mini-programs are written against: every operation and
schema of the OpenAPI document stays as committed in tests/data/openapi.json until a
change means to alter it (then ``python scripts/openapi_snapshot.py --write``)."""

from __future__ import annotations

import difflib
import json

from scripts.openapi_snapshot import SNAPSHOT, live_document, text


def test_the_openapi_document_is_the_committed_snapshot():
    live = live_document()
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    if live != committed:
        diff = difflib.unified_diff(
            text(committed).splitlines(), text(live).splitlines(), "committed", "live", lineterm=""
        )
        raise AssertionError("the API changed:\n" + "\n".join(list(diff)[:80]))


def test_the_snapshot_holds_every_operation():
    paths = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["paths"]
    assert sum(len(methods) for methods in paths.values()) >= 59
