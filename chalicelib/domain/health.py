"""People, declarations, status marks, appeals and audit events, as the services see them.

Also the pure decisions around a declaration: which symptoms exist, and
whether the answers need a reviewer (a claimed contact, or answers the
itinerary contradicts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from chalicelib.domain.colour import (
    MARK_GROUNDS,
    OFFICIAL_STATUSES,
    Assessment,
    Stay,
    TestResult,
    days_after,
    is_outside_mainland,
)

if TYPE_CHECKING:
    from chalicelib.domain.venues import VaccinationSummary

SYMPTOMS = (
    "fever",
    "cough",
    "sore_throat",
    "fatigue",
    "loss_of_taste_or_smell",
    "shortness_of_breath",
    "diarrhoea",
)
MARK_STATUSES = OFFICIAL_STATUSES
MARK_CATEGORIES = tuple(MARK_GROUNDS)
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    cursor: str | None = None


@dataclass(frozen=True)
class Person:
    person_id: str
    owner_user_id: str
    holder_id: str
    id_hash: str
    id_masked: str
    name_masked: str
    residence_region: str
    relation: str = "self"
    version: int | None = None
    fed_hash: str | None = None  # federation hash of the ID number: partners' attestations


@dataclass(frozen=True)
class DeclarationAnswers:
    """A citizen's answers, already validated."""

    name: str
    id_number: str
    phone: str
    residence_region: str
    address: str
    symptoms: tuple[str, ...]
    contact_with_confirmed: bool
    abroad_14d: bool


@dataclass(frozen=True)
class Declaration:
    declaration_id: str
    person_id: str
    user_id: str
    status: str  # approved | pending_review | rejected
    symptoms: tuple[str, ...]
    contact_with_confirmed: bool
    abroad_14d: bool
    residence_region: str
    created_at: datetime
    review_reasons: tuple[str, ...] = ()
    reviewed_by: str | None = None
    review_note: str | None = None
    reviewed_at: datetime | None = None


@dataclass(frozen=True)
class MarkRequest:
    mark_id: str
    id_hash: str
    person_id: str | None
    status: str
    category: str
    note: str
    contact_date: date | None
    state: str  # awaiting_approval | approved | withdrawn (a lab corrected the result)
    requested_by: str
    requested_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None


@dataclass(frozen=True)
class Appeal:
    appeal_id: str
    user_id: str
    person_id: str
    text: str
    colour: str | None
    state: str  # open | upheld | dismissed
    created_at: datetime
    answer: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True)
class AuditEvent:
    subject_id: str  # a pseudonymous person id, or another record's id
    actor: str
    actor_role: str
    action: str
    at: datetime
    reason: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    event_id: str = field(default="")


def review_reasons(
    answers: DeclarationAnswers, stays: Sequence[Stay], *, as_of: datetime, window_days: int = 14
) -> tuple[str, ...]:
    """Why a reviewer must look at a declaration; empty when rules can approve it.

    - ``contact_with_confirmed``: the citizen says they met a confirmed case;
    - ``abroad_contradicts_itinerary``: they answered "not abroad" but the carrier
      saw their phone outside the mainland in the window;
    - ``residence_contradicts_itinerary``: the carrier saw the phone in cities in
      the window, never in the declared residence's city.
    """
    reasons = []
    if answers.contact_with_confirmed:
        reasons.append("contact_with_confirmed")
    start = days_after(as_of, -window_days)
    recent = [s for s in stays if s.left_at >= start and s.entered_at <= as_of]
    if not answers.abroad_14d and any(
        s.kind == "country" and is_outside_mainland(s.place) for s in recent
    ):
        reasons.append("abroad_contradicts_itinerary")
    cities = {s.place for s in recent if s.kind == "city"}
    if cities and answers.residence_region[:4] + "00" not in cities:
        reasons.append("residence_contradicts_itinerary")
    return tuple(reasons)


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
