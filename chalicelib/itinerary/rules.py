"""The itinerary card (行程卡) and the carrier feed rows it is built from.

The card lists, for the last ``window_days`` (14):

- the domestic cities where the phone's stays add up to *more than*
  ``min_stay_hours`` (4), counting only the part of each stay inside the
  window, and counting overlapping stays (the same hours sent in two
  batches) once;
- the countries and regions outside the mainland with any stay in the window;

most recent first. A city is starred when it currently has a medium or
high risk area. The card reminds; it assigns no colour of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.colours.model import RiskArea, Stay
from chalicelib.colours.rules import city_of, merged_duration
from chalicelib.kernel.divisions import DivisionIndex
from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.phone import parse_mobile
from chalicelib.kernel.times import days_after, local_day

FUTURE_SKEW = timedelta(minutes=5)
MAX_STAY = timedelta(days=31)  # longer "stays" are carrier errors, and would index every day


@dataclass(frozen=True)
class CardPolicy:
    window_days: int = 14
    min_stay_hours: float = 4.0


@dataclass(frozen=True)
class CarrierStay:
    """A validated carrier row: the phone is still plain here, hashed before storage."""

    phone: str
    kind: str
    place: str
    entered_at: datetime
    left_at: datetime


@dataclass(frozen=True)
class CardCity:
    region_code: str
    hours: float
    last_seen: datetime
    starred: bool


@dataclass(frozen=True)
class CardCountry:
    code: str
    last_seen: datetime


@dataclass(frozen=True)
class Card:
    cities: tuple[CardCity, ...]
    countries: tuple[CardCountry, ...]


# --- parsing a carrier batch ---------------------------------------------------------


def parse_time(raw: object, *, field: str) -> datetime:
    """ISO 8601 with an explicit offset; naive times are refused (whose clock?)."""
    if not isinstance(raw, str) or not raw:
        raise InvalidInput("must be an ISO 8601 time with an offset", field=field)
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if value.tzinfo is not None:
            value.astimezone(UTC)  # year 1 at +14:00 overflows here, not later
    except (ValueError, OverflowError):
        raise InvalidInput("must be an ISO 8601 time with an offset", field=field) from None
    if value.tzinfo is None:
        raise InvalidInput("the time needs an offset such as +08:00", field=field)
    if not 2000 <= value.year <= 2100:
        raise InvalidInput("the time is outside 2000..2100", field=field)
    return value


def parse_stays(
    rows: Sequence[dict[str, Any]],
    *,
    divisions: DivisionIndex,
    is_country: Callable[[str], bool],
    now: datetime,
    policy: CardPolicy,
) -> list[CarrierStay]:
    """Every row checked; the first bad one raises InvalidInput naming ``stays[i].field``."""
    oldest = days_after(now, -policy.window_days)
    parsed = []
    for index, row in enumerate(rows):
        where = f"stays[{index}]"
        if not isinstance(row, dict):  # the API's schema checks this; a file loaded by the CLI not
            raise InvalidInput("each stay is an object", field=where)
        phone = parse_mobile(row.get("phone"), field=f"{where}.phone")
        kind = row.get("kind")
        place = row.get("place")
        if kind == "city":
            place = divisions.parse_region(place, field=f"{where}.place", city_only=True)
        elif kind == "country":
            if not isinstance(place, str) or not is_country(place):
                raise InvalidInput(
                    "not an ISO 3166-1 alpha-2 country code",
                    field=f"{where}.place",
                    code="unknown_country",
                )
        else:
            raise InvalidInput("kind must be city or country", field=f"{where}.kind")
        entered = parse_time(row.get("entered_at"), field=f"{where}.entered_at")
        left = parse_time(row.get("left_at"), field=f"{where}.left_at")
        if not entered < left:
            raise InvalidInput("left_at must be after entered_at", field=f"{where}.left_at")
        if left - entered > MAX_STAY:
            raise InvalidInput(
                "a stay may last at most 31 days; split longer ones",
                field=f"{where}.entered_at",
                code="stay_too_long",
            )
        if left > now + FUTURE_SKEW:
            raise InvalidInput("left_at is in the future", field=f"{where}.left_at")
        if left < oldest:
            raise InvalidInput(
                f"the stay ended more than {policy.window_days} days ago",
                field=f"{where}.left_at",
                code="stay_too_old",
            )
        parsed.append(
            CarrierStay(
                phone=phone,
                kind=str(kind),
                place=str(place).upper() if kind == "country" else str(place),
                entered_at=entered,
                left_at=left,
            )
        )
    return parsed


def local_days(stay: Stay | CarrierStay) -> list[str]:
    """The Asia/Shanghai calendar days a stay touches (for the place-day index)."""
    first = days_after(stay.entered_at, 0)
    days = []
    moment = first
    while moment < stay.left_at:
        days.append(local_day(moment).isoformat())
        moment += timedelta(days=1)
    return days


# --- the card ---------------------------------------------------------------------


def build_card(
    stays: Iterable[Stay],
    *,
    as_of: datetime,
    policy: CardPolicy,
    risk_areas: Iterable[RiskArea] = (),
) -> Card:
    start = days_after(as_of, -policy.window_days)
    by_city: dict[str, list[tuple[datetime, datetime]]] = {}
    countries: dict[str, datetime] = {}
    for stay in stays:
        lo, hi = max(stay.entered_at, start), min(stay.left_at, as_of)
        if lo >= hi:
            continue
        if stay.kind == "city":
            by_city.setdefault(stay.place, []).append((lo, hi))
        elif stay.kind == "country" and stay.place != "CN":
            countries[stay.place] = max(hi, countries.get(stay.place, hi))
    risky = {city_of(a.region_code) for a in risk_areas if a.level in ("high", "medium")}
    threshold = timedelta(hours=policy.min_stay_hours)
    cities = []
    for city, intervals in by_city.items():
        total = merged_duration(intervals)
        if total > threshold:
            cities.append(
                CardCity(
                    region_code=city,
                    hours=round(total.total_seconds() / 3600, 2),
                    last_seen=max(hi for _, hi in intervals),
                    starred=city in risky,
                )
            )
    cities.sort(key=lambda c: (c.last_seen, c.region_code), reverse=True)
    ordered = sorted(countries.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
    return Card(
        cities=tuple(cities), countries=tuple(CardCountry(code=c, last_seen=t) for c, t in ordered)
    )


def stars_a_city(
    stays: Iterable[Stay],
    *,
    as_of: datetime,
    risk_areas: Iterable[RiskArea],
    window_days: int,
    min_stay_hours: float,
) -> bool:
    """Whether the card of these stays stars a city: what a stored colour keeps for the
    checkpoint, so a scan reads nothing more."""
    card = build_card(
        stays,
        as_of=as_of,
        risk_areas=risk_areas,
        policy=CardPolicy(window_days=window_days, min_stay_hours=min_stay_hours),
    )
    return any(city.starred for city in card.cities)
