"""Carrier ingestion: a 10,000-row batch into moto, next to its floor and the pure parts.

Side by side in one run (moto world built like ``tests/conftest.py``):

- ``carrier_ingest_rows_per_s``: ``ItineraryService.ingest`` of a 10,000-row
  batch (validation, the idempotency claim, stays plus place-day index items
  in batched writes), each round a new ``batch_id`` over the same rows;
- its floor: the same 10,000 ``StayRecord`` items in one bare pynamodb
  ``batch_write`` (no validation, no index), and the ratio of the two;
- ``carrier_parse_rows_per_s`` and ``card_aggregation_rows_per_s``: the pure
  row checks and the card aggregation alone, no I/O.

Times are the CPU time of this thread (moto runs in-process), so the other
processes on a shared machine do not count (see ``bench/codes.py``).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench", ROOT / "scripts"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

ROWS = 10_000
ROUNDS = 3


def run() -> list[dict[str, Any]]:
    from codes_world import ENV, NOW, _fake_aws, _stdout_to_devnull
    from demo_carrier import generate

    with _fake_aws(), _stdout_to_devnull():
        from chalicelib import bootstrap, cli
        from chalicelib.colours.model import Stay
        from chalicelib.itinerary.rules import CardPolicy, build_card, parse_stays
        from chalicelib.itinerary.store import StayRecord
        from chalicelib.kernel.reference_data import divisions, is_country
        from chalicelib.kernel.roles import Role
        from chalicelib.kernel.session import SessionClaims
        from chalicelib.kernel.settings import Settings

        settings = Settings.from_mapping(ENV)
        cli.create_tables(settings)
        cli.init_secrets(settings)
        cli.ensure_kms_key(settings)
        container = bootstrap.build(settings, clock=lambda: NOW)
        feed = generate(phones=1200, seed=3, now=NOW)
        rows = feed["stays"][:ROWS]
        assert len(rows) == ROWS, len(rows)
        carrier = SessionClaims(
            subject="carrier:bench",
            role=Role.CARRIER,
            audience=settings.audience,
            issued_at=NOW,
            expires_at=NOW,
        )
        policy = CardPolicy()
        parsed = parse_stays(
            rows, divisions=divisions(), is_country=is_country, now=NOW, policy=policy
        )
        stays = [
            Stay(kind=r.kind, place=r.place, entered_at=r.entered_at, left_at=r.left_at)
            for r in parsed
        ]

        def ingest(n: int) -> None:
            result = container.itinerary.ingest(carrier, {"batch_id": f"bench-{n}", "stays": rows})
            assert result["accepted"] == ROWS and not result["duplicate"]

        def floor() -> None:
            with StayRecord.batch_write() as batch:
                for i, stay in enumerate(stays):
                    batch.save(
                        StayRecord(
                            f"floor-{i % 1200}",
                            f"{stay.entered_at}#{i}",
                            place=stay.place,
                            kind=stay.kind,
                            entered_at=stay.entered_at,
                            left_at=stay.left_at,
                            batch_id="floor",
                            received_at=NOW,
                            expires=NOW,
                        )
                    )

        ingest(-1)  # warm-up: tables, key, caches
        ingest_times, floor_times = [], []
        for n in range(ROUNDS):
            started = time.thread_time()
            ingest(n)
            ingest_times.append(time.thread_time() - started)
            started = time.thread_time()
            floor()
            floor_times.append(time.thread_time() - started)

        def pure(fn: Any) -> float:
            samples = []
            for _ in range(5):
                started = time.thread_time()
                fn()
                samples.append(time.thread_time() - started)
            return statistics.median(samples)

        parse_s = pure(
            lambda: parse_stays(
                rows, divisions=divisions(), is_country=is_country, now=NOW, policy=policy
            )
        )
        card_s = pure(lambda: build_card(stays, as_of=NOW, policy=policy))

    ingest_s, floor_s = statistics.median(ingest_times), statistics.median(floor_times)
    return [
        {
            "name": "carrier_ingest_rows_per_s",
            "value": round(ROWS / ingest_s),
            "unit": "rows/s",
            "goal": "informational (moto, one process)",
            "detail": {
                "batch_rows": ROWS,
                "ingest_s": round(ingest_s, 2),
                "bare_batch_write_s": round(floor_s, 2),
            },
        },
        {
            "name": "carrier_ingest_vs_bare_batch_write",
            "value": round(ingest_s / floor_s, 2),
            "unit": "ratio",
            "goal": "informational: validation + ~1.6 index items per stay",
        },
        {
            "name": "carrier_parse_rows_per_s",
            "value": round(ROWS / parse_s),
            "unit": "rows/s",
            "goal": "informational",
        },
        {
            "name": "card_aggregation_rows_per_s",
            "value": round(ROWS / card_s),
            "unit": "rows/s",
            "goal": "informational",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
