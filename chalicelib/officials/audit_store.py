"""The append-only audit trail: who did what to whom, when; no personal data.

Reads of tables with a TTL drop expired items (``ttl.live`` / ``ttl.expired``):
DynamoDB deletes them only lazily. Retention periods come from
``chalicelib/kernel/retention.py``.
"""

from __future__ import annotations

from datetime import date

from pynamodb.attributes import JSONAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.kernel import retention
from chalicelib.kernel.audit import AuditEvent
from chalicelib.kernel.dynamo.common import (
    AUDIT_BY_DAY,
    AUDIT_BY_SUBJECT,
    Clock,
    decode_cursor,
    new_id,
    to_page,
)
from chalicelib.kernel.dynamo.errors import save_new, translate
from chalicelib.kernel.dynamo.tables import TableMeta, index_meta, table
from chalicelib.kernel.dynamo.ttl import live
from chalicelib.kernel.paging import Page
from chalicelib.kernel.times import local_day


class AuditByDayIndex(GlobalSecondaryIndex["AuditRecord"]):
    Meta = index_meta("by_day")
    day = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)


class AuditByActorIndex(GlobalSecondaryIndex["AuditRecord"]):
    Meta = index_meta("by_actor")
    actor = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)


@table
class AuditRecord(Model):
    """Who did what to whom, when and why, with the before and after."""

    class Meta(TableMeta):
        table_name = "audit"

    subject_id = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)  # "<at>#<event_id>"
    actor = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    action = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    before = JSONAttribute(null=True)
    after = JSONAttribute(null=True)
    at = UTCDateTimeAttribute()
    day = UnicodeAttribute()
    expires = TTLAttribute(null=True)
    by_day = AuditByDayIndex()
    by_actor = AuditByActorIndex()


def _event(record: AuditRecord) -> AuditEvent:
    return AuditEvent(
        subject_id=record.subject_id,
        actor=record.actor,
        actor_role=record.actor_role,
        action=record.action,
        at=record.at,
        reason=record.reason,
        before=record.before,
        after=record.after,
        event_id=record.event_key.rsplit("#", 1)[-1],
    )


class DynamoAudit:
    """Append-only: events are only ever put, with a condition that they are new, and
    expire six months after they happened (``retention.RULES["audit"]``)."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def append(self, event: AuditEvent) -> AuditEvent:
        event_id = event.event_id or new_id("ev")
        record = AuditRecord(
            event.subject_id,
            f"{event.at.isoformat()}#{event_id}",
            actor=event.actor,
            actor_role=event.actor_role,
            action=event.action,
            reason=event.reason,
            before=event.before,
            after=event.after,
            at=event.at,
            day=local_day(event.at).isoformat(),
            expires=event.at + retention.keep("audit"),
        )
        save_new(record, AuditRecord.event_key.does_not_exist(), what="this event")
        return _event(record)

    def by_day(self, day: date, *, limit: int, cursor: str | None) -> Page[AuditEvent]:
        with translate():
            result = AuditRecord.by_day.query(
                day.isoformat(),
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=decode_cursor(cursor, AUDIT_BY_DAY, ("day", day.isoformat())),
                filter_condition=live(AuditRecord, self._clock()),
            )
            return to_page(result, _event)

    def by_subject(self, subject_id: str, *, limit: int, cursor: str | None) -> Page[AuditEvent]:
        with translate():
            result = AuditRecord.query(
                subject_id,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=decode_cursor(
                    cursor, AUDIT_BY_SUBJECT, ("subject_id", subject_id)
                ),
                filter_condition=live(AuditRecord, self._clock()),
            )
            return to_page(result, _event)
