"""The people store, as the services that read or change a person see it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from chalicelib.kernel.person import Person
from chalicelib.kernel.roles import Role
from chalicelib.people.policy import Act
from chalicelib.people.rules import CareLink, CareRequest


class PersonFor(Protocol):
    """The one authority, as every capability that names a person asks it
    (``PeopleService.person_for``): the person, or NotFound ``person_not_found``."""

    def __call__(
        self,
        user_id: str,
        person_id: str | None = None,
        act: Act = ...,
        role: Role = ...,
    ) -> Person: ...


class People(Protocol):
    def get(self, person_id: str) -> Person | None: ...

    def self_of(self, user_id: str) -> Person | None: ...

    def ids_by_id_hash(self, id_hash: str) -> list[str]: ...

    def ids_by_fed_hash(self, fed_hash: str) -> list[str]: ...

    def create(
        self, person: Person, *, id_enc: str, name_enc: str, address_enc: str, now: datetime
    ) -> Person: ...

    def name_enc_of(self, person_id: str) -> str | None: ...

    def set_owner(
        self, person: Person, *, user_id: str, relation: str, now: datetime
    ) -> Person: ...

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
    ) -> Person: ...


class CareLinks(Protocol):
    def for_user(self, user_id: str) -> list[CareLink]: ...

    def get(self, user_id: str, person_id: str) -> CareLink | None: ...

    def holders(self, person_id: str) -> list[str]: ...

    def add(self, link: CareLink) -> bool: ...  # False: linked already, kept as it was

    def remove(self, user_id: str, person_id: str) -> bool: ...


class CareRequests(Protocol):
    def get(self, request_id: str) -> CareRequest | None: ...

    def ask(self, request: CareRequest) -> CareRequest: ...

    def pending_for(self, person_id: str) -> list[CareRequest]: ...

    def decide(self, request_id: str, *, state: str, now: datetime) -> CareRequest: ...
