"""Issue 34's drill: a region lost under traffic, over HTTP (``scripts/drill.py``).

Two API processes, the primary and the secondary, on one AWS stand-in that outlives
them (the global tables and the replica secret, as docs/operations.md "The drill"
says: a shared store, not replication). Traffic runs on the primary, the primary is
killed; the primary's codes must verify offline and online at the secondary, writes
must resume there, and once the primary is back every acknowledged declaration must be
listed by both. The figures are printed (``pytest -s`` shows them) and kept in
docs/operations.md.
"""

from __future__ import annotations

import json

import pytest

from scripts import drill
from tests.serial import one_local_stack_at_a_time

pytestmark = pytest.mark.e2e
FAILOVER_AFTER = 3  # consecutive failures before the client moves to the secondary


def test_losing_the_primary_loses_no_acknowledged_write_and_no_code(tmp_path, capsys):
    with one_local_stack_at_a_time():
        report = drill.run(tmp_path, failover_after=FAILOVER_AFTER)
    with capsys.disabled():
        print("\nregion drill: " + json.dumps(report, ensure_ascii=False))

    # traffic ran on the primary, nothing failed before the kill
    assert report["declarations_before"] >= 1
    assert report["requests_failed_before_kill"] == 0
    # the switch: the client moved after exactly its threshold of failures, or a few
    # more if requests were in flight when the process died, and writes resumed
    assert FAILOVER_AFTER <= report["requests_failed_during_switch"] <= FAILOVER_AFTER + 2
    assert report["seconds_to_switch"] is not None
    assert report["declarations_after"] >= 5
    assert report["seconds_to_resume"] is not None and report["seconds_to_resume"] < 30
    # the primary's codes, the primary gone: offline with either region's saved keys,
    # online at the secondary
    issued = report["primary_codes"]
    assert issued >= 1
    assert report["offline_valid"] == {"primary": issued, "secondary": issued}
    assert report["offline_cli"] and all(
        run["exit"] == 0 and run["valid"] for run in report["offline_cli"]
    )
    assert report["online_valid_at_secondary"] == issued
    # the primary back: nothing acknowledged on either side of the switch is missing
    assert report["missing_after_return"] == {"primary": [], "secondary": []}
