"""The audit trail every capability writes: who did what to whom, when, and why. No
personal data: subjects are pseudonymous ids. The officials capability keeps the table
and reads it back (``officials/audit_store.py``, ``GET /v1/admin/audit``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from chalicelib.kernel.paging import Page


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


class Audit(Protocol):
    def append(self, event: AuditEvent) -> AuditEvent: ...

    def by_day(self, day: date, *, limit: int, cursor: str | None) -> Page[AuditEvent]: ...

    def by_subject(
        self, subject_id: str, *, limit: int, cursor: str | None
    ) -> Page[AuditEvent]: ...
