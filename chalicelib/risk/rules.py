"""Risk-area feeds: both published shapes into one normalised snapshot, and the diff.

For clients, docs/risk-feeds.md has both shapes in full; the push's JSON Schema
(contract.RISK_FEED) is held to this parser by tests/app/test_risk_feed_schema.py.

Our own shape (SPEC section 5)::

    {"feed_id": "2026-11-20T10", "published_at": "2026-11-20T10:00:00+08:00",
     "areas": [{"region_code": "610113", "area": "电子城街道", "level": "high",
                "since": "2026-11-18T00:00:00+08:00"}]}

The national risk-level query's shape (2022)::

    {"code": 0, "data": {"end_update_time": "2022-04-20 12时",
      "highlist": [{"province": "上海市", "city": "上海市", "county": "浦东新区",
                    "area_name": "上海市 浦东新区 …", "communitys": ["…"]}],
      "middlelist": [...], "lowlist": [...]}}

National rows name places, not codes; names resolve through the offline
division dataset (:meth:`DivisionIndex.locate`). Where a level does not exist the
list shifts the others up: a municipality's district in ``city`` and a street in
``county`` (``北京市 朝阳区 酒仙桥街道`` → 110105), a county-level city under its
province (``湖北省 仙桃市`` or ``省直辖县级行政单位 仙桃市`` → 429004), ``市辖区``
for the level that is missing, a city without counties and its towns (``东莞市
虎门镇`` → 441900). The street or town then names the area when the row has no
``communitys``. Development zones (``西安高新技术产业开发区``) are not divisions,
and the dataset does not say which district administers their streets: a row that
does not resolve is kept in ``unresolved``, counted and reported, never dropped.
The national list has no ``since``: an area keeps the ``since`` it had in the
previous snapshot, or takes the snapshot's publication time when it is new.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.colours.model import RiskArea
from chalicelib.itinerary.rules import parse_time
from chalicelib.kernel.divisions import DivisionIndex
from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.text import strip_refused
from chalicelib.kernel.times import SHANGHAI

LEVELS = ("high", "medium", "low")
# The levels whose areas change a colour (SPEC section 3): a stay or a scan in a low-risk
# area changes nothing.
COLOURING_LEVELS = ("high", "medium")
_NATIONAL_LISTS = {"highlist": "high", "middlelist": "medium", "lowlist": "low"}
_STAMP_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{1,2})时$")
# Published as the pattern of feed_id in the push's JSON Schema (contract.OUR_RISK_FEED).
FEED_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
_FEED_ID_RE = re.compile(FEED_ID_PATTERN)
# One snapshot is one DynamoDB item (400 KB at most): the rows of a feed are capped, and
# so is every text kept from a row. 3,000 rows of typical names fit several times over;
# the store still checks the real size (risk_repo) and answers 413 past it.
MAX_ROWS = 3000
MAX_TEXT = 200


@dataclass(frozen=True)
class Unresolved:
    level: str
    province: str
    city: str
    county: str
    area: str


@dataclass(frozen=True)
class Snapshot:
    feed_id: str
    published_at: datetime
    areas: tuple[RiskArea, ...]
    unresolved: tuple[Unresolved, ...] = ()
    source: str = "yima"


@dataclass(frozen=True)
class Diff:
    raised: tuple[RiskArea, ...] = ()  # new, or a higher level than before
    lowered: tuple[RiskArea, ...] = ()  # still listed, at a lower level
    lifted: tuple[RiskArea, ...] = ()  # no longer listed
    unchanged: int = 0
    changed_regions: frozenset[str] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.raised or self.lowered or self.lifted)


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    return strip_refused(value).strip() if isinstance(value, str) else ""


def parse_feed(
    document: Any,
    *,
    divisions: DivisionIndex,
    previous: Snapshot | None = None,
    now: datetime | None = None,
) -> Snapshot:
    """Either shape → Snapshot; InvalidInput names the bad field.

    A snapshot published in the future (beyond an hour of clock skew) is refused: once
    active it would make every real snapshot look older and stop all updates.
    """
    if not isinstance(document, dict):
        raise InvalidInput("a risk feed is a JSON object", field="body")
    if "data" in document and isinstance(document.get("data"), dict):
        snapshot = _national(document, divisions=divisions, previous=previous)
        stamp_field = "data.end_update_time"
    else:
        snapshot = _ours(document, divisions=divisions)
        stamp_field = "published_at"
    if now is not None and snapshot.published_at > now + timedelta(hours=1):
        raise InvalidInput("the snapshot is published in the future", field=stamp_field)
    return snapshot


def _ours(document: Mapping[str, Any], *, divisions: DivisionIndex) -> Snapshot:
    feed_id = document.get("feed_id")
    if not isinstance(feed_id, str) or not _FEED_ID_RE.fullmatch(feed_id):
        raise InvalidInput("feed_id: letters, digits and _ . : - (1 to 64)", field="feed_id")
    published = parse_time(document.get("published_at"), field="published_at")
    rows = document.get("areas")
    if not isinstance(rows, list):
        raise InvalidInput("areas must be a list", field="areas")
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"areas may have at most {MAX_ROWS} items", field="areas")
    areas = []
    for index, row in enumerate(rows):
        where = f"areas[{index}]"
        if not isinstance(row, dict):
            raise InvalidInput("each area is an object", field=where)
        level = row.get("level")
        if level not in LEVELS:
            raise InvalidInput("level must be high, medium or low", field=f"{where}.level")
        code = divisions.parse_region(row.get("region_code"), field=f"{where}.region_code")
        since = parse_time(row.get("since"), field=f"{where}.since")
        if since > published:
            raise InvalidInput("since is after the feed was published", field=f"{where}.since")
        areas.append(
            RiskArea(
                region_code=code, level=str(level), since=since, area=_text(row, "area")[:MAX_TEXT]
            )
        )
    return Snapshot(feed_id=feed_id, published_at=published, areas=_dedupe(areas))


def national_stamp(raw: object) -> datetime:
    """``"2022-04-20 12时"`` → 2022-04-20T12:00+08:00 (the list is stamped to the hour)."""
    match = _STAMP_RE.match(raw.strip()) if isinstance(raw, str) else None
    if not match:
        raise InvalidInput(
            'end_update_time must read like "2022-04-20 12时"', field="data.end_update_time"
        )
    year, month, day, hour = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, hour, tzinfo=SHANGHAI)
    except ValueError:
        raise InvalidInput(
            "end_update_time is not a real date and hour", field="data.end_update_time"
        ) from None


def _national(
    document: Mapping[str, Any], *, divisions: DivisionIndex, previous: Snapshot | None
) -> Snapshot:
    if document.get("code", 0) not in (0, "0"):
        raise InvalidInput("the national feed reports an error code", field="code")
    data = document["data"]
    published = national_stamp(data.get("end_update_time"))
    earlier = (
        {(a.region_code, a.area, a.level): a.since for a in previous.areas} if (previous) else {}
    )
    areas, unresolved = [], []
    total = 0
    for list_name in _NATIONAL_LISTS:  # counted before any row is resolved (the costly part)
        rows = data.get(list_name) or []
        if not isinstance(rows, list):
            raise InvalidInput(f"{list_name} must be a list", field=f"data.{list_name}")
        total += len(rows)
        if total > MAX_ROWS:
            raise InvalidInput(
                f"the lists may have at most {MAX_ROWS} rows together", field=f"data.{list_name}"
            )
    for list_name, level in _NATIONAL_LISTS.items():
        rows = data.get(list_name) or []
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                raise InvalidInput("each row is an object", field=f"data.{list_name}[{index}]")
            province, city, county = (
                _text(row, "province")[:MAX_TEXT],
                _text(row, "city")[:MAX_TEXT],
                _text(row, "county")[:MAX_TEXT],
            )
            communities = row.get("communitys") or []
            if not isinstance(communities, list):
                raise InvalidInput(
                    "communitys must be a list", field=f"data.{list_name}[{index}].communitys"
                )
            names = [
                n
                for n in (strip_refused(c).strip() for c in communities if isinstance(c, str))
                if n
            ]
            label = "、".join(names) or _text(row, "area_name")
            placement = divisions.locate(province, city, county)
            if placement is None:
                unresolved.append(
                    Unresolved(
                        level=level,
                        province=province,
                        city=city,
                        county=county,
                        area=label[:MAX_TEXT],
                    )
                )
                continue
            code, label = placement.code, label or placement.within
            since = earlier.get((code, label[:MAX_TEXT], level), published)
            areas.append(
                RiskArea(region_code=code, level=level, since=since, area=label[:MAX_TEXT])
            )
    stamp = published.strftime("%Y-%m-%dT%H")
    return Snapshot(
        feed_id=f"national-{stamp}",
        published_at=published,
        areas=_dedupe(areas),
        unresolved=tuple(unresolved),
        source="national",
    )


def _dedupe(areas: Iterable[RiskArea]) -> tuple[RiskArea, ...]:
    """One entry per (region, area, level): the earliest ``since`` wins."""
    best: dict[tuple[str, str, str], RiskArea] = {}
    for area in areas:
        key = (area.region_code, area.area, area.level)
        if key not in best or area.since < best[key].since:
            best[key] = area
    return tuple(sorted(best.values(), key=lambda a: (a.region_code, a.area, a.level)))


def region_levels(areas: Iterable[RiskArea]) -> dict[str, str]:
    """The highest level per county code."""
    rank = {"low": 0, "medium": 1, "high": 2}
    levels: dict[str, str] = {}
    for area in areas:
        current = levels.get(area.region_code)
        if current is None or rank[area.level] > rank[current]:
            levels[area.region_code] = area.level
    return levels


def diff(old: Sequence[RiskArea], new: Sequence[RiskArea]) -> Diff:
    """What changed between two snapshots, area by area (region + area name)."""
    rank = {"low": 0, "medium": 1, "high": 2}
    before = {(a.region_code, a.area): a for a in old}
    after = {(a.region_code, a.area): a for a in new}
    raised, lowered, lifted, unchanged = [], [], [], 0
    for key, area in after.items():
        prior = before.get(key)
        if prior is None or rank[area.level] > rank[prior.level]:
            raised.append(area)
        elif rank[area.level] < rank[prior.level]:
            lowered.append(area)
        else:
            unchanged += 1
    lifted = [area for key, area in before.items() if key not in after]
    regions = frozenset(a.region_code for a in (*raised, *lowered, *lifted))
    return Diff(
        raised=tuple(raised),
        lowered=tuple(lowered),
        lifted=tuple(lifted),
        unchanged=unchanged,
        changed_regions=regions,
    )


def lifts_too_much(old: Sequence[RiskArea], new: Sequence[RiskArea]) -> bool:
    """More than half of the active medium/high areas lifted at once (an empty feed too):
    such a snapshot is held until an official confirms it."""
    watched = [a for a in old if a.level in COLOURING_LEVELS]
    if not watched:
        return False
    remaining = {(a.region_code, a.area) for a in new}
    lifted = sum(1 for a in watched if (a.region_code, a.area) not in remaining)
    return lifted * 2 > len(watched)


# Why a snapshot is held, as the held list says it, and as the audit entry words it.
HOLD_REASONS = {
    "older_than_active": "older than the active snapshot",
    "lifts_too_much": "lifts more than half of the active areas",
}


@dataclass(frozen=True)
class HeldSnapshot:
    """A snapshot that waits for an official, as stored, with why it was held then."""

    snapshot: Snapshot
    stored_at: datetime
    why: str  # a key of HOLD_REASONS


def hold_review(held: HeldSnapshot, active: Snapshot | None) -> dict[str, Any]:
    """What an official weighs before confirming ``held``: why it was held (when it was
    stored: the active snapshot may have changed since), and what confirming it now
    would do to the active snapshot's areas."""
    old = active.areas if active is not None else ()
    change = diff(old, held.snapshot.areas)
    return {
        "why": held.why,
        "active_feed_id": active.feed_id if active is not None else None,
        "would_raise": len(change.raised),
        "would_lower": len(change.lowered),
        "would_lift": len(change.lifted),
    }
