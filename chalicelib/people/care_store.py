"""Care links, printed codes and identity disputes in DynamoDB (docs/people.md).

Every access is a GetItem or a Query on a key or GSI key. Reads of tables with
a TTL drop expired items (``ttl.live`` / ``ttl.expired``): DynamoDB deletes
them only lazily. Retention periods come from ``chalicelib/kernel/retention.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import (
    BooleanAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.kernel import retention
from chalicelib.kernel.dynamo.common import Clock, decode_cursor, to_page, transition
from chalicelib.kernel.dynamo.errors import conditional_failed, translate
from chalicelib.kernel.dynamo.tables import TableMeta, index_meta, table
from chalicelib.kernel.dynamo.ttl import expired, live
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.paging import Page
from chalicelib.people.rules import CARE_REQUEST_DAYS, CareLink, CareRequest, Dispute, PrintedCode


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
    by_person = CareLinkByPersonIndex()


@table
class PrintedCodeRecord(Model):
    """A printed code (``printed_id`` is its token's holder field, random), and one item
    ``person:<person_id>`` per person naming the one in force (``current``): issuing a
    new one moves that pointer with a conditional write, which revokes the previous."""

    class Meta(TableMeta):
        table_name = "printed_codes"

    printed_id = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute()
    current = UnicodeAttribute(null=True)  # on the person:<id> item only
    issued_by = UnicodeAttribute(null=True)
    issued_at = UTCDateTimeAttribute(null=True)
    expires_at = UTCDateTimeAttribute(null=True)
    expires = TTLAttribute(null=True)  # a day after the code's own expiry


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


class DisputeQueueIndex(GlobalSecondaryIndex["DisputeRecord"]):
    """Sparse: only disputes a reviewer must still decide carry ``queue``."""

    Meta = index_meta("queue")
    queue = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class DisputeByClaimantIndex(GlobalSecondaryIndex["DisputeRecord"]):
    Meta = index_meta("by_claimant")
    claimant_user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


@table
class DisputeRecord(Model):
    """A second account's claim to an ID number another account holds."""

    class Meta(TableMeta):
        table_name = "disputes"

    dispute_id = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute()
    claimant_user_id = UnicodeAttribute()
    holder_user_id = UnicodeAttribute()
    claimant_vouched = BooleanAttribute(default=False)
    holder_vouched = BooleanAttribute(default=False)
    payload_enc = UnicodeAttribute()  # the claimant's declaration, encrypted
    relation = UnicodeAttribute(default="self")
    state = UnicodeAttribute()  # open | proof_requested | moved | kept
    queue = UnicodeAttribute(null=True)
    evidence = UnicodeAttribute(null=True)  # the claimant's appeal text
    decided_by = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires = TTLAttribute(null=True)  # six months after the decision
    by_queue = DisputeQueueIndex()
    by_claimant = DisputeByClaimantIndex()


DISPUTE_QUEUE = frozenset({"dispute_id", "queue", "created_at"})


def _link(record: CareLinkRecord) -> CareLink:
    return CareLink(
        user_id=record.user_id,
        person_id=record.person_id,
        relation=record.relation,
        created_at=record.created_at,
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
            link.user_id, link.person_id, relation=link.relation, created_at=link.created_at
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


def _printed(record: PrintedCodeRecord) -> PrintedCode:
    assert record.issued_at is not None and record.expires_at is not None
    return PrintedCode(
        printed_id=record.printed_id,
        person_id=record.person_id,
        issued_by=record.issued_by or "",
        issued_at=record.issued_at,
        expires_at=record.expires_at,
    )


class DynamoPrintedCodes:
    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def issue(self, code: PrintedCode) -> str | None:
        """Store the code and make it the person's one in force; the one it replaced
        (revoked from now on), if any. The pointer moves with a conditional write on
        the value read, so of two issues at once each revokes the other's predecessor
        exactly once and one of the two ends in force."""
        record = PrintedCodeRecord(
            code.printed_id,
            person_id=code.person_id,
            issued_by=code.issued_by,
            issued_at=code.issued_at,
            expires_at=code.expires_at,
            expires=code.expires_at + timedelta(days=1),
        )
        pointer_key = f"person:{code.person_id}"
        with translate():
            record.save(condition=PrintedCodeRecord.printed_id.does_not_exist())
            for _ in range(5):
                previous = self._current(code.person_id)
                pointer = PrintedCodeRecord(pointer_key, person_id=code.person_id)
                condition = (
                    PrintedCodeRecord.printed_id.does_not_exist()
                    if previous is None
                    else PrintedCodeRecord.current == previous
                )
                try:
                    pointer.update(
                        actions=[
                            PrintedCodeRecord.current.set(code.printed_id),
                            PrintedCodeRecord.person_id.set(code.person_id),
                        ],
                        condition=condition,
                    )
                    return previous
                except UpdateError as exc:
                    if not conditional_failed(exc):
                        raise
        raise Conflict("printed codes are being issued at once; try again", code="stale_write")

    def revoke(self, person_id: str) -> None:
        """No printed code of the person verifies any more (the person moved to another
        account: a card its former holder printed must stop working)."""
        with translate():
            PrintedCodeRecord(f"person:{person_id}", person_id=person_id).update(
                actions=[
                    PrintedCodeRecord.current.set("revoked"),
                    PrintedCodeRecord.person_id.set(person_id),
                ]
            )

    def _current(self, person_id: str) -> str | None:
        try:
            pointer = PrintedCodeRecord.get(f"person:{person_id}", consistent_read=True)
        except DoesNotExist:
            return None
        return pointer.current

    def current(self, person_id: str) -> str | None:
        with translate():
            return self._current(person_id)

    def get(self, printed_id: str) -> PrintedCode | None:
        with translate():
            try:
                record = PrintedCodeRecord.get(printed_id)
            except DoesNotExist:
                return None
        if record.issued_at is None or expired(record, self._clock()):
            return None
        return _printed(record)


def _dispute(record: DisputeRecord) -> Dispute:
    return Dispute(
        dispute_id=record.dispute_id,
        person_id=record.person_id,
        claimant_user_id=record.claimant_user_id,
        holder_user_id=record.holder_user_id,
        claimant_vouched=bool(record.claimant_vouched),
        holder_vouched=bool(record.holder_vouched),
        state=record.state,
        created_at=record.created_at,
        evidence=record.evidence,
        decided_by=record.decided_by,
        decided_at=record.decided_at,
        note=record.note,
    )


class DynamoDisputes:
    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def add(self, dispute: Dispute, *, payload_enc: str) -> None:
        record = DisputeRecord(
            dispute.dispute_id,
            person_id=dispute.person_id,
            claimant_user_id=dispute.claimant_user_id,
            holder_user_id=dispute.holder_user_id,
            claimant_vouched=dispute.claimant_vouched,
            holder_vouched=dispute.holder_vouched,
            payload_enc=payload_enc,
            state=dispute.state,
            queue="open" if dispute.state in ("open", "proof_requested") else None,
            created_at=dispute.created_at,
            decided_by=dispute.decided_by,
            decided_at=dispute.decided_at,
            note=dispute.note,
            expires=(
                dispute.decided_at + retention.keep("disputes") if dispute.decided_at else None
            ),
        )
        with translate():
            record.save(condition=DisputeRecord.dispute_id.does_not_exist())

    def get(self, dispute_id: str) -> Dispute | None:
        with translate():
            try:
                record = DisputeRecord.get(dispute_id, consistent_read=True)
            except DoesNotExist:
                return None
        return None if expired(record, self._clock()) else _dispute(record)

    def payload(self, dispute_id: str) -> str:
        with translate():
            return str(DisputeRecord.get(dispute_id, consistent_read=True).payload_enc)

    def open_for_claimant(self, user_id: str) -> Dispute | None:
        """The claimant's newest dispute still waiting for a decision."""
        with translate():
            for record in DisputeRecord.by_claimant.query(
                user_id, scan_index_forward=False, limit=10
            ):
                if record.state in ("open", "proof_requested"):
                    return _dispute(record)
        return None

    def queue(self, *, limit: int, cursor: str | None) -> Page[Dispute]:
        with translate():
            result = DisputeRecord.by_queue.query(
                "open",
                scan_index_forward=True,
                limit=limit,
                last_evaluated_key=decode_cursor(cursor, DISPUTE_QUEUE, ("queue", "open")),
                filter_condition=live(DisputeRecord, self._clock()),
            )
            return to_page(result, _dispute)

    def add_evidence(self, dispute_id: str, text: str) -> None:
        with translate():
            DisputeRecord(dispute_id).update(
                actions=[DisputeRecord.evidence.set(text)],
                condition=DisputeRecord.dispute_id.exists(),
            )

    def decide(
        self, dispute_id: str, *, state: str, reviewer: str, note: str, now: datetime
    ) -> Dispute:
        """open / proof_requested → moved | kept | proof_requested (Conflict once decided)."""
        record = DisputeRecord(dispute_id)
        final = state in ("moved", "kept")
        actions: list[Action] = [
            DisputeRecord.state.set(state),
            DisputeRecord.decided_by.set(reviewer),
            DisputeRecord.decided_at.set(now),
            DisputeRecord.note.set(note),
        ]
        if final:
            actions += [
                DisputeRecord.queue.remove(),
                DisputeRecord.expires.set(now + retention.keep("disputes")),
            ]
        transition(
            record,
            actions,
            DisputeRecord.state.is_in("open", "proof_requested"),
            "this dispute has already been decided",
        )
        fresh = self.get(dispute_id)
        assert fresh is not None
        return fresh
