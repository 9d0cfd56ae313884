"""Recolouring cost vs population: one risk change, counted in DynamoDB requests.

The claim under test (``chalicelib/risk/service.py``): the people a risk
change affects are found through key indexes only, so the cost of a change
grows with the people affected, never with the population.

For each population (10,000, then 100,000) a fresh moto world is built like
``bench/carrier.py`` and filled directly (pynamodb records stored with moto's
own ``put_item``, see ``_DirectWrites`` and ``_fast_setup`` in
``bench/recolour_moto.py``; not the HTTP API): per person a user (with a phone
hash), the person (its own ``self_person_id``, the field ciphertexts of the
right size), a green colour, an approved declaration, one stay and its
``place_days`` index item. Exactly ``AFFECTED`` people touch the changed place:
half live in district 610113, half stayed six hours in its city 610100;
everybody else lives in and stayed in districts and cities outside 6101xx.

Then, counted (every pynamodb request, by operation, table and index):

- ``recolour_requests_*``: one official push that raises 610113 to high,
  ``container.risk.push``, including the recolouring, which the ``test``
  stage's inline queue does in-process;
- ``full_scan_requests_*``: the pages of a full scan of the people table,
  run as the scan-based way to find the residents of 610113 (a filter on
  ``residence_region``: DynamoDB pages and bills by the whole items read,
  before the filter, so these are the pages of ``PersonRecord.scan()``).
  It is the least a scan-based refresh would read, before the stayers and
  anyone's facts.

The request counts are the figures. moto sorts the whole table on every
Query and Scan page (the push alone took 9 minutes at 100,000 people), so
reads go through ``_KeyedMotoReads``, which hands moto only the items the
key names and is checked against moto as shipped in each world. The times
left in ``detail`` (one sort per queried table) are for orientation only and
say nothing about DynamoDB.

If the first population's build projects the large one past
``BUILD_BUDGET_S``, the large one is 50,000 instead, and the rows say so.
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from recolour_moto import _breakdown, _counting, _DirectWrites, _fast_setup, _KeyedMotoReads

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


SMALL = 10_000
LARGE = 100_000
FALLBACK = 50_000
AFFECTED = 100
CHANGED = "610113"  # 西安市 雁塔区
CHANGED_CITY = "610100"
BUILD_BUDGET_S = 240.0
SEED = 20261128


def _log(message: str) -> None:
    print(f"[recolour] {message}", file=sys.stderr, flush=True)


def _label(population: int) -> str:
    return f"{population // 1000}k"


def _check_fast_path(reads: _KeyedMotoReads, world: dict[str, Any]) -> int:
    """The reads the push and the scan make, once through the fast path and once through
    moto as shipped: they must answer the same. Returns how many were compared."""
    from chalicelib.declarations.store import DeclarationRecord
    from chalicelib.identity.store import UserRecord
    from chalicelib.itinerary.store import PlaceDayRecord, StayRecord
    from chalicelib.people.store import PersonRecord

    person, phone, place_day = world["probe"]
    probes: list[Callable[[], Any]] = [
        lambda: DeclarationRecord.by_person.query(person, scan_index_forward=False, limit=25),
        lambda: UserRecord.by_phone.query(phone),
        lambda: PersonRecord.by_residence.query(CHANGED),
        lambda: StayRecord.query(phone),
        lambda: PlaceDayRecord.query(place_day),
        lambda: PersonRecord.scan(limit=5, last_evaluated_key={"person_id": {"S": person}}),
    ]
    for probe in probes:
        answers = []
        for enabled in (True, False):
            reads.enabled = enabled
            try:
                answers.append([r.serialize(null_check=False) for r in probe()])
            finally:
                reads.enabled = True
        assert answers[0] == answers[1] and answers[0], probe
    return len(probes)


def _places() -> tuple[list[str], list[str]]:
    """Real district codes and city codes in force, none of them in 6101xx."""
    from chalicelib.kernel.reference_data import divisions

    index = divisions()
    codes = sorted(index._divisions)  # the bench only needs the list of codes
    districts, cities = [], []
    for code in codes:
        division = index.get(code)
        if division is None or division.is_province or code.startswith("6101"):
            continue
        (cities if division.is_city else districts).append(code)
    assert CHANGED not in districts and CHANGED_CITY not in cities
    return districts, cities


def _populate(population: int, samples: dict[str, str]) -> dict[str, Any]:
    """Write the population (``_DirectWrites``); return the affected people and counts."""
    from codes_world import NOW

    from chalicelib.colours.store import ColourRecord
    from chalicelib.colours.table import Policy
    from chalicelib.declarations.store import DeclarationRecord
    from chalicelib.identity.store import UserRecord
    from chalicelib.itinerary.store import PlaceDayRecord, StayRecord
    from chalicelib.kernel.times import local_day, local_midnight
    from chalicelib.people.rules import self_person_id
    from chalicelib.people.store import PersonRecord

    rng = random.Random(SEED)
    districts, cities = _places()
    today = local_day(NOW)
    retention = timedelta(days=Policy().window_days + 1)
    step = population // AFFECTED
    residents, stayers = set(), set()
    probe: tuple[str, str, str] | None = None
    items = 0
    direct = _DirectWrites()
    users = people = colours = declarations = stays = place_days = direct
    if True:  # the block of the batch writes this replaced; kept for a small diff
        for i in range(population):
            user_id = f"u_bench{i:07d}"
            person_id = self_person_id(user_id)
            digest = hashlib.sha256(f"bench:{i}".encode()).hexdigest()
            phone_hash = hashlib.sha256(f"phone:{i}".encode()).hexdigest()
            residence, city = rng.choice(districts), rng.choice(cities)
            if i % step == 0 and len(residents) + len(stayers) < AFFECTED:
                if len(residents) <= len(stayers):
                    residence = CHANGED
                    residents.add(person_id)
                else:
                    city = CHANGED_CITY
                    stayers.add(person_id)
            day = today - timedelta(days=rng.randint(1, 13))
            if city == CHANGED_CITY and probe is None:
                probe = (person_id, phone_hash, f"{city}#{day.isoformat()}")
            entered = local_midnight(day) + timedelta(hours=8)
            left = entered + timedelta(hours=6)
            created = NOW - timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 1439))
            users.save(
                UserRecord(
                    user_id,
                    phone_hash=phone_hash,
                    phone_enc=samples["phone"],
                    phone_masked="138****5678",
                    channels=["dev"],
                    created_at=created,
                )
            )
            people.save(
                PersonRecord(
                    person_id,
                    owner_user_id=user_id,
                    relation="self",
                    holder_id=digest[:16],
                    id_hash=digest,
                    id_enc=samples["id_number"],
                    id_masked="6101**********1234",
                    name_enc=samples["name"],
                    name_masked="张*三",
                    residence_region=residence,
                    address_enc=samples["address"],
                    created_at=created,
                    updated_at=created,
                    version=1,
                )
            )
            colours.save(
                ColourRecord(
                    person_id,
                    holder_id=digest[:16],
                    name_masked="张*三",
                    id_masked="6101**********1234",
                    owner_user_id=user_id,
                    itinerary_starred=False,
                    colour="green",
                    reasons=[],
                    valid_until=None,
                    computed_at=created,
                    policy_version=Policy().version,
                    feed_id=None,
                    version=1,
                )
            )
            declarations.save(
                DeclarationRecord(
                    f"d_bench{i:07d}",
                    person_id=person_id,
                    user_id=user_id,
                    status="approved",
                    payload_enc=samples["declaration"],
                    residence_region=residence,
                    review_reasons=[],
                    created_at=created,
                )
            )
            stays.save(
                StayRecord(
                    phone_hash,
                    f"{entered.isoformat()}#city#{city}",
                    place=city,
                    kind="city",
                    entered_at=entered,
                    left_at=left,
                    batch_id="bench",
                    received_at=created,
                    expires=left + retention,
                )
            )
            place_days.save(
                PlaceDayRecord(f"{city}#{day.isoformat()}", phone_hash, expires=left + retention)
            )
            items += 6
            if (i + 1) % 20_000 == 0:
                _log(f"  {i + 1:,} / {population:,} people written")
    assert len(residents) + len(stayers) == AFFECTED
    return {
        "affected": residents | stayers,
        "residents": residents,
        "items": items,
        "probe": probe,
    }


def _measure(population: int) -> dict[str, Any]:
    """A fresh moto world with ``population`` people: one push counted, one scan counted."""
    from codes_world import ENV, NOW, _fake_aws, _stdout_to_devnull

    with _fake_aws(), _stdout_to_devnull(), _KeyedMotoReads() as reads:
        from chalicelib import bootstrap, cli
        from chalicelib.colours.store import ColourRecord
        from chalicelib.kernel.roles import Role
        from chalicelib.kernel.session import SessionClaims
        from chalicelib.kernel.settings import Settings
        from chalicelib.people.store import PersonRecord

        settings = Settings.from_mapping(ENV)
        cli.create_tables(settings)
        cli.init_secrets(settings)
        cli.ensure_kms_key(settings)
        container = bootstrap.build(settings, clock=lambda: NOW)
        cipher = container.auth.cipher
        samples = {
            "phone": cipher.encrypt("13812345678", context="phone"),
            "id_number": cipher.encrypt("610113199001011234", context="id_number"),
            "name": cipher.encrypt("张小三", context="name"),
            "address": cipher.encrypt(
                "陕西省西安市某某区某某路 123 号 4 栋 5 单元 601", context="address"
            ),
            "declaration": cipher.encrypt(
                '{"name": "张小三", "id_number": "610113199001011234", "phone": '
                '"13812345678", "address": "陕西省西安市某某区某某路 123 号 4 栋 5 单元 601"}',
                context="declaration",
            ),
        }

        _log(f"population {population:,}: writing")
        started = time.perf_counter()
        with _fast_setup():
            world = _populate(population, samples)
        build_s = time.perf_counter() - started
        _log(f"population {population:,}: {world['items']:,} items in {build_s:.0f} s")

        official = SessionClaims(
            subject="official:bench",
            role=Role.OFFICIAL,
            audience=settings.audience,
            issued_at=NOW,
            expires_at=NOW,
        )
        snapshot = {
            "feed_id": f"bench-{_label(population)}",
            "published_at": "2026-11-20T10:00:00+08:00",
            "areas": [
                {
                    "region_code": CHANGED,
                    "area": "电子城街道",
                    "level": "high",
                    "since": "2026-11-06T00:00:00+08:00",
                }
            ],
        }
        started = time.perf_counter()
        with _counting() as push_calls:
            report = container.risk.push(official, snapshot)
        push_s = time.perf_counter() - started
        assert report["state"] == "active", report
        _log(
            f"population {population:,}: push made {len(push_calls)} requests, "
            f"recoloured {report['people_recoloured']} in {push_s:.1f} s"
        )

        # The scan-based way to find the residents: the same pages as an unfiltered scan
        # (DynamoDB reads, bills and pages by whole items, before the filter), but moto
        # serialises only the matches, which keeps the bench to minutes.
        started = time.perf_counter()
        with _counting() as scan_calls:
            result = PersonRecord.scan(PersonRecord.residence_region == CHANGED)
            found = {r.person_id for r in result}
        scan_s = time.perf_counter() - started
        scanned = result.page_iter.total_scanned_count
        assert scanned == population and found == world["residents"], (scanned, len(found))
        _log(f"population {population:,}: full scan {len(scan_calls)} pages in {scan_s:.1f} s")

        colours = Counter(ColourRecord.get(p).colour for p in world["affected"])
        started = time.perf_counter()
        checked = _check_fast_path(reads, world)
        _log(
            f"population {population:,}: {checked} reads answer alike with moto as shipped "
            f"({time.perf_counter() - started:.1f} s)"
        )
        prefix = settings.table_prefix
    return {
        "population": population,
        "build_s": build_s,
        "items": world["items"],
        "push_requests": len(push_calls),
        "push_breakdown": _breakdown(push_calls, prefix),
        "push_s": push_s,
        "recoloured": report["people_recoloured"],
        "failed": report.get("failed", 0),
        "affected_colours": dict(colours.most_common()),
        "scan_pages": len(scan_calls),
        "scan_items_read": scanned,
        "fast_path_reads_checked": checked,
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

    def push_detail(m: dict[str, Any]) -> dict[str, Any]:
        detail = {
            "population": m["population"],
            "people_recoloured": m["recoloured"],
            "failed": m["failed"],
            "affected_colours_after": m["affected_colours"],
            "requests_by_operation": m["push_breakdown"],
            "push_s_moto": round(m["push_s"], 2),
            "moto_reads_checked": m["fast_path_reads_checked"],
            "build_s": round(m["build_s"], 1),
            "items_written": m["items"],
        }
        if note and m is large:
            detail["note"] = note
        return detail

    def scan_detail(m: dict[str, Any]) -> dict[str, Any]:
        return {
            "population": m["population"],
            "items_read": m["scan_items_read"],
            "scan_s_moto": round(m["scan_s"], 2),
            "is": "pages of a full scan of the people table (1 MB of items each), done as "
            "the scan-based way to find the residents of 610113: the least a scan-based "
            "refresh reads; the stayers (a scan of place_days or stays) and each person's "
            "facts would come on top",
        }

    ratio_detail = {"small": SMALL, "large": large_population}
    if note:
        ratio_detail["note"] = note
    return [
        {
            "name": f"recolour_requests_{s}",
            "value": small["push_requests"],
            "unit": "requests",
            "goal": "informational",
            "detail": push_detail(small),
        },
        {
            "name": f"recolour_requests_{b}",
            "value": large["push_requests"],
            "unit": "requests",
            "goal": "informational",
            "detail": push_detail(large),
        },
        {
            "name": "recolour_requests_ratio",
            "value": round(large["push_requests"] / small["push_requests"], 3),
            "unit": "ratio",
            "goal": "<= 1.1",
            "detail": ratio_detail,
        },
        {
            "name": f"people_recoloured_{s}",
            "value": small["recoloured"],
            "unit": "people",
            "goal": f"== {AFFECTED}",
        },
        {
            "name": f"people_recoloured_{b}",
            "value": large["recoloured"],
            "unit": "people",
            "goal": f"== {AFFECTED}",
        },
        {
            "name": f"full_scan_requests_{s}",
            "value": small["scan_pages"],
            "unit": "requests",
            "goal": "informational",
            "detail": scan_detail(small),
        },
        {
            "name": f"full_scan_requests_{b}",
            "value": large["scan_pages"],
            "unit": "requests",
            "goal": "informational",
            "detail": scan_detail(large),
        },
        {
            "name": "full_scan_ratio",
            "value": round(large["scan_pages"] / small["scan_pages"], 2),
            "unit": "ratio",
            "goal": "informational: grows with population",
            "detail": ratio_detail,
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
