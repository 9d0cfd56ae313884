"""Status marks: requested by one official, approved by another.

Reads of tables with a TTL drop expired items (``ttl.live`` / ``ttl.expired``):
DynamoDB deletes them only lazily. Retention periods come from
``chalicelib/kernel/retention.py``.
"""

from __future__ import annotations

from datetime import date, datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.colours.model import StatusMark
from chalicelib.kernel.dynamo.common import MARK_QUEUE, decode_cursor, to_page, transition
from chalicelib.kernel.dynamo.errors import save_new, translate
from chalicelib.kernel.dynamo.tables import TableMeta, index_meta, table
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.paging import Page
from chalicelib.officials.rules import MarkRequest


class StatusMarkBySubjectIndex(GlobalSecondaryIndex["StatusMarkRecord"]):
    """Marks by the keyed hash of the ID number: a mark may precede the declaration."""

    Meta = index_meta("by_subject")
    id_hash = UnicodeAttribute(hash_key=True)
    requested_at = UTCDateTimeAttribute(range_key=True)


class StatusMarkQueueIndex(GlobalSecondaryIndex["StatusMarkRecord"]):
    """Sparse: only marks awaiting a second official carry ``queue`` (the officials' queue)."""

    Meta = index_meta("queue")
    queue = UnicodeAttribute(hash_key=True)
    requested_at = UTCDateTimeAttribute(range_key=True)


@table
class StatusMarkRecord(Model):
    """An official's status mark; takes effect only once a second official approves."""

    class Meta(TableMeta):
        table_name = "status_marks"

    mark_id = UnicodeAttribute(hash_key=True)
    id_hash = UnicodeAttribute()
    person_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    category = UnicodeAttribute()
    note = UnicodeAttribute()
    contact_date = UnicodeAttribute(null=True)
    state = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    requested_at = UTCDateTimeAttribute()
    approved_by = UnicodeAttribute(null=True)
    approved_at = UTCDateTimeAttribute(null=True)
    id_masked = UnicodeAttribute(null=True)
    queue = UnicodeAttribute(null=True)  # "awaiting" while awaiting approval
    by_subject = StatusMarkBySubjectIndex()
    by_queue = StatusMarkQueueIndex()


def _mark(record: StatusMarkRecord) -> MarkRequest:
    return MarkRequest(
        mark_id=record.mark_id,
        id_hash=record.id_hash,
        person_id=record.person_id,
        status=record.status,
        category=record.category,
        note=record.note,
        contact_date=date.fromisoformat(record.contact_date) if record.contact_date else None,
        state=record.state,
        requested_by=record.requested_by,
        requested_at=record.requested_at,
        approved_by=record.approved_by,
        approved_at=record.approved_at,
        id_masked=record.id_masked,
    )


class DynamoMarks:
    def add(self, mark: MarkRequest) -> None:
        record = StatusMarkRecord(
            mark.mark_id,
            id_hash=mark.id_hash,
            person_id=mark.person_id,
            status=mark.status,
            category=mark.category,
            note=mark.note,
            contact_date=mark.contact_date.isoformat() if mark.contact_date else None,
            state=mark.state,
            requested_by=mark.requested_by,
            requested_at=mark.requested_at,
            id_masked=mark.id_masked,
            queue="awaiting" if mark.state == "awaiting_approval" else None,
        )
        save_new(record, StatusMarkRecord.mark_id.does_not_exist(), what="this mark")

    def get(self, mark_id: str) -> MarkRequest | None:
        with translate():
            try:
                return _mark(StatusMarkRecord.get(mark_id))
            except DoesNotExist:
                return None

    def approve(
        self, mark: MarkRequest, *, approver: str, person_id: str | None, now: datetime
    ) -> MarkRequest:
        """Awaiting → approved, by someone other than the requester (checked in the write)."""
        record = StatusMarkRecord(mark.mark_id)
        actions: list[Action] = [
            StatusMarkRecord.state.set("approved"),
            StatusMarkRecord.approved_by.set(approver),
            StatusMarkRecord.approved_at.set(now),
            StatusMarkRecord.queue.remove(),
        ]
        if person_id is not None:
            actions.append(StatusMarkRecord.person_id.set(person_id))
        transition(
            record,
            actions,
            (StatusMarkRecord.state == "awaiting_approval")
            & (StatusMarkRecord.requested_by != approver),
            "this mark is no longer awaiting approval",
        )
        return _mark(record)

    def withdraw(self, mark_id: str) -> bool:
        """Awaiting → withdrawn (a lab corrected the result that opened it); False when an
        official has already decided it: their decision stands."""
        record = StatusMarkRecord(mark_id)
        try:
            transition(
                record,
                [
                    StatusMarkRecord.state.set("withdrawn"),
                    StatusMarkRecord.queue.remove(),
                ],
                StatusMarkRecord.state == "awaiting_approval",
                "this mark is no longer awaiting approval",
            )
        except Conflict:
            return False
        return True

    def queue(self, *, limit: int, cursor: str | None) -> Page[MarkRequest]:
        """Awaiting a second official, oldest first."""
        with translate():
            result = StatusMarkRecord.by_queue.query(
                "awaiting",
                scan_index_forward=True,
                limit=limit,
                last_evaluated_key=decode_cursor(cursor, MARK_QUEUE, ("queue", "awaiting")),
            )
            return to_page(result, _mark)

    def approved_for(self, id_hash: str) -> list[StatusMark]:
        with translate():
            return [
                StatusMark(
                    status=r.status,
                    category=r.category,
                    effective_at=r.approved_at,
                    contact_date=date.fromisoformat(r.contact_date) if r.contact_date else None,
                )
                for r in StatusMarkRecord.by_subject.query(id_hash)
                if r.state == "approved" and r.approved_at is not None
            ]

    def for_subject(self, id_hash: str) -> list[MarkRequest]:
        with translate():
            return [_mark(r) for r in StatusMarkRecord.by_subject.query(id_hash)]
