"""In-memory declarations and the reviewers' queue, with the DynamoDB store's semantics
(chalicelib/declarations/store.py): newest first per person, the queue
oldest first, and a replaced declaration's retention clock started when it is replaced
(or, if it was pending, when it is decided); reads drop what has expired."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from chalicelib.declarations.rules import Declaration
from chalicelib.kernel import retention
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.paging import Page
from tests.fakes import paging

Clock = Callable[[], datetime]


@dataclass
class _Row:
    declaration: Declaration
    payload_enc: str
    expires: datetime | None = None

    def live(self, now: datetime) -> bool:
        return self.expires is None or self.expires > now


def _key(declaration: Declaration) -> str:
    return f"{declaration.created_at.isoformat()}#{declaration.declaration_id}"


class FakeDeclarations:
    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock
        self.rows: dict[str, _Row] = {}

    def add(self, declaration: Declaration, *, payload_enc: str) -> None:
        if declaration.declaration_id in self.rows:
            raise Conflict("this declaration is already filed", code="already_exists")
        self.rows[declaration.declaration_id] = _Row(declaration, payload_enc)
        expires = self._clock() + retention.keep("declarations")
        for row in self._by_person(declaration.person_id)[:25]:
            d = row.declaration
            if d.declaration_id == declaration.declaration_id or d.status == "pending_review":
                continue
            if row.expires is None:
                row.expires = expires

    def _by_person(self, person_id: str) -> list[_Row]:
        rows = [r for r in self.rows.values() if r.declaration.person_id == person_id]
        return sorted(rows, key=lambda r: _key(r.declaration), reverse=True)

    def get(self, declaration_id: str) -> Declaration | None:
        row = self.rows.get(declaration_id)
        return row.declaration if row and row.live(self._clock()) else None

    def payload(self, declaration_id: str) -> str | None:
        row = self.rows.get(declaration_id)
        return row.payload_enc if row and row.live(self._clock()) else None

    def latest(self, person_id: str) -> Declaration | None:
        now = self._clock()
        return next((r.declaration for r in self._by_person(person_id) if r.live(now)), None)

    def for_person(self, person_id: str, *, limit: int, cursor: str | None) -> Page[Declaration]:
        now = self._clock()
        live = [r.declaration for r in self._by_person(person_id) if r.live(now)]
        return paging.page(live, key=_key, partition=person_id, limit=limit, cursor=cursor)

    def queue(self, *, limit: int, cursor: str | None) -> Page[Declaration]:
        now = self._clock()
        waiting = sorted(
            (
                r.declaration
                for r in self.rows.values()
                if r.declaration.status == "pending_review" and r.live(now)
            ),
            key=_key,
        )
        return paging.page(waiting, key=_key, partition="pending", limit=limit, cursor=cursor)

    def decide(
        self, declaration_id: str, *, status: str, reviewer: str, note: str, now: datetime
    ) -> Declaration:
        row = self.rows.get(declaration_id)
        if row is None or row.declaration.status != "pending_review":
            raise Conflict("this declaration has already been decided", code="already_decided")
        row.declaration = replace(
            row.declaration, status=status, reviewed_by=reviewer, review_note=note, reviewed_at=now
        )
        latest = self.latest(row.declaration.person_id)
        if latest is not None and latest.declaration_id != declaration_id:
            row.expires = now + retention.keep("declarations")
        return row.declaration
