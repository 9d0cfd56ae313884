"""Every table has a retention rule, or a written reason to keep its items.

A new model fails here until it is given a rule in ``chalicelib/kernel/retention.py``
(and a TTL attribute) or an entry in ``KEPT`` saying why it keeps its items.
"""

from __future__ import annotations

from datetime import timedelta

from chalicelib.colours.table import Policy
from chalicelib.datamodel import logical_names
from chalicelib.kernel import retention
from chalicelib.kernel.dynamo.tables import ttl_attribute


def _tables() -> dict[str, type]:
    return {logical: model for model, logical in logical_names().items()}


def test_every_table_has_a_rule_or_a_reason_to_keep_its_items() -> None:
    tables = set(_tables())
    ruled, kept = set(retention.RULES), set(retention.KEPT)

    assert not ruled & kept, "a table is either ruled or kept"
    assert tables == ruled | kept, "every table needs a rule or a reason"
    assert ruled | kept <= tables, "a rule for a table that no longer exists"


def test_ruled_tables_carry_a_ttl_attribute_and_kept_ones_do_not() -> None:
    for logical, model in _tables().items():
        if logical in retention.RULES:
            assert ttl_attribute(model), f"{logical} has a rule but no TTL attribute"
        elif logical in retention.KEPT:
            assert ttl_attribute(model) is None, f"{logical} is kept but has a TTL"


def test_every_rule_and_reason_is_written_out() -> None:
    for table, rule in retention.RULES.items():
        assert rule.why.strip() and rule.counted_from.strip(), table
        assert rule.keep is None or rule.keep > timedelta(0), table
    for table, why in retention.KEPT.items():
        assert len(why.split()) >= 8, f"{table}: say why it keeps its items"


def test_the_itinerary_retention_covers_the_colour_window() -> None:
    window = timedelta(days=Policy().window_days)

    for table in ("stays", "place_days", "scans", "checkins", "exposures"):
        assert retention.keep(table) == window + timedelta(days=1)
    assert retention.keep("declarations") > window  # a replaced one still counts 14 days
    assert retention.keep("idempotency") == timedelta(hours=24)
    assert retention.keep("audit") >= timedelta(days=182)


def test_decommission_covers_every_table_with_personal_data() -> None:
    public = {"risk_feeds", "test_sites", "trust_lists", "venues"}

    assert set(retention.PERSONAL_TABLES) == set(_tables()) - public


def test_only_the_decommission_purge_scans_a_table() -> None:
    """No request or scheduled path scans (docs/data-model.md); the offline purge may."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "chalicelib"
    scanning = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if ".scan(" in path.read_text(encoding="utf-8")
    )

    assert scanning == ["kernel/dynamo/purge.py"]
