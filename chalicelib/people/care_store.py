"""Care links and care requests in DynamoDB (docs/people.md).

Every access is a GetItem or a Query on a key or GSI key. Reads of tables with
a TTL drop expired items (``ttl.live`` / ``ttl.expired``): DynamoDB deletes
them only lazily. Retention periods come from ``chalicelib/kernel/retention.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import (
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.kernel.dynamo.common import Clock
from chalicelib.kernel.dynamo.errors import conditional_failed, translate
from chalicelib.kernel.dynamo.tables import TableMeta, index_meta, table
from chalicelib.kernel.dynamo.ttl import expired, live
from chalicelib.kernel.errors import Conflict
from chalicelib.people.rules import CARE_REQUEST_DAYS, CareLink, CareRequest


class CareLinkByPersonIndex(GlobalSecondaryIndex["CareLinkRecord"]):
    """Who cares for a person (to end the links of a person, and to count them)."""

    Meta = index_meta("by_person", KeysOnlyProjection())
    person_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


@table
class CareLinkRecord(Model):
    """An account that shows a dependant's code: many-to-many (an elder may be held by
    two of their children and by their own account). The account's own person is not
    a link: it is the person whose ``owner_user_id`` it is, with relation ``self``."""

    class Meta(TableMeta):
        table_name = "care_links"

    user_id = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute(range_key=True)
    relation = UnicodeAttribute()  # child | parent | grandparent | spouse | other
    created_at = UTCDateTimeAttribute()
    granted_by = UnicodeAttribute(null=True)  # whose consent made the link
    by_person = CareLinkByPersonIndex()


class CareRequestByPersonIndex(GlobalSecondaryIndex["CareRequestRecord"]):
    """The requests a person's own account has to answer, oldest first."""

    Meta = index_meta("by_person")
    person_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


@table
class CareRequestRecord(Model):
    """A guardian's request to care for a person with an account of their own; the id is
    derived from the person and the guardian, so asking twice finds one item."""

    class Meta(TableMeta):
        table_name = "care_requests"

    request_id = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute()
    guardian_user_id = UnicodeAttribute()
    relation = UnicodeAttribute()
    state = UnicodeAttribute()  # pending | accepted | refused
    created_at = UTCDateTimeAttribute()
    decided_at = UTCDateTimeAttribute(null=True)
    expires = TTLAttribute()  # a week after asking; a month after the answer
    by_person = CareRequestByPersonIndex()


def _link(record: CareLinkRecord) -> CareLink:
    return CareLink(
        user_id=record.user_id,
        person_id=record.person_id,
        relation=record.relation,
        created_at=record.created_at,
        granted_by=record.granted_by,
    )


class DynamoCareLinks:
    def for_user(self, user_id: str) -> list[CareLink]:
        """The account's dependants (a consistent Query on the table key)."""
        with translate():
            return [_link(r) for r in CareLinkRecord.query(user_id, consistent_read=True)]

    def get(self, user_id: str, person_id: str) -> CareLink | None:
        with translate():
            try:
                return _link(CareLinkRecord.get(user_id, person_id, consistent_read=True))
            except DoesNotExist:
                return None

    def holders(self, person_id: str) -> list[str]:
        with translate():
            return [r.user_id for r in CareLinkRecord.by_person.query(person_id)]

    def add(self, link: CareLink) -> bool:
        """Link the account to the person; False when it holds them already (the link
        there keeps its relation and date: a repeated declaration or answer is not a
        second link)."""
        record = CareLinkRecord(
            link.user_id,
            link.person_id,
            relation=link.relation,
            created_at=link.created_at,
            granted_by=link.granted_by,
        )
        with translate():
            try:
                record.save(condition=CareLinkRecord.person_id.does_not_exist())
            except PutError as exc:
                if conditional_failed(exc):
                    return False
                raise
        return True

    def remove(self, user_id: str, person_id: str) -> bool:
        with translate():
            try:
                CareLinkRecord(user_id, person_id).delete(
                    condition=CareLinkRecord.person_id.exists()
                )
                return True
            except DeleteError as exc:
                if conditional_failed(exc):
                    return False
                raise


def _request(record: CareRequestRecord) -> CareRequest:
    return CareRequest(
        request_id=record.request_id,
        person_id=record.person_id,
        guardian_user_id=record.guardian_user_id,
        relation=record.relation,
        state=record.state,
        created_at=record.created_at,
        decided_at=record.decided_at,
    )


ANSWER_KEPT = timedelta(days=30)


class DynamoCareRequests:
    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def get(self, request_id: str) -> CareRequest | None:
        with translate():
            try:
                record = CareRequestRecord.get(request_id, consistent_read=True)
            except DoesNotExist:
                return None
        return None if expired(record, self._clock()) else _request(record)

    def ask(self, request: CareRequest) -> CareRequest:
        """File a pending request, or the one already there: a pending one, or a refusal
        kept for a month (not asked again at once)."""
        record = CareRequestRecord(
            request.request_id,
            person_id=request.person_id,
            guardian_user_id=request.guardian_user_id,
            relation=request.relation,
            state="pending",
            created_at=request.created_at,
            expires=request.created_at + timedelta(days=CARE_REQUEST_DAYS),
        )
        with translate():
            try:
                # Overwrite only what is gone: no item, one past its TTL, or one accepted
                # whose link the guardian has since ended.
                record.save(
                    condition=CareRequestRecord.request_id.does_not_exist()
                    | (CareRequestRecord.expires <= request.created_at)
                    | (CareRequestRecord.state == "accepted")
                )
            except PutError as exc:
                if not conditional_failed(exc):
                    raise
                existing = self.get(request.request_id)
                if existing is not None:
                    return existing
                record.save()  # expired between the write and the read
        return request

    def pending_for(self, person_id: str) -> list[CareRequest]:
        """Oldest first, unanswered and not lapsed (a Query on the person's index)."""
        now = self._clock()
        with translate():
            records = CareRequestRecord.by_person.query(
                person_id,
                filter_condition=(CareRequestRecord.state == "pending")
                & live(CareRequestRecord, now),
            )
            return [_request(r) for r in records]

    def decide(self, request_id: str, *, state: str, now: datetime) -> CareRequest:
        """Conflict(already_decided) unless the request is still pending."""
        record = CareRequestRecord(request_id)
        with translate():
            try:
                record.update(
                    actions=[
                        CareRequestRecord.state.set(state),
                        CareRequestRecord.decided_at.set(now),
                        CareRequestRecord.expires.set(now + ANSWER_KEPT),
                    ],
                    condition=(CareRequestRecord.state == "pending")
                    & (CareRequestRecord.expires > now),
                )
            except UpdateError as exc:
                if conditional_failed(exc):
                    raise Conflict(
                        "this request has already been answered", code="already_decided"
                    ) from None
                raise
        return _request(record)
