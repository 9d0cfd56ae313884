"""Status marks, appeals and audit events, as the services see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.colours.table import MARK_GROUNDS, OFFICIAL_STATUSES

MARK_STATUSES = OFFICIAL_STATUSES
MARK_CATEGORIES = tuple(MARK_GROUNDS)


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
    id_masked: str | None = None  # whom it is for, as the approving official sees it


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
