"""What a colour is computed from and what it comes to: the facts about a person, the
reasons, the assessment and the stored colour. Value types only; the rules are in
``rules.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Colour(StrEnum):
    GREEN = "green"
    PENDING = "pending"
    YELLOW = "yellow"
    RED = "red"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Colour.GREEN: 0, Colour.PENDING: 1, Colour.YELLOW: 2, Colour.RED: 3}


# --- the facts ----------------------------------------------------------------


@dataclass(frozen=True)
class StatusMark:
    """An approved official mark. ``effective_at`` is the second official's approval."""

    status: str  # one of OFFICIAL_STATUSES
    effective_at: datetime
    contact_date: date | None = None
    category: str = ""  # the epidemic reason the officials gave (shown to the citizen)


@dataclass(frozen=True)
class DeclarationFacts:
    declared_at: datetime
    status: str  # approved | pending_review | rejected
    symptoms: tuple[str, ...] = ()
    contact_with_confirmed: bool = False
    abroad_14d: bool = False
    residence_region: str | None = None
    reviewed_at: datetime | None = None
    # A correction: the risk facts (WITHDRAWABLE) this declaration withdraws from the
    # person's earlier declarations; they stop colouring once it is approved.
    withdraws: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stay:
    kind: str  # city | country
    place: str  # division code of a city (6 digits ending 00) or ISO 3166-1 alpha-2
    entered_at: datetime
    left_at: datetime


@dataclass(frozen=True)
class VenueScan:
    region_code: str  # the county / district of the venue
    at: datetime


@dataclass(frozen=True)
class VenueExposure:
    """A co-location contact (时空伴随): this person checked in at ``venue_id`` at ``at``,
    within the policy's window of a confirmed case's visit there. ``case_ref`` is the
    case's pseudonymous key (lifting the case removes its exposures)."""

    venue_id: str
    venue_name: str
    at: datetime
    case_ref: str = ""


@dataclass(frozen=True)
class Vaccination:
    dose_number: int
    administered_at: datetime
    vaccine: str = ""


@dataclass(frozen=True)
class RiskArea:
    region_code: str  # county / district code
    level: str  # high | medium | low
    since: datetime
    area: str = ""


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest class

    sampled_at: datetime
    result: str  # negative | positive | invalid
    lab: str = ""


@dataclass(frozen=True)
class PartnerStatus:
    """A partner region's signed word about this person (mutual recognition, way (a)):
    its colour for them until ``valid_until``. Matched by the federation hash of the ID
    number; carries no name, phone or ID number."""

    region: str  # the partner's division code
    colour: Colour  # green | yellow | red
    valid_until: datetime
    attested_at: datetime
    reasons: tuple[str, ...] = ()  # the partner's own reason codes


@dataclass(frozen=True)
class Facts:
    marks: tuple[StatusMark, ...] = ()
    declaration: DeclarationFacts | None = None  # the latest: status and residence
    # Earlier declarations of the window, and any still pending: what a citizen declared
    # against themselves stays until its own end (a review, a test, 14 days), whatever
    # they declare next.
    earlier: tuple[DeclarationFacts, ...] = ()
    stays: tuple[Stay, ...] = ()
    scans: tuple[VenueScan, ...] = ()
    risk_areas: tuple[RiskArea, ...] = ()
    tests: tuple[TestResult, ...] = ()
    feed_id: str | None = None
    partner_statuses: tuple[PartnerStatus, ...] = ()
    exposures: tuple[VenueExposure, ...] = ()
    vaccinations: tuple[Vaccination, ...] = ()
    # When the person's declarations were made, all of them in the window: a new one
    # completes a ``report_itinerary`` action.
    declared_at: tuple[datetime, ...] = ()


# --- the result ----------------------------------------------------------------


@dataclass(frozen=True)
class RequiredAction:
    """A pop-up (弹窗): what the citizen must do, shown until it is done."""

    code: str  # a key of ACTIONS
    text_zh: str
    text_en: str
    done_by: str = field(default="", compare=False)  # one of DONE_BY


@dataclass(frozen=True)
class Reason:
    code: str
    colour: Colour
    text_zh: str
    text_en: str
    until: datetime | None  # None: until a person (official, reviewer) or an event acts
    since: datetime | None = None
    action: RequiredAction | None = None  # the pop-up, while it is not done
    ends: str = "official"  # how it ends when ``until`` is None (table.ENDS)
    rule: str = ""  # the rule's key in the table (``abroad_14d/declared``): which fired


@dataclass(frozen=True)
class Assessment:
    colour: Colour
    reasons: tuple[Reason, ...]
    valid_until: datetime | None
    policy_version: str
    feed_id: str | None
    as_of: datetime = field(compare=False)


@dataclass(frozen=True)
class StoredColour:
    """A person's stored assessment and the version it was written under."""

    person_id: str
    assessment: Assessment
    computed_at: datetime
    version: int | None
    holder_id: str | None = None
    name_masked: str | None = None
    id_masked: str | None = None
    owner_user_id: str | None = None
    itinerary_starred: bool | None = None
    latest_test: TestResult | None = None  # the newest sample's result, for the badge
    vaccination: VaccinationSummary | None = None  # doses and the last one's time


@dataclass(frozen=True)
class VaccinationSummary:
    doses: int
    last_at: datetime | None
