"""The declarations store, as the services see it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.declarations.rules import Declaration
from chalicelib.kernel.paging import Page


class Declarations(Protocol):
    def add(self, declaration: Declaration, *, payload_enc: str) -> None: ...

    def get(self, declaration_id: str) -> Declaration | None: ...

    def payload(self, declaration_id: str) -> str | None: ...

    def latest(self, person_id: str) -> Declaration | None: ...

    def for_person(
        self, person_id: str, *, limit: int, cursor: str | None
    ) -> Page[Declaration]: ...

    def queue(self, *, limit: int, cursor: str | None) -> Page[Declaration]: ...

    def decide(
        self, declaration_id: str, *, status: str, reviewer: str, note: str, now: datetime
    ) -> Declaration: ...

    def retire_for_person(self, person_id: str) -> int:
        """The person moved to another account: the former holder's declarations stop
        counting now; how many."""
        ...
