"""Appeals: filed by a citizen, answered by a reviewer.

Reads of tables with a TTL drop expired items (``ttl.live`` / ``ttl.expired``):
DynamoDB deletes them only lazily. Retention periods come from
``chalicelib/kernel/retention.py``.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.kernel import retention
from chalicelib.kernel.dynamo.common import (
    APPEAL_BY_USER,
    APPEAL_QUEUE,
    Clock,
    decode_cursor,
    to_page,
    transition,
)
from chalicelib.kernel.dynamo.errors import translate
from chalicelib.kernel.dynamo.tables import TableMeta, index_meta, table
from chalicelib.kernel.dynamo.ttl import expired, live
from chalicelib.kernel.paging import Page
from chalicelib.officials.rules import Appeal


class AppealByUserIndex(GlobalSecondaryIndex["AppealRecord"]):
    Meta = index_meta("by_user")
    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class AppealQueueIndex(GlobalSecondaryIndex["AppealRecord"]):
    """Sparse: only open appeals carry ``queue``."""

    Meta = index_meta("queue")
    queue = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


@table
class AppealRecord(Model):
    class Meta(TableMeta):
        table_name = "appeals"

    appeal_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    person_id = UnicodeAttribute()
    text = UnicodeAttribute()
    colour = UnicodeAttribute(null=True)
    state = UnicodeAttribute()
    queue = UnicodeAttribute(null=True)
    answer = UnicodeAttribute(null=True)
    answered_by = UnicodeAttribute(null=True)
    answered_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires = TTLAttribute(null=True)  # set when answered
    by_user = AppealByUserIndex()
    by_queue = AppealQueueIndex()


def _appeal(record: AppealRecord) -> Appeal:
    return Appeal(
        appeal_id=record.appeal_id,
        user_id=record.user_id,
        person_id=record.person_id,
        text=record.text,
        colour=record.colour,
        state=record.state,
        created_at=record.created_at,
        answer=record.answer,
        answered_by=record.answered_by,
        answered_at=record.answered_at,
    )


class DynamoAppeals:
    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def add(self, appeal: Appeal) -> None:
        record = AppealRecord(
            appeal.appeal_id,
            user_id=appeal.user_id,
            person_id=appeal.person_id,
            text=appeal.text,
            colour=appeal.colour,
            state=appeal.state,
            queue="open",
            created_at=appeal.created_at,
        )
        with translate():
            record.save(condition=AppealRecord.appeal_id.does_not_exist())

    def get(self, appeal_id: str) -> Appeal | None:
        with translate():
            try:
                record = AppealRecord.get(appeal_id)
            except DoesNotExist:
                return None
        return None if expired(record, self._clock()) else _appeal(record)

    def for_user(self, user_id: str, *, limit: int, cursor: str | None) -> Page[Appeal]:
        with translate():
            result = AppealRecord.by_user.query(
                user_id,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=decode_cursor(cursor, APPEAL_BY_USER, ("user_id", user_id)),
                filter_condition=live(AppealRecord, self._clock()),
            )
            return to_page(result, _appeal)

    def queue(self, *, limit: int, cursor: str | None) -> Page[Appeal]:
        with translate():
            result = AppealRecord.by_queue.query(
                "open",
                scan_index_forward=True,
                limit=limit,
                last_evaluated_key=decode_cursor(cursor, APPEAL_QUEUE, ("queue", "open")),
                filter_condition=live(AppealRecord, self._clock()),
            )
            return to_page(result, _appeal)

    def answer(
        self, appeal_id: str, *, outcome: str, answer: str, reviewer: str, now: datetime
    ) -> Appeal:
        record = AppealRecord(appeal_id)
        transition(
            record,
            [
                AppealRecord.state.set(outcome),
                AppealRecord.answer.set(answer),
                AppealRecord.answered_by.set(reviewer),
                AppealRecord.answered_at.set(now),
                AppealRecord.queue.remove(),
                AppealRecord.expires.set(now + retention.keep("appeals")),
            ],
            AppealRecord.state == "open",
            "this appeal has already been answered",
        )
        return _appeal(record)
