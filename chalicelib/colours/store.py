"""Stored colours, with an optimistic lock on the person's version.

Reads of tables with a TTL drop expired items (``ttl.live`` / ``ttl.expired``):
DynamoDB deletes them only lazily. Retention periods come from
``chalicelib/kernel/retention.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.colours.model import (
    Assessment,
    Colour,
    Reason,
    RequiredAction,
    StoredColour,
    TestResult,
    VaccinationSummary,
)
from chalicelib.colours.table import ACTIONS, ended_by, rule_of
from chalicelib.kernel.dynamo.common import StaleWrite, iso_text, parse_time_text
from chalicelib.kernel.dynamo.errors import conditional_failed, translate
from chalicelib.kernel.dynamo.tables import TableMeta, index_meta, table
from chalicelib.kernel.person import Person


class ColourByDueIndex(GlobalSecondaryIndex["ColourRecord"]):
    """``due_bucket`` is the UTC hour of ``valid_until``: expire_due reads a few buckets."""

    Meta = index_meta("by_due", KeysOnlyProjection())
    due_bucket = UnicodeAttribute(hash_key=True)
    valid_until = UTCDateTimeAttribute(range_key=True)


class ColourByHolderIndex(GlobalSecondaryIndex["ColourRecord"]):
    """A checkpoint's scan: the token's pseudonymous holder id → the current colour."""

    Meta = index_meta("by_holder")
    holder_id = UnicodeAttribute(hash_key=True)


@table
class ColourRecord(Model):
    """The stored colour of a person, with what it was computed from.

    It also carries the holder id and the masked name and ID number, so that
    showing a code is one GetItem and verifying one is one Query.
    """

    class Meta(TableMeta):
        table_name = "colours"

    person_id = UnicodeAttribute(hash_key=True)
    holder_id = UnicodeAttribute(null=True)
    name_masked = UnicodeAttribute(null=True)
    id_masked = UnicodeAttribute(null=True)
    owner_user_id = UnicodeAttribute(null=True)
    itinerary_starred = BooleanAttribute(null=True)
    latest_test = JSONAttribute(null=True)  # {result, sampled_at, lab}: the badge's source
    vaccination = JSONAttribute(null=True)  # {doses, last_at}: shown with the code
    colour = UnicodeAttribute()
    reasons = JSONAttribute(default=list)
    valid_until = UTCDateTimeAttribute(null=True)
    due_bucket = UnicodeAttribute(null=True)
    computed_at = UTCDateTimeAttribute()
    policy_version = UnicodeAttribute()
    feed_id = UnicodeAttribute(null=True)
    version = VersionAttribute()
    by_due = ColourByDueIndex()
    by_holder = ColourByHolderIndex()


def reasons_to_json(reasons: Iterable[Reason]) -> list[dict[str, Any]]:
    return [
        {
            "code": r.code,
            "colour": r.colour.value,
            "text_zh": r.text_zh,
            "text_en": r.text_en,
            "until": iso_text(r.until),
            "since": iso_text(r.since),
            "action": r.action.code if r.action else None,
            "ends": r.ends,
            "rule": r.rule,
        }
        for r in reasons
    ]


def reasons_from_json(items: Any) -> tuple[Reason, ...]:
    return tuple(
        Reason(
            code=i["code"],
            colour=Colour(i["colour"]),
            text_zh=i["text_zh"],
            text_en=i["text_en"],
            until=parse_time_text(i.get("until")),
            since=parse_time_text(i.get("since")),
            action=_action(i.get("action")),
            ends=i.get("ends") or ended_by(i["code"]),
            rule=i.get("rule") or rule_of(i["code"], i["text_zh"]),
        )
        for i in items or ()
    )


def _action(code: Any) -> RequiredAction | None:
    """A stored pop-up, by its code; texts come from the rule table (ACTIONS)."""
    if not isinstance(code, str) or code not in ACTIONS:
        return None
    zh, en = ACTIONS[code]
    return RequiredAction(code=code, text_zh=zh, text_en=en)


def _stored(record: ColourRecord) -> StoredColour:
    assessment = Assessment(
        colour=Colour(record.colour),
        reasons=reasons_from_json(record.reasons),
        valid_until=record.valid_until,
        policy_version=record.policy_version,
        feed_id=record.feed_id,
        as_of=record.computed_at,
    )
    return StoredColour(
        person_id=record.person_id,
        assessment=assessment,
        computed_at=record.computed_at,
        version=record.version,
        holder_id=record.holder_id,
        name_masked=record.name_masked,
        id_masked=record.id_masked,
        owner_user_id=record.owner_user_id,
        itinerary_starred=record.itinerary_starred,
        latest_test=_latest_test(record.latest_test),
        vaccination=_vaccination(record.vaccination),
    )


def _vaccination(raw: Any) -> VaccinationSummary | None:
    if not isinstance(raw, dict):
        return None
    return VaccinationSummary(doses=int(raw["doses"]), last_at=parse_time_text(raw.get("last_at")))


def _latest_test(raw: Any) -> TestResult | None:
    if not isinstance(raw, dict):
        return None
    return TestResult(
        sampled_at=datetime.fromisoformat(raw["sampled_at"]),
        result=raw["result"],
        lab=raw.get("lab", ""),
    )


class DynamoColours:
    def get(self, person_id: str, *, consistent: bool = False) -> StoredColour | None:
        with translate():
            try:
                return _stored(ColourRecord.get(person_id, consistent_read=consistent))
            except DoesNotExist:
                return None

    def save(
        self,
        person: Person,
        assessment: Assessment,
        *,
        expected_version: int | None,
        itinerary_starred: bool | None = None,
        latest_test: TestResult | None = None,
        vaccination: VaccinationSummary | None = None,
    ) -> StoredColour:
        """Write the assessment if nobody wrote since ``expected_version`` was read."""
        record = ColourRecord(
            person.person_id,
            holder_id=person.holder_id,
            name_masked=person.name_masked,
            id_masked=person.id_masked,
            owner_user_id=person.owner_user_id,
            itinerary_starred=itinerary_starred,
            latest_test=(
                {
                    "result": latest_test.result,
                    "sampled_at": latest_test.sampled_at.isoformat(),
                    "lab": latest_test.lab,
                }
                if latest_test is not None
                else None
            ),
            vaccination=(
                {"doses": vaccination.doses, "last_at": iso_text(vaccination.last_at)}
                if vaccination is not None and vaccination.doses
                else None
            ),
            colour=assessment.colour.value,
            reasons=reasons_to_json(assessment.reasons),
            valid_until=assessment.valid_until,
            due_bucket=(
                assessment.valid_until.strftime("%Y-%m-%dT%H") if assessment.valid_until else None
            ),
            computed_at=assessment.as_of,
            policy_version=assessment.policy_version,
            feed_id=assessment.feed_id,
        )
        if expected_version is not None:
            record.version = expected_version
        with translate():
            try:
                record.save()  # VersionAttribute: conditional on the version we read
            except PutError as exc:
                if conditional_failed(exc):
                    raise StaleWrite("the colour changed meanwhile") from None
                raise
        return _stored(record)

    def due(self, bucket: str, *, until: datetime) -> list[str]:
        """People whose colour can change by ``until``, in one hourly bucket of the index."""
        with translate():
            return [
                r.person_id
                for r in ColourRecord.by_due.query(bucket, ColourRecord.valid_until <= until)
            ]

    def by_holder(self, holder_id: str) -> StoredColour | None:
        with translate():
            for record in ColourRecord.by_holder.query(holder_id, limit=1):
                return _stored(record)
        return None
