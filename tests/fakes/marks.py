"""In-memory status marks, with the DynamoDB store's semantics
(chalicelib/officials/marks_store.py): requested by one official, approved by
another (the four-eyes rule is part of the conditional write), the queue oldest first."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.colours.model import StatusMark
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.paging import Page
from chalicelib.officials.rules import MarkRequest
from tests.fakes import paging


def _key(mark: MarkRequest) -> str:
    return f"{mark.requested_at.isoformat()}#{mark.mark_id}"


def _not_awaiting() -> Conflict:
    return Conflict("this mark is no longer awaiting approval", code="already_decided")


class FakeMarks:
    def __init__(self) -> None:
        self.rows: dict[str, MarkRequest] = {}

    def add(self, mark: MarkRequest) -> None:
        if mark.mark_id in self.rows:
            raise Conflict("this mark is already filed", code="already_exists")
        self.rows[mark.mark_id] = mark

    def get(self, mark_id: str) -> MarkRequest | None:
        return self.rows.get(mark_id)

    def approve(
        self, mark: MarkRequest, *, approver: str, person_id: str | None, now: datetime
    ) -> MarkRequest:
        current = self.rows.get(mark.mark_id)
        if (
            current is None
            or current.state != "awaiting_approval"
            or current.requested_by == approver
        ):
            raise _not_awaiting()
        approved = replace(
            current,
            state="approved",
            approved_by=approver,
            approved_at=now,
            person_id=person_id if person_id is not None else current.person_id,
        )
        self.rows[mark.mark_id] = approved
        return approved

    def withdraw(self, mark_id: str) -> bool:
        current = self.rows.get(mark_id)
        if current is None or current.state != "awaiting_approval":
            return False
        self.rows[mark_id] = replace(current, state="withdrawn")
        return True

    def queue(self, *, limit: int, cursor: str | None) -> Page[MarkRequest]:
        waiting = sorted(
            (m for m in self.rows.values() if m.state == "awaiting_approval"), key=_key
        )
        return paging.page(waiting, key=_key, partition="awaiting", limit=limit, cursor=cursor)

    def approved_for(self, id_hash: str) -> list[StatusMark]:
        return [
            StatusMark(
                status=m.status,
                category=m.category,
                effective_at=m.approved_at,
                contact_date=m.contact_date,
            )
            for m in self.rows.values()
            if m.id_hash == id_hash and m.state == "approved" and m.approved_at is not None
        ]
