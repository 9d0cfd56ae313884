"""Declarations and the reviewers' queue.

Reads of tables with a TTL drop expired items (``ttl.live`` / ``ttl.expired``):
DynamoDB deletes them only lazily. Retention periods come from
``chalicelib/kernel/retention.py``.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.declarations.rules import Declaration
from chalicelib.kernel import retention
from chalicelib.kernel.dynamo.common import (
    DECLARATION_BY_PERSON,
    DECLARATION_QUEUE,
    Clock,
    decode_cursor,
    to_page,
    transition,
)
from chalicelib.kernel.dynamo.errors import conditional_failed, save_new, translate
from chalicelib.kernel.dynamo.tables import TableMeta, index_meta, table
from chalicelib.kernel.dynamo.ttl import expired, live
from chalicelib.kernel.paging import Page


class DeclarationByPersonIndex(GlobalSecondaryIndex["DeclarationRecord"]):
    Meta = index_meta("by_person")
    person_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class DeclarationReviewQueueIndex(GlobalSecondaryIndex["DeclarationRecord"]):
    """Sparse: only declarations waiting for a reviewer carry ``review_queue``."""

    Meta = index_meta("review_queue")
    review_queue = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


@table
class DeclarationRecord(Model):
    class Meta(TableMeta):
        table_name = "declarations"

    declaration_id = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    status = UnicodeAttribute()
    payload_enc = UnicodeAttribute()
    symptoms = ListAttribute(of=UnicodeAttribute, default=list)
    contact_with_confirmed = BooleanAttribute(default=False)
    abroad_14d = BooleanAttribute(default=False)
    residence_region = UnicodeAttribute()
    review_reasons = ListAttribute(of=UnicodeAttribute, default=list)
    withdraws = ListAttribute(of=UnicodeAttribute, default=list)  # a correction's facts
    review_queue = UnicodeAttribute(null=True)
    reviewed_by = UnicodeAttribute(null=True)
    review_note = UnicodeAttribute(null=True)
    reviewed_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires = TTLAttribute(null=True)  # set once a newer declaration replaces it
    by_person = DeclarationByPersonIndex()
    by_review_queue = DeclarationReviewQueueIndex()


def _set_expiry(record: DeclarationRecord, expires: datetime) -> None:
    """Set an existing declaration's TTL; never create an item that has only a TTL."""
    with translate():
        try:
            record.update(
                actions=[DeclarationRecord.expires.set(expires)],
                condition=DeclarationRecord.declaration_id.exists(),
            )
        except UpdateError as exc:
            if not conditional_failed(exc):
                raise


def _declaration(record: DeclarationRecord) -> Declaration:
    return Declaration(
        declaration_id=record.declaration_id,
        person_id=record.person_id,
        user_id=record.user_id,
        status=record.status,
        symptoms=tuple(str(x) for x in record.symptoms or ()),
        contact_with_confirmed=bool(record.contact_with_confirmed),
        abroad_14d=bool(record.abroad_14d),
        residence_region=record.residence_region,
        created_at=record.created_at,
        review_reasons=tuple(str(x) for x in record.review_reasons or ()),
        withdraws=tuple(str(x) for x in record.withdraws or ()),
        reviewed_by=record.reviewed_by,
        review_note=record.review_note,
        reviewed_at=record.reviewed_at,
    )


class DynamoDeclarations:
    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def add(self, declaration: Declaration, *, payload_enc: str) -> None:
        record = DeclarationRecord(
            declaration.declaration_id,
            person_id=declaration.person_id,
            user_id=declaration.user_id,
            status=declaration.status,
            payload_enc=payload_enc,
            symptoms=list(declaration.symptoms),
            contact_with_confirmed=declaration.contact_with_confirmed,
            abroad_14d=declaration.abroad_14d,
            residence_region=declaration.residence_region,
            review_reasons=list(declaration.review_reasons),
            withdraws=list(declaration.withdraws),
            review_queue="pending" if declaration.status == "pending_review" else None,
            created_at=declaration.created_at,
            reviewed_by=declaration.reviewed_by,
            review_note=declaration.review_note,
            reviewed_at=declaration.reviewed_at,
        )
        save_new(record, DeclarationRecord.declaration_id.does_not_exist(), what="this declaration")
        self._retire_replaced(declaration.person_id, declaration.declaration_id)

    def _retire_replaced(self, person_id: str, newest_id: str) -> None:
        """Start the retention clock of the declarations a newer one replaced (decided
        ones; a pending one starts when it is decided). Normally exactly one item: the
        previous latest; the rest already carry their expiry."""
        now = self._clock()
        expires = now + retention.keep("declarations")
        with translate():
            for record in DeclarationRecord.by_person.query(
                person_id,
                scan_index_forward=False,
                limit=25,
                filter_condition=DeclarationRecord.expires.does_not_exist(),
            ):
                if record.declaration_id == newest_id or record.status == "pending_review":
                    continue
                _set_expiry(DeclarationRecord(record.declaration_id), expires)

    def get(self, declaration_id: str) -> Declaration | None:
        with translate():
            try:
                record = DeclarationRecord.get(declaration_id)
            except DoesNotExist:
                return None
        return None if expired(record, self._clock()) else _declaration(record)

    def payload(self, declaration_id: str) -> str | None:
        """The declaration's encrypted details (name, ID number, phone, address)."""
        with translate():
            try:
                record = DeclarationRecord.get(declaration_id)
            except DoesNotExist:
                return None
        return None if expired(record, self._clock()) else record.payload_enc

    def latest(self, person_id: str) -> Declaration | None:
        with translate():
            for record in DeclarationRecord.by_person.query(
                person_id,
                scan_index_forward=False,
                limit=1,
                filter_condition=live(DeclarationRecord, self._clock()),
            ):
                return _declaration(record)
        return None

    def for_person(self, person_id: str, *, limit: int, cursor: str | None) -> Page[Declaration]:
        with translate():
            result = DeclarationRecord.by_person.query(
                person_id,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=decode_cursor(
                    cursor, DECLARATION_BY_PERSON, ("person_id", person_id)
                ),
                filter_condition=live(DeclarationRecord, self._clock()),
            )
            return to_page(result, _declaration)

    def queue(self, *, limit: int, cursor: str | None) -> Page[Declaration]:
        """Waiting for review, oldest first."""
        with translate():
            result = DeclarationRecord.by_review_queue.query(
                "pending",
                scan_index_forward=True,
                limit=limit,
                last_evaluated_key=decode_cursor(
                    cursor, DECLARATION_QUEUE, ("review_queue", "pending")
                ),
                filter_condition=live(DeclarationRecord, self._clock()),
            )
            return to_page(result, _declaration)

    def decide(
        self, declaration_id: str, *, status: str, reviewer: str, note: str, now: datetime
    ) -> Declaration:
        """Approve or reject a pending declaration; Conflict if it is no longer pending."""
        record = DeclarationRecord(declaration_id)
        transition(
            record,
            [
                DeclarationRecord.status.set(status),
                DeclarationRecord.reviewed_by.set(reviewer),
                DeclarationRecord.review_note.set(note),
                DeclarationRecord.reviewed_at.set(now),
                DeclarationRecord.review_queue.remove(),
            ],
            DeclarationRecord.status == "pending_review",
            "this declaration has already been decided",
        )
        decided = _declaration(record)
        latest = self.latest(decided.person_id)
        if latest is not None and latest.declaration_id != declaration_id:
            # Decided after a newer declaration replaced it: its retention starts now.
            _set_expiry(DeclarationRecord(declaration_id), now + retention.keep("declarations"))
        return decided

    def retire_for_person(self, person_id: str) -> int:
        """The person moved to another account (an identity dispute): the former holder's
        declarations stop counting now (and leave the review queue); how many."""
        now = self._clock()
        count = 0
        with translate():
            for record in DeclarationRecord.by_person.query(
                person_id, filter_condition=live(DeclarationRecord, now)
            ):
                try:
                    DeclarationRecord(record.declaration_id).update(
                        actions=[
                            DeclarationRecord.expires.set(now),
                            DeclarationRecord.review_queue.remove(),
                        ],
                        condition=DeclarationRecord.declaration_id.exists(),
                    )
                    count += 1
                except UpdateError as exc:
                    if not conditional_failed(exc):
                        raise
        return count
