"""Operator commands that load or purge data (``python -m chalicelib.cli``):
``load-carrier-feed`` and ``load-test-sites`` (in idempotent chunks, with a progress
bar, through the same services as the API), and ``decommission``, which purges every
table of personal data when the epidemic rules end.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.roles import Role
from chalicelib.kernel.settings import Settings
from chalicelib.kernel.times import rfc3339


def load_carrier_feed(
    path: str, *, chunk: int = 5000, subject: str = "operator", progress: Any = None
) -> dict[str, int]:
    """Load a carrier batch file (the SPEC's shape) through the same service as the API,
    in chunks (each its own idempotent batch ``<batch_id>.<n>``), with a progress bar."""
    from chalicelib.bootstrap import get_container, utc_now
    from chalicelib.kernel.session import SessionClaims

    document = json.loads(Path(path).read_text(encoding="utf-8"))
    rows, batch_id = document["stays"], str(document["batch_id"])
    container = get_container()
    now = utc_now()
    carrier = SessionClaims(
        subject=f"carrier:{subject}",
        role=Role.CARRIER,
        audience=container.settings.audience,
        issued_at=now,
        expires_at=now,
    )
    out = progress or sys.stderr
    totals = {"rows": len(rows), "accepted": 0, "duplicates": 0}
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        result = container.itinerary.ingest(
            carrier, {"batch_id": f"{batch_id}.{start // chunk}", "stays": part}
        )
        totals["accepted"] += int(result["accepted"])
        totals["duplicates"] += int(bool(result.get("duplicate")))
        done = start + len(part)
        bar = "#" * (30 * done // len(rows))
        out.write(f"\r[{bar:<30}] {done}/{len(rows)} rows")
        out.flush()
    out.write("\n")
    return totals


def read_sites(path: str) -> list[Any]:
    """Test sites from a CSV file (a header row: site_id, name, address, region_code, lat,
    lng, hours) or a JSON file (a list, or ``{"sites": [...]}``), every row checked; the
    first bad one stops the load naming ``sites[i].field`` before anything is written."""
    import csv

    from chalicelib.kernel.reference_data import divisions
    from chalicelib.labs.rules import parse_site

    text = Path(path).read_text(encoding="utf-8-sig")  # spreadsheets add a BOM
    if path.lower().endswith(".json"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"not valid JSON: {exc}", field="sites") from None
        rows = document.get("sites") if isinstance(document, dict) else document
        if not isinstance(rows, list):
            raise InvalidInput("expected a list of sites or {'sites': [...]}", field="sites")
    else:
        rows = list(csv.DictReader(text.splitlines()))
    index = divisions()
    return [
        parse_site(row if isinstance(row, dict) else {}, divisions=index, where=f"sites[{n}]")
        for n, row in enumerate(rows)
    ]


def load_test_sites(path: str, *, chunk: int = 500, progress: Any = None) -> dict[str, int]:
    """Load (or reload) test sites; a moved site leaves its old cells."""
    from chalicelib.bootstrap import get_container

    sites = read_sites(path)
    container = get_container()
    out = progress or sys.stderr
    totals = {"sites": len(sites), "added": 0, "moved": 0, "updated": 0}
    for start in range(0, len(sites), chunk):
        part = sites[start : start + chunk]
        for name, count in container.test_sites.load(part).items():
            totals[name] += count
        done = start + len(part)
        bar = "#" * (30 * done // len(sites))
        out.write(f"\r[{bar:<30}] {done}/{len(sites)} sites")
        out.flush()
    out.write("\n")
    return totals


def decommission(settings: Settings, *, dry_run: bool) -> dict[str, Any]:
    """Purge the personal data, table by table, and report the counts.

    The national rules that ended the health code in December 2022 required the
    personal information collected for it to be deleted. This deletes every item of
    every table in ``retention.PERSONAL_TABLES`` (the runtime table keeps only the
    public policy texts; its wrapped data keys go too), and keeps the public risk
    snapshots and test sites. It scans: acceptable here, in an offline operator
    command that runs once, with the operator's credentials (the Lambda may not
    scan); never on a request or scheduled path.
    """
    from chalicelib import datamodel
    from chalicelib.bootstrap import utc_now
    from chalicelib.kernel import retention
    from chalicelib.kernel.dynamo.purge import purge

    datamodel.bind(
        table_prefix=settings.table_prefix, region=settings.aws_region, host=settings.aws_endpoint
    )

    def keep_public_runtime(item: Any) -> bool:
        return str(item.key).startswith(retention.RUNTIME_KEPT_PREFIXES)

    tables = {}
    for table in retention.PERSONAL_TABLES:
        keep = keep_public_runtime if table == "runtime" else (lambda item: False)
        tables[table] = purge(table, dry_run=dry_run, keep=keep)
    return {
        "stage": settings.stage,
        "dry_run": dry_run,
        "at": rfc3339(utc_now()),
        "tables": tables,
        "found": sum(t["found"] for t in tables.values()),
        "deleted": sum(t["deleted"] for t in tables.values()),
        "kept": ["risk_feeds", "test_sites", "runtime policy:* (public texts)"],
        "next_steps": [
            f"schedule the deletion of the KMS key {settings.kms_key_id}: backups "
            "(point-in-time recovery keeps 35 days) still hold ciphertext and wrapped "
            "data keys, unreadable once the key is gone",
            f"delete the secret {settings.secret_id} (the keyed-hash pepper and signing keys)",
            "empty and delete the feed bucket's old object versions",
        ],
    }
