"""Checkpoint scans (sharded by district and day, for the risk refresh) and printed codes
(纸质码), in DynamoDB."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pynamodb.attributes import (
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.colours.model import VenueScan
from chalicelib.kernel.dynamo.common import (
    Clock,
)
from chalicelib.kernel.dynamo.errors import conditional_failed, translate
from chalicelib.kernel.dynamo.tables import TableMeta, index_meta, table
from chalicelib.kernel.dynamo.ttl import expired, live
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.times import local_day
from chalicelib.people.rules import PrintedCode


class ScanByRegionDayIndex(GlobalSecondaryIndex["ScanRecord"]):
    Meta = index_meta("by_region_day", KeysOnlyProjection())
    region_day = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute(range_key=True)


@table
class ScanRecord(Model):
    """A checkpoint scan of a person at a venue."""

    class Meta(TableMeta):
        table_name = "scans"

    person_id = UnicodeAttribute(hash_key=True)
    scan_key = UnicodeAttribute(range_key=True)  # "<scanned_at>#<scan_id>"
    venue_id = UnicodeAttribute(null=True)
    region_code = UnicodeAttribute(null=True)
    region_day = UnicodeAttribute(null=True)
    scanned_by = UnicodeAttribute()
    colour = UnicodeAttribute()
    scanned_at = UTCDateTimeAttribute()
    expires = TTLAttribute()
    by_region_day = ScanByRegionDayIndex()


# A district's scans of a day are spread over this many index keys (<district>#<day>#<n>,
# n from the person id): at the morning peak the busiest district alone writes about one
# partition's worth of index entries a second onto one key (docs/capacity.md). The risk
# refresh, which runs rarely, reads all of them.
SCAN_SHARDS = 16


def scan_region_key(region_code: str, day: str, person_id: str) -> str:
    shard = (
        int.from_bytes(hashlib.blake2b(person_id.encode(), digest_size=2).digest()) % SCAN_SHARDS
    )
    return f"{region_code}#{day}#{shard}"


class DynamoScans:
    def add(
        self,
        *,
        person_id: str,
        scan_id: str,
        venue_id: str | None,
        region_code: str | None,
        scanned_by: str,
        colour: str,
        at: datetime,
        expires: datetime,
    ) -> None:
        record = ScanRecord(
            person_id,
            f"{at.isoformat()}#{scan_id}",
            venue_id=venue_id,
            region_code=region_code,
            region_day=scan_region_key(region_code, local_day(at).isoformat(), person_id)
            if region_code
            else None,
            scanned_by=scanned_by,
            colour=colour,
            scanned_at=at,
            expires=expires,
        )
        with translate():
            record.save()

    def scan_keys(self, region_code: str, day: str) -> list[str]:
        """A district's day of scans: every shard (SCAN_SHARDS), and the unsharded key
        that scans written before the shards came in still carry."""
        return [f"{region_code}#{day}"] + [f"{region_code}#{day}#{n}" for n in range(SCAN_SHARDS)]

    def scanned_at(self, key: str) -> list[str]:
        """The people scanned under one of :meth:`scan_keys` (keys only)."""
        with translate():
            return [r.person_id for r in ScanRecord.by_region_day.query(key)]


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


class ScanFacts:
    """What a colour reads of a person's checkpoint scans: those at a venue of a known
    district since a moment, which put the person in that district at that time."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def scans(self, person_id: str, *, since: datetime) -> list[VenueScan]:
        with translate():
            return [
                VenueScan(region_code=r.region_code, at=r.scanned_at)
                for r in ScanRecord.query(
                    person_id,
                    ScanRecord.scan_key >= since.isoformat(),
                    filter_condition=live(ScanRecord, self._clock()),
                )
                if r.region_code
            ]
