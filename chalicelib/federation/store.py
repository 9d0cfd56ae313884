"""Trust lists, partner attestations and conversions in DynamoDB (docs/federation.md).

Every method is a GetItem, a Query on a key, or a conditional write:

- a trust-list version is put once (``attribute_not_exists``) and the
  ``@current`` pointer only ever moves up (condition: its version is lower);
- a partner's attestation replaces the stored one of the same region only if
  it was attested later, so a replayed old batch cannot undo a newer word;
- a conversion is put once under its fresh holder id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.models import Model

from chalicelib.colours.model import Colour, PartnerStatus
from chalicelib.federation.rules import Conversion, TrustList
from chalicelib.kernel.dynamo.common import Clock
from chalicelib.kernel.dynamo.errors import conditional_failed, translate
from chalicelib.kernel.dynamo.tables import TableMeta, table
from chalicelib.kernel.dynamo.ttl import live
from chalicelib.kernel.errors import Conflict


@table
class TrustListRecord(Model):
    """A verified trust list, kept per version (``v<version>``, immutable); the item
    ``@current`` names the version in force (raised only, with a conditional write)."""

    class Meta(TableMeta):
        table_name = "trust_lists"

    list_key = UnicodeAttribute(hash_key=True)  # "@current" or "v0000000003"
    version = NumberAttribute()
    issued_at = UTCDateTimeAttribute(null=True)
    document = JSONAttribute(null=True)  # the signed document as uploaded
    uploaded_by = UnicodeAttribute(null=True)
    uploaded_at = UTCDateTimeAttribute()


@table
class PartnerStatusRecord(Model):
    """A partner region's latest attestation about one federation hash; gone at its end."""

    class Meta(TableMeta):
        table_name = "partner_status"

    fed_hash = UnicodeAttribute(hash_key=True)
    region = UnicodeAttribute(range_key=True)
    colour = UnicodeAttribute()
    reasons = ListAttribute(of=UnicodeAttribute, default=list)
    valid_until = UTCDateTimeAttribute()
    attested_at = UTCDateTimeAttribute()
    batch_id = UnicodeAttribute()
    kid = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()
    expires = TTLAttribute()  # = valid_until


@table
class ConversionRecord(Model):
    """A partner's or the national code converted into one of ours (way (b)), found by
    the local code's holder id when a checkpoint scans it."""

    class Meta(TableMeta):
        table_name = "conversions"

    holder_id = UnicodeAttribute(hash_key=True)
    source_region = UnicodeAttribute()
    source_kid = UnicodeAttribute()
    source_holder = UnicodeAttribute()
    colour = UnicodeAttribute()
    source_expires_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    converted_by = UnicodeAttribute()
    converted_at = UTCDateTimeAttribute()
    expires = TTLAttribute()


CURRENT = "@current"
CONVERSION_RETENTION = timedelta(days=15)  # as long as the scans of the same codes


def _version_key(version: int) -> str:
    return f"v{version:016d}"


class DynamoTrustLists:
    def current_version(self) -> int | None:
        with translate():
            try:
                record = TrustListRecord.get(CURRENT, attributes_to_get=["version"])
            except DoesNotExist:
                return None
        return int(record.version)

    def get(self, version: int) -> dict[str, Any] | None:
        with translate():
            try:
                record = TrustListRecord.get(_version_key(version))
            except DoesNotExist:
                return None
        return dict(record.document or {})

    def store(self, trust_list: TrustList, *, uploaded_by: str, now: datetime) -> bool:
        record = TrustListRecord(
            _version_key(trust_list.version),
            version=trust_list.version,
            issued_at=trust_list.issued_at,
            document=trust_list.document,
            uploaded_by=uploaded_by,
            uploaded_at=now,
        )
        with translate():
            try:
                record.save(condition=TrustListRecord.list_key.does_not_exist())
            except PutError as exc:
                if conditional_failed(exc):
                    return False
                raise
        return True

    def switch(self, version: int, *, now: datetime) -> bool:
        record = TrustListRecord(CURRENT, version=version, uploaded_at=now)
        with translate():
            try:
                record.save(
                    condition=TrustListRecord.list_key.does_not_exist()
                    | (TrustListRecord.version < version)
                )
            except PutError as exc:
                if conditional_failed(exc):
                    return False
                raise
        return True


def partner_status(record: PartnerStatusRecord) -> PartnerStatus:
    return PartnerStatus(
        region=record.region,
        colour=Colour(record.colour),
        valid_until=record.valid_until,
        attested_at=record.attested_at,
        reasons=tuple(str(r) for r in record.reasons or ()),
    )


class DynamoPartnerStatuses:
    def put_if_newer(
        self, fed_hash: str, status: PartnerStatus, *, batch_id: str, kid: str, now: datetime
    ) -> bool:
        record = PartnerStatusRecord(
            fed_hash,
            status.region,
            colour=status.colour.value,
            reasons=list(status.reasons),
            valid_until=status.valid_until,
            attested_at=status.attested_at,
            batch_id=batch_id,
            kid=kid,
            received_at=now,
            expires=status.valid_until,
        )
        with translate():
            try:
                record.save(
                    condition=PartnerStatusRecord.fed_hash.does_not_exist()
                    | (PartnerStatusRecord.attested_at < status.attested_at)
                )
            except PutError as exc:
                if conditional_failed(exc):
                    return False
                raise
        return True


class DynamoConversions:
    def add(self, conversion: Conversion) -> None:
        record = ConversionRecord(
            conversion.holder_id,
            source_region=conversion.source_region,
            source_kid=conversion.source_kid,
            source_holder=conversion.source_holder,
            colour=conversion.colour.value,
            source_expires_at=conversion.source_expires_at,
            expires_at=conversion.expires_at,
            converted_by=conversion.converted_by,
            converted_at=conversion.converted_at,
            expires=conversion.converted_at + CONVERSION_RETENTION,
        )
        with translate():
            try:
                record.save(condition=ConversionRecord.holder_id.does_not_exist())
            except PutError as exc:
                if conditional_failed(exc):
                    raise Conflict("holder id collision; convert again", code="retry") from None
                raise

    def get(self, holder_id: str) -> Conversion | None:
        with translate():
            try:
                record = ConversionRecord.get(holder_id)
            except DoesNotExist:
                return None
        return Conversion(
            holder_id=record.holder_id,
            source_region=record.source_region,
            source_kid=record.source_kid,
            source_holder=record.source_holder,
            colour=Colour(record.colour),
            source_expires_at=record.source_expires_at,
            expires_at=record.expires_at,
            converted_by=record.converted_by,
            converted_at=record.converted_at,
        )


class PartnerFacts:
    """What a colour reads of partner regions' live attestations about a person."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def partner_statuses(self, fed_hash: str) -> list[PartnerStatus]:
        with translate():
            return [
                partner_status(r)
                for r in PartnerStatusRecord.query(
                    fed_hash, filter_condition=live(PartnerStatusRecord, self._clock())
                )
            ]
