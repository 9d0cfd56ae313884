"""Venues (场所), check-ins, the co-location window (时空伴随) and vaccination rows.

Pure decisions only:

- what a venue registration must hold (``parse_venue``);
- which hour buckets of a venue a visit's window touches, and whether two
  visits are within the window of each other (``window_buckets``,
  ``co_located``): co-location is found through the ``venue × hour`` key,
  never by reading every check-in;
- a vaccinator's batch, row by row (``parse_vaccinations``), the way the lab
  feed checks its rows: a bad row names ``records[i].field`` and nothing is
  stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.itinerary.rules import FUTURE_SKEW, parse_time
from chalicelib.kernel.divisions import DivisionIndex
from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.geo import parse_coordinate
from chalicelib.kernel.text import one_line
from chalicelib.kernel.times import local_day
from chalicelib.labs.rules import SAMPLE_ID
from chalicelib.venues.token import inside

VENUE_KINDS = (
    "restaurant",
    "shop",
    "market",
    "office",
    "school",
    "hospital",
    "hotel",
    "transport",
    "residential",
    "public",
    "other",
)
MAX_NAME = 80
MAX_ADDRESS = 200
MAX_VACCINE = 64
MAX_SITE = 120
MAX_DOSE = 10
FIRST_VACCINATION = datetime(2020, 7, 1, tzinfo=UTC)  # emergency use began mid-2020
IdNumberParser = Callable[..., str]


@dataclass(frozen=True)
class VenueDetails:
    name: str
    address: str
    region_code: str
    lat: float
    lng: float
    kind: str


def parse_venue(body: dict[str, Any], *, divisions: DivisionIndex, region: str) -> VenueDetails:
    """A registration: a district or city in force inside our region, a place on earth."""
    code = divisions.parse_region(body.get("region_code"), field="region_code")
    if not inside(code, region):
        raise InvalidInput(
            f"{code} is outside this region ({region}): its own region registers it",
            field="region_code",
            code="foreign_region",
        )
    kind = body.get("kind")
    if kind not in VENUE_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(VENUE_KINDS)}", field="kind")
    return VenueDetails(
        name=one_line(body.get("name"), field="name", limit=MAX_NAME),
        address=one_line(body.get("address"), field="address", limit=MAX_ADDRESS),
        region_code=code,
        lat=parse_coordinate(body.get("lat"), field="lat", limit=90),
        lng=parse_coordinate(body.get("lng"), field="lng", limit=180),
        kind=str(kind),
    )


@dataclass(frozen=True)
class Venue:
    venue_id: str
    details: VenueDetails
    generation: int
    token: str  # the current generation's token: what the poster prints
    created_by: str
    created_at: datetime
    reissued_at: datetime | None = None


# --- check-ins and the co-location window --------------------------------------------


@dataclass(frozen=True)
class Checkin:
    checkin_id: str
    person_id: str
    owner_user_id: str  # the account that checked in (self or for a dependant)
    venue_id: str
    venue_name: str
    region_code: str
    at: datetime
    colour: str  # what the staff were shown


def hour_bucket(moment: datetime) -> str:
    """The UTC hour of a moment: ``2026-11-20T02``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H")


def window_buckets(at: datetime, window: timedelta) -> list[str]:
    """The hour buckets that hold every visit within ``window`` of ``at`` (both sides)."""
    start = (at - window).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    end = at + window
    buckets = []
    moment = start
    while moment <= end:
        buckets.append(hour_bucket(moment))
        moment += timedelta(hours=1)
    return buckets


def co_located(case_at: datetime, visit_at: datetime, window: timedelta) -> bool:
    """Two visits of one venue are co-located when at most ``window`` apart."""
    return abs(visit_at - case_at) <= window


@dataclass(frozen=True)
class Contact:
    """A co-visitor found for a case: their check-in, and the case's visit it was near."""

    person_id: str
    venue_id: str
    venue_name: str
    at: datetime  # the contact's own visit
    checkin_id: str


def contacts(
    case_person: str,
    case_visits: Iterable[Checkin],
    nearby: Callable[[str, str], Iterable[Checkin]],
    *,
    window: timedelta,
) -> list[Contact]:
    """Everyone within ``window`` of one of the case's visits, at the same venue.

    ``nearby(venue_id, bucket)`` reads one ``venue × hour`` bucket; each bucket is
    read once however many of the case's visits touch it. The case's own check-ins are
    skipped; anyone else there (a dependant of the case's account too) is a contact.
    """
    seen_buckets: dict[tuple[str, str], list[Checkin]] = {}
    found: dict[tuple[str, str], Contact] = {}
    for visit in case_visits:
        for bucket in window_buckets(visit.at, window):
            key = (visit.venue_id, bucket)
            if key not in seen_buckets:
                seen_buckets[key] = list(nearby(visit.venue_id, bucket))
            for other in seen_buckets[key]:
                if other.person_id == case_person or not co_located(visit.at, other.at, window):
                    continue
                found[(other.person_id, other.checkin_id)] = Contact(
                    person_id=other.person_id,
                    venue_id=other.venue_id,
                    venue_name=other.venue_name,
                    at=other.at,
                    checkin_id=other.checkin_id,
                )
    return sorted(found.values(), key=lambda c: (c.person_id, c.at))


# --- vaccination records ---------------------------------------------------------------


@dataclass(frozen=True)
class VaccinationRow:
    """A validated row; the ID number is still plain here and hashed before storage."""

    record_id: str
    id_number: str
    dose_number: int
    vaccine: str
    administered_at: datetime
    site: str


def parse_vaccinations(
    rows: Sequence[dict[str, Any]], *, parse_id_number: IdNumberParser, now: datetime
) -> list[VaccinationRow]:
    """Every row checked; the first bad one raises InvalidInput naming ``records[i].field``.
    A record listed twice must say the same thing both times (the copies collapse)."""
    today = local_day(now)
    parsed: dict[str, VaccinationRow] = {}
    for index, row in enumerate(rows):
        where = f"records[{index}]"
        record_id = row.get("record_id")
        if not isinstance(record_id, str) or not SAMPLE_ID.fullmatch(record_id):
            raise InvalidInput(
                "a record id is 1 to 64 letters, digits, '.', '_' or '-'",
                field=f"{where}.record_id",
            )
        number = parse_id_number(row.get("id_number"), today=today, field=f"{where}.id_number")
        dose = row.get("dose_number")
        if isinstance(dose, bool) or not isinstance(dose, int) or not 1 <= dose <= MAX_DOSE:
            raise InvalidInput(
                f"dose_number must be a whole number from 1 to {MAX_DOSE}",
                field=f"{where}.dose_number",
            )
        vaccine = one_line(row.get("vaccine"), field=f"{where}.vaccine", limit=MAX_VACCINE)
        site = one_line(row.get("site"), field=f"{where}.site", limit=MAX_SITE)
        given = parse_time(row.get("administered_at"), field=f"{where}.administered_at")
        if given > now + FUTURE_SKEW:
            raise InvalidInput("administered_at is in the future", field=f"{where}.administered_at")
        if given < FIRST_VACCINATION:
            raise InvalidInput(
                "administered_at is before any COVID-19 vaccine was given",
                field=f"{where}.administered_at",
                code="too_old",
            )
        item = VaccinationRow(
            record_id=record_id,
            id_number=number,
            dose_number=dose,
            vaccine=vaccine,
            administered_at=given,
            site=site,
        )
        earlier = parsed.get(record_id)
        if earlier is not None and earlier != item:
            raise InvalidInput(
                "this record appears earlier in the batch with other values",
                field=f"{where}.record_id",
                code="record_repeated",
            )
        parsed.setdefault(record_id, item)
    return list(parsed.values())


@dataclass(frozen=True)
class StoredVaccination:
    record_id: str
    id_hash: str
    dose_number: int
    vaccine: str
    site: str
    administered_at: datetime
    submitted_by: str  # the vaccinator client that first sent it: only it may correct it

    def same_as(self, id_hash: str, row: VaccinationRow) -> bool:
        return (self.id_hash, self.dose_number, self.vaccine, self.site, self.administered_at) == (
            id_hash,
            row.dose_number,
            row.vaccine,
            row.site,
            row.administered_at,
        )


# --- checkpoint assignments (issue 29; docs/venues.md) --------------------------------------

ASSIGNMENT_ID_PREFIX = "as_"


@dataclass(frozen=True)
class Assignment:
    """A checkpoint account posted at a registered venue by an official. ``region_code``
    is the venue's district as registered, copied here so that a scan reads its post and
    its district in one Query (a venue's district never changes)."""

    assignment_id: str
    user_id: str
    venue_id: str
    region_code: str
    assigned_by: str
    assigned_at: datetime


def operator_role(user_id: str, roles: Iterable[str]) -> str | None:
    """The role an operator-minted role token's subject names (``checkpoint:gate-north``,
    from ``cli issue-token``); such an account has no user record. None otherwise."""
    prefix, sep, name = user_id.partition(":")
    return prefix if sep and name and prefix in roles else None


def assignment_target(body: dict[str, Any]) -> str:
    """The venue of ``{user_id, venue_id}``; ``{user_id, site_id}`` (a sampler at a test
    site) arrives with mass testing (issue 31) and is refused naming ``site_id`` until then."""
    has_venue, has_site = "venue_id" in body, "site_id" in body
    if has_venue and has_site:
        raise InvalidInput("send venue_id or site_id, not both", field="site_id")
    if has_site:
        raise InvalidInput(
            "posting a sampler at a test site arrives with mass testing (issue 31); "
            "post checkpoint accounts at venues with venue_id",
            field="site_id",
            code="sampling_not_available",
        )
    if not has_venue:
        raise InvalidInput(
            "venue_id is required: the venue to post the account at", field="venue_id"
        )
    return str(body["venue_id"])
