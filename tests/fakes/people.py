"""In-memory people, care links and care requests, with the DynamoDB stores' semantics
(chalicelib/people/store.py and care_repo.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.person import Person
from chalicelib.people.rules import CARE_REQUEST_DAYS, CareLink, CareRequest

Clock = Callable[[], datetime]


def stale_write(message: str) -> Conflict:
    """What the DynamoDB stores raise when an optimistic lock loses (their StaleWrite)."""
    return Conflict(message, code="stale_write")


@dataclass
class _PersonRow:
    person: Person
    id_enc: str
    name_enc: str
    address_enc: str
    created_at: datetime
    updated_at: datetime


class FakePeople:
    """One row per person; ``version`` starts at 1 and every update is conditional on it."""

    def __init__(self) -> None:
        self.rows: dict[str, _PersonRow] = {}

    def get(self, person_id: str) -> Person | None:
        row = self.rows.get(person_id)
        return row.person if row else None

    def self_of(self, user_id: str) -> Person | None:
        for row in self.rows.values():
            if row.person.owner_user_id == user_id and row.person.relation == "self":
                return row.person
        return None

    def ids_by_id_hash(self, id_hash: str) -> list[str]:
        return [pid for pid, row in self.rows.items() if row.person.id_hash == id_hash]

    def ids_by_fed_hash(self, fed_hash: str) -> list[str]:
        return [pid for pid, row in self.rows.items() if row.person.fed_hash == fed_hash]

    def create(
        self, person: Person, *, id_enc: str, name_enc: str, address_enc: str, now: datetime
    ) -> Person:
        if person.person_id in self.rows:
            raise Conflict("this person is already filed", code="already_exists")
        stored = replace(person, version=1)
        self.rows[person.person_id] = _PersonRow(stored, id_enc, name_enc, address_enc, now, now)
        return stored

    def name_enc_of(self, person_id: str) -> str | None:
        row = self.rows.get(person_id)
        return row.name_enc if row else None

    def _locked(self, person: Person) -> _PersonRow:
        row = self.rows.get(person.person_id)
        if row is None or row.person.version != person.version:
            raise stale_write("the person changed meanwhile")
        return row

    def set_owner(self, person: Person, *, user_id: str, relation: str, now: datetime) -> Person:
        row = self._locked(person)
        row.person = replace(
            row.person,
            owner_user_id=user_id,
            relation=relation,
            version=(row.person.version or 0) + 1,
        )
        row.updated_at = now
        return row.person

    def update_details(
        self,
        person: Person,
        *,
        name_enc: str,
        name_masked: str,
        address_enc: str,
        residence_region: str,
        now: datetime,
        fed_hash: str | None = None,
        consent_age_on: date | None = None,
    ) -> Person:
        row = self._locked(person)
        row.person = replace(
            row.person,
            name_masked=name_masked,
            residence_region=residence_region,
            fed_hash=fed_hash if fed_hash is not None else row.person.fed_hash,
            consent_age_on=consent_age_on or row.person.consent_age_on,
            version=(row.person.version or 0) + 1,
        )
        row.name_enc, row.address_enc, row.updated_at = name_enc, address_enc, now
        return row.person


class FakeCareLinks:
    """Links keyed (user, person); an account's links come back in person-id order, as
    the table's range key gives them."""

    def __init__(self) -> None:
        self.links: dict[tuple[str, str], CareLink] = {}

    def for_user(self, user_id: str) -> list[CareLink]:
        return [link for (user, _), link in sorted(self.links.items()) if user == user_id]

    def get(self, user_id: str, person_id: str) -> CareLink | None:
        return self.links.get((user_id, person_id))

    def holders(self, person_id: str) -> list[str]:
        return sorted(user for (user, person) in self.links if person == person_id)

    def add(self, link: CareLink) -> bool:
        key = (link.user_id, link.person_id)
        if key in self.links:
            return False  # linked already: the link keeps its relation and date
        self.links[key] = link
        return True

    def remove(self, user_id: str, person_id: str) -> bool:
        return self.links.pop((user_id, person_id), None) is not None


ANSWER_KEPT = timedelta(days=30)


@dataclass
class _RequestRow:
    request: CareRequest
    expires: datetime


class FakeCareRequests:
    """Requests with their TTL: a week to answer, an answer kept a month; reads drop
    what has expired, as the DynamoDB store does around DynamoDB's lazy TTL."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock
        self.rows: dict[str, _RequestRow] = {}

    def get(self, request_id: str) -> CareRequest | None:
        row = self.rows.get(request_id)
        if row is None or row.expires <= self._clock():
            return None
        return row.request

    def ask(self, request: CareRequest) -> CareRequest:
        row = self.rows.get(request.request_id)
        replaceable = (
            row is None or row.expires <= request.created_at or row.request.state == "accepted"
        )
        if not replaceable:
            existing = self.get(request.request_id)
            if existing is not None:
                return existing
        pending = replace(request, state="pending", decided_at=None)
        self.rows[request.request_id] = _RequestRow(
            pending, request.created_at + timedelta(days=CARE_REQUEST_DAYS)
        )
        return request

    def pending_for(self, person_id: str) -> list[CareRequest]:
        now = self._clock()
        rows = [
            row
            for row in self.rows.values()
            if row.request.person_id == person_id
            and row.request.state == "pending"
            and row.expires > now
        ]
        return [row.request for row in sorted(rows, key=lambda r: r.request.created_at)]

    def decide(self, request_id: str, *, state: str, now: datetime) -> CareRequest:
        row = self.rows.get(request_id)
        if row is None or row.request.state != "pending" or not row.expires > now:
            raise Conflict("this request has already been answered", code="already_decided")
        row.request = replace(row.request, state=state, decided_at=now)
        row.expires = now + ANSWER_KEPT
        return row.request
