"""Co-location exposure (时空伴随) cost vs population, counted in DynamoDB requests.

The claim under test (``chalicelib/venues/service.py``, ``ExposureService``):
a confirmed case's contacts are found through key indexes only (the case's
check-ins by person, then each visit's ``venue × hour`` buckets), so the cost
grows with the case's visits and their co-visitors, never with the population.

For each population (10,000, then 100,000) a fresh moto world is built as
``bench/recolour.py`` builds its own (records stored straight into moto's
tables, ``_DirectWrites``; moto handed only the items a key names,
``_KeyedMotoReads``, checked against moto as shipped): per person one
check-in at one of ``VENUES`` venues, at a random time of the last 13 days
outside the café's window. Exactly ``CO_VISITORS`` people checked in at the
café within 90 minutes of the case's visit; ``LATE_VISITORS`` came there
three hours after it (outside the 2-hour window), as decoys.

Then, counted (every pynamodb request, by operation, table and index):

- ``exposure_requests_*``: ``container.exposure.confirm(case)``: the case's
  check-ins, the buckets around the visit, the exposures written. The
  recolour queue is a recorder here (each contact's recolour is the recolour
  bench's subject: one person's facts, whatever the population);
- ``checkin_scan_requests_*``: the pages of a full scan of the check-ins table,
  the scan-based way to find who was at the café: informational, it grows.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

SMALL = 10_000
LARGE = 100_000
FALLBACK = 50_000
CO_VISITORS = 20
LATE_VISITORS = 5
VENUES = 500
BUILD_BUDGET_S = 240.0
SEED = 20261202
CAFE = "610113-cafe0001"


def _log(message: str) -> None:
    print(f"[exposure] {message}", file=sys.stderr, flush=True)


def _label(population: int) -> str:
    return f"{population // 1000}k"


class _Recorder:
    """Stands in for the recolour queue: what the exposure hands on, not its cost."""

    def __init__(self) -> None:
        self.people: list[str] = []

    def submit(self, person_ids: list[str], *, reason: str) -> dict[str, int]:
        self.people.extend(person_ids)
        return {"people": len(person_ids)}

    def submit_ids(self, id_hashes: list[str], *, reason: str) -> dict[str, int]:
        return {"ids": len(id_hashes)}


def _record(person: str, venue: str, at: Any, expires: Any) -> Any:
    from chalicelib.kernel.times import local_day
    from chalicelib.venues.rules import hour_bucket
    from chalicelib.venues.store import CheckinRecord

    text = at.isoformat()
    return CheckinRecord(
        person,
        f"{text}#c_{person}",
        checkin_id=f"c_{person}",
        owner_user_id="u_" + person,
        venue_id=venue,
        venue_name="咖啡馆" if venue == CAFE else "某场所",
        region_code=venue[:6],
        venue_hour=f"{venue}#{hour_bucket(at)}",
        region_day=f"{venue[:6]}#{local_day(at).isoformat()}",
        at_person=f"{text}#{person}",
        at=at,
        colour="green",
        expires=expires,
    )


def _populate(population: int, visit: Any, now: Any) -> dict[str, Any]:
    from recolour import _DirectWrites

    rng = random.Random(SEED)
    direct = _DirectWrites()
    keep = timedelta(days=15)
    venues = [f"6101{13 + i % 3:02d}-{i:08x}" for i in range(VENUES)]
    co, late = set(), set()
    direct.save(_record("p_case", CAFE, visit, now + keep))
    for i in range(population):
        person = f"p_bench{i:07d}"
        if i < CO_VISITORS:
            at = visit + timedelta(minutes=rng.randint(-90, 90))
            venue = CAFE
            co.add(person)
        elif i < CO_VISITORS + LATE_VISITORS:
            at = visit + timedelta(hours=3, minutes=rng.randint(0, 30))
            venue = CAFE
            late.add(person)
        else:
            venue = rng.choice(venues)
            at = now - timedelta(minutes=rng.randint(60, 13 * 24 * 60))
        direct.save(_record(person, venue, at, at + keep))
        if (i + 1) % 20_000 == 0:
            _log(f"  {i + 1:,} / {population:,} check-ins written")
    return {"co": co, "late": late}


def _measure(population: int) -> dict[str, Any]:
    from codes_world import ENV, NOW, _fake_aws, _stdout_to_devnull
    from recolour import _breakdown, _counting, _fast_setup, _KeyedMotoReads

    with _fake_aws(), _stdout_to_devnull(), _KeyedMotoReads() as reads:
        from chalicelib import bootstrap, cli
        from chalicelib.kernel.settings import Settings
        from chalicelib.venues.store import CheckinRecord

        settings = Settings.from_mapping(ENV)
        cli.create_tables(settings)
        cli.init_secrets(settings)
        cli.ensure_kms_key(settings)
        container = bootstrap.build(settings, clock=lambda: NOW)
        recorder = _Recorder()
        container.exposure.queue = lambda: recorder
        visit = NOW - timedelta(days=1)

        _log(f"population {population:,}: writing")
        started = time.perf_counter()
        with _fast_setup():
            world = _populate(population, visit, NOW)
        build_s = time.perf_counter() - started

        started = time.perf_counter()
        with _counting() as calls:
            found = container.exposure.confirm("p_case")
        confirm_s = time.perf_counter() - started
        contacts = {c.person_id for c in found}
        assert contacts == world["co"], (len(contacts), len(world["co"]))
        assert sorted(set(recorder.people)) == sorted(world["co"])
        _log(f"population {population:,}: confirm made {len(calls)} requests")

        # moto as shipped must answer the bucket reads alike
        probe = f"{CAFE}#{(visit).strftime('%Y-%m-%dT%H')}"
        answers = []
        for enabled in (True, False):
            reads.enabled = enabled
            try:
                answers.append(
                    sorted(r.person_id for r in CheckinRecord.by_venue_hour.query(probe))
                )
            finally:
                reads.enabled = True
        assert answers[0] == answers[1], answers

        started = time.perf_counter()
        with _counting() as scan_calls:
            result = CheckinRecord.scan(CheckinRecord.venue_id == CAFE)
            at_cafe = {r.person_id for r in result}
        scan_s = time.perf_counter() - started
        assert at_cafe == world["co"] | world["late"] | {"p_case"}
        prefix = settings.table_prefix
    return {
        "population": population,
        "build_s": build_s,
        "requests": len(calls),
        "breakdown": _breakdown(calls, prefix),
        "contacts": len(contacts),
        "confirm_s": confirm_s,
        "scan_pages": len(scan_calls),
        "scan_s": scan_s,
    }


def run() -> list[dict[str, Any]]:
    small = _measure(SMALL)
    large_population, note = LARGE, None
    projected = small["build_s"] * LARGE / SMALL
    if projected > BUILD_BUDGET_S:
        large_population = FALLBACK
        note = (
            f"{LARGE:,} would take about {projected:.0f} s to build in moto "
            f"(over {BUILD_BUDGET_S:.0f} s): measured at {FALLBACK:,} instead"
        )
        _log(note)
    large = _measure(large_population)
    s, b = _label(SMALL), _label(large_population)

    def detail(m: dict[str, Any]) -> dict[str, Any]:
        out = {
            "population": m["population"],
            "contacts_found": m["contacts"],
            "requests_by_operation": m["breakdown"],
            "confirm_s_moto": round(m["confirm_s"], 3),
            "build_s": round(m["build_s"], 1),
        }
        if note and m is large:
            out["note"] = note
        return out

    return [
        {
            "name": f"exposure_requests_{s}",
            "value": small["requests"],
            "unit": "requests",
            "goal": "informational",
            "detail": detail(small),
        },
        {
            "name": f"exposure_requests_{b}",
            "value": large["requests"],
            "unit": "requests",
            "goal": "informational",
            "detail": detail(large),
        },
        {
            "name": "exposure_requests_ratio",
            "value": round(large["requests"] / small["requests"], 3),
            "unit": "ratio",
            "goal": "<= 1.0",
            "detail": {"small": SMALL, "large": large_population, "co_visitors": CO_VISITORS},
        },
        {
            "name": f"exposure_contacts_{b}",
            "value": large["contacts"],
            "unit": "people",
            "goal": f"== {CO_VISITORS}",
        },
        {
            "name": f"checkin_scan_requests_{s}",
            "value": small["scan_pages"],
            "unit": "requests",
            "goal": "informational",
            "detail": {"is": "pages of a full scan of the check-ins table for the café"},
        },
        {
            "name": f"checkin_scan_requests_{b}",
            "value": large["scan_pages"],
            "unit": "requests",
            "goal": "informational",
            "detail": {"is": "pages of a full scan of the check-ins table for the café"},
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
