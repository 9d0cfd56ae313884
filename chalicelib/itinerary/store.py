"""Carrier stays and the place-day index, written in batches; the batch idempotency record.

Stays are keyed by the phone's keyed hash and ``<entered_at>#<kind>#<place>``:
the same stay sent again (in the same or another batch) overwrites itself.
Each stay also writes one ``place_days`` item per local day it touches, the
index the recolour job reads to find who was in a city on a day. pynamodb's
batch writer resends unprocessed items with backoff and raises if some are
still unprocessed after its retries: a batch is then reported as failed and
can be sent again safely, since every write is idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException
from pynamodb.models import Model

from chalicelib.colours.model import Stay
from chalicelib.itinerary.rules import local_days
from chalicelib.kernel.dynamo.errors import conditional_failed, translate
from chalicelib.kernel.dynamo.tables import TableMeta, table
from chalicelib.kernel.dynamo.ttl import live
from chalicelib.kernel.errors import Conflict, UpstreamUnavailable


@table
class StayRecord(Model):
    """One carrier-reported stay of a phone (keyed hash, never the number)."""

    class Meta(TableMeta):
        table_name = "stays"

    phone_hash = UnicodeAttribute(hash_key=True)
    stay_key = UnicodeAttribute(range_key=True)  # "<entered_at>#<kind>#<place>"
    place = UnicodeAttribute()
    kind = UnicodeAttribute()
    entered_at = UTCDateTimeAttribute()
    left_at = UTCDateTimeAttribute()
    batch_id = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()
    expires = TTLAttribute()


@table
class PlaceDayRecord(Model):
    """Index item: which phones stayed in a place on a local day (for recolouring)."""

    class Meta(TableMeta):
        table_name = "place_days"

    place_day = UnicodeAttribute(hash_key=True)  # "610100#2026-11-20"
    phone_hash = UnicodeAttribute(range_key=True)
    expires = TTLAttribute()


@table
class IdempotencyRecord(Model):
    """aws-lambda-powertools' idempotency table schema (key ``id``, TTL ``expiration``)."""

    class Meta(TableMeta):
        table_name = "idempotency"

    id = UnicodeAttribute(hash_key=True)
    expiration = TTLAttribute(null=True)
    status = UnicodeAttribute(null=True)
    data = UnicodeAttribute(null=True)
    validation = UnicodeAttribute(null=True)
    in_progress_expiration = NumberAttribute(null=True)


class DynamoStays:
    def __init__(self, *, retention: timedelta, clock: Callable[[], datetime]) -> None:
        self._retention = retention
        self._clock = clock

    def write(
        self, rows: Iterable[tuple[str, Stay]], *, batch_id: str, received_at: datetime
    ) -> int:
        """Write (phone_hash, stay) pairs and their place-day index items; returns items.

        A batch write may not name one key twice (DynamoDB refuses the whole request),
        yet a batch often does: two stays of a phone in one city on one day share their
        index item, and a carrier may repeat a row. Each key is written once: the last
        row for a stay key, as sequential writes would leave it, and for an index item
        the latest expiry among the stays that touch it.
        """
        records: dict[tuple[str, str], StayRecord] = {}
        index_expiry: dict[tuple[str, str], datetime] = {}
        for phone_hash, stay in rows:
            expires = stay.left_at + self._retention
            sort_key = f"{stay.entered_at.isoformat()}#{stay.kind}#{stay.place}"
            records[phone_hash, sort_key] = StayRecord(
                phone_hash,
                sort_key,
                place=stay.place,
                kind=stay.kind,
                entered_at=stay.entered_at,
                left_at=stay.left_at,
                batch_id=batch_id,
                received_at=received_at,
                expires=expires,
            )
            for day in local_days(stay):
                key = (f"{stay.place}#{day}", phone_hash)
                index_expiry[key] = max(expires, index_expiry.get(key, expires))
        try:
            with (
                translate(),
                StayRecord.batch_write() as stays,
                PlaceDayRecord.batch_write() as index,
            ):
                for record in records.values():
                    stays.save(record)
                for (place_day, phone_hash), expires in index_expiry.items():
                    index.save(PlaceDayRecord(place_day, phone_hash, expires=expires))
        except PutError as exc:
            raise UpstreamUnavailable(
                "the database did not take the whole batch; send it again (writes are idempotent)"
            ) from exc
        return len(records) + len(index_expiry)

    def phones_in(self, place: str, day: str) -> list[str]:
        with translate():
            return [
                r.phone_hash
                for r in PlaceDayRecord.query(
                    f"{place}#{day}", filter_condition=live(PlaceDayRecord, self._clock())
                )
            ]

    def stays(self, phone_hash: str, *, since: datetime) -> list[Stay]:
        """The phone's stays kept that end at or after ``since`` (what a colour reads)."""
        return [stay for stay, _ in self.for_phone(phone_hash) if stay.left_at >= since]

    def for_phone(self, phone_hash: str) -> list[tuple[Stay, datetime]]:
        """Every stay still kept for the phone, with when the carrier sent it."""
        with translate():
            return [
                (
                    Stay(kind=r.kind, place=r.place, entered_at=r.entered_at, left_at=r.left_at),
                    r.received_at,
                )
                for r in StayRecord.query(
                    phone_hash, filter_condition=live(StayRecord, self._clock())
                )
            ]


class DynamoIdempotency:
    """Idempotency records in aws-lambda-powertools' table schema (id, status, expiration,
    in_progress_expiration, validation, data)."""

    def begin(
        self, key: str, *, fingerprint: str, now: datetime, ttl: timedelta, lease: timedelta
    ) -> dict[str, Any] | None:
        """Claim ``key``; returns the stored result if it was already completed.

        Raises Conflict if the key is being processed right now, or was used for
        different content. A record past its expiry counts as absent (DynamoDB's TTL
        deletes it only lazily).
        """
        record = IdempotencyRecord(
            key,
            status="INPROGRESS",
            validation=fingerprint,
            expiration=now + ttl,
            in_progress_expiration=int((now + lease).timestamp()),
        )
        with translate():
            try:
                record.save(
                    condition=IdempotencyRecord.id.does_not_exist()
                    | (IdempotencyRecord.expiration <= now)
                    | (IdempotencyRecord.in_progress_expiration < int(now.timestamp()))
                    & (IdempotencyRecord.status == "INPROGRESS")
                )
                return None
            except PutError as exc:
                if not conditional_failed(exc):
                    raise
        with translate():
            try:
                existing = IdempotencyRecord.get(key, consistent_read=True)
            except DoesNotExist:
                raise Conflict(
                    "the batch changed state meanwhile; send it again", code="batch_in_progress"
                ) from None
        if existing.validation != fingerprint:
            raise Conflict(
                "this batch_id was already used for different content",
                field="batch_id",
                code="batch_id_reused",
            )
        if existing.status != "COMPLETED":
            raise Conflict(
                "this batch is being processed; try again shortly",
                field="batch_id",
                code="batch_in_progress",
            )
        return dict(json.loads(existing.data or "{}"))

    def complete(self, key: str, result: dict[str, Any]) -> None:
        with translate():
            IdempotencyRecord(key).update(
                actions=[
                    IdempotencyRecord.status.set("COMPLETED"),
                    IdempotencyRecord.data.set(json.dumps(result)),
                ]
            )

    def abandon(self, key: str) -> None:
        """Release the claim after a failure, so the batch can be sent again at once."""
        try:
            with translate():
                IdempotencyRecord(key).delete(condition=IdempotencyRecord.status == "INPROGRESS")
        except PynamoDBException:
            pass
