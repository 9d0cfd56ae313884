"""An in-memory, append-only audit trail, with the DynamoDB store's semantics
(chalicelib/officials/audit_store.py): events keyed ``<at ISO text>#<event id>``,
newest first by subject and by Shanghai day, gone six months after they happened."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from chalicelib.kernel import retention
from chalicelib.kernel.audit import AuditEvent
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.paging import Page
from chalicelib.kernel.times import local_day
from tests.fakes import paging

Clock = Callable[[], datetime]


def _key(event: AuditEvent) -> str:
    return f"{event.at.isoformat()}#{event.event_id}"


class FakeAudit:
    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock
        self.rows: dict[tuple[str, str], AuditEvent] = {}

    @property
    def events(self) -> list[AuditEvent]:
        """Every event, oldest first: what a test reads back."""
        return sorted(self.rows.values(), key=lambda e: (e.at, e.event_id))

    def append(self, event: AuditEvent) -> AuditEvent:
        stored = replace(event, event_id=event.event_id or f"ev_{secrets.token_hex(10)}")
        key = (stored.subject_id, _key(stored))
        if key in self.rows:
            raise Conflict("this event is already recorded", code="already_exists")
        self.rows[key] = stored
        return stored

    def _live(self, event: AuditEvent) -> bool:
        return event.at + retention.keep("audit") > self._clock()

    def by_day(self, day: date, *, limit: int, cursor: str | None) -> Page[AuditEvent]:
        events = sorted(
            (e for e in self.rows.values() if local_day(e.at) == day and self._live(e)),
            key=_key,
            reverse=True,
        )
        return paging.page(events, key=_key, partition=day.isoformat(), limit=limit, cursor=cursor)

    def by_subject(self, subject_id: str, *, limit: int, cursor: str | None) -> Page[AuditEvent]:
        events = sorted(
            (e for e in self.rows.values() if e.subject_id == subject_id and self._live(e)),
            key=_key,
            reverse=True,
        )
        return paging.page(events, key=_key, partition=subject_id, limit=limit, cursor=cursor)
