"""Identity disputes in DynamoDB: one item per dispute, a sparse queue for reviewers, and
the claimant's open dispute by index (docs/people.md)."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import (
    BooleanAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.kernel import retention
from chalicelib.kernel.dynamo.common import Clock, decode_cursor, to_page, transition
from chalicelib.kernel.dynamo.errors import translate
from chalicelib.kernel.dynamo.tables import TableMeta, index_meta, table
from chalicelib.kernel.dynamo.ttl import expired, live
from chalicelib.kernel.paging import Page
from chalicelib.people.rules import Dispute


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
