"""The people store, as the services that read or change a person see it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.people.rules import Person


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
    ) -> Person: ...
