"""People: one item per person, found by id, by keyed ID hash or by holder id.

Reads of tables with a TTL drop expired items (``ttl.live`` / ``ttl.expired``):
DynamoDB deletes them only lazily. Retention periods come from
``chalicelib/kernel/retention.py``.
"""

from __future__ import annotations

from datetime import date, datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.kernel.dynamo.common import StaleWrite
from chalicelib.kernel.dynamo.errors import conditional_failed, translate
from chalicelib.kernel.dynamo.tables import TableMeta, index_meta, table
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.person import Person


class PersonByOwnerIndex(GlobalSecondaryIndex["PersonRecord"]):
    Meta = index_meta("by_owner")
    owner_user_id = UnicodeAttribute(hash_key=True)


class PersonByIdHashIndex(GlobalSecondaryIndex["PersonRecord"]):
    Meta = index_meta("by_id_hash", KeysOnlyProjection())
    id_hash = UnicodeAttribute(hash_key=True)


class PersonByResidenceIndex(GlobalSecondaryIndex["PersonRecord"]):
    Meta = index_meta("by_residence", KeysOnlyProjection())
    residence_region = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute(range_key=True)


class PersonByHolderIndex(GlobalSecondaryIndex["PersonRecord"]):
    Meta = index_meta("by_holder")
    holder_id = UnicodeAttribute(hash_key=True)


class PersonByFedHashIndex(GlobalSecondaryIndex["PersonRecord"]):
    """Sparse: a partner region's attestation finds the local person by the federation
    hash of the ID number (only people declared with a federation key carry one)."""

    Meta = index_meta("by_fed_hash", KeysOnlyProjection())
    fed_hash = UnicodeAttribute(hash_key=True)


@table
class PersonRecord(Model):
    """A person with a health code: the account holder or one of up to 5 dependants."""

    class Meta(TableMeta):
        table_name = "people"

    person_id = UnicodeAttribute(hash_key=True)
    owner_user_id = UnicodeAttribute()
    relation = UnicodeAttribute(default="self")
    holder_id = UnicodeAttribute()
    id_hash = UnicodeAttribute()
    id_enc = UnicodeAttribute()
    id_masked = UnicodeAttribute()
    name_enc = UnicodeAttribute()
    name_masked = UnicodeAttribute()
    residence_region = UnicodeAttribute()
    address_enc = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()
    fed_hash = UnicodeAttribute(null=True)
    consent_age_on = UnicodeAttribute(null=True)  # ISO date: the 14th birthday
    by_owner = PersonByOwnerIndex()
    by_id_hash = PersonByIdHashIndex()
    by_residence = PersonByResidenceIndex()
    by_holder = PersonByHolderIndex()
    by_fed_hash = PersonByFedHashIndex()


def _person(record: PersonRecord) -> Person:
    return Person(
        person_id=record.person_id,
        owner_user_id=record.owner_user_id,
        holder_id=record.holder_id,
        id_hash=record.id_hash,
        id_masked=record.id_masked,
        name_masked=record.name_masked,
        residence_region=record.residence_region,
        relation=record.relation,
        version=record.version,
        fed_hash=record.fed_hash,
        consent_age_on=date.fromisoformat(record.consent_age_on) if record.consent_age_on else None,
    )


class DynamoPeople:
    def get(self, person_id: str) -> Person | None:
        with translate():
            try:
                return _person(PersonRecord.get(person_id))
            except DoesNotExist:
                return None

    def self_of(self, user_id: str) -> Person | None:
        with translate():
            for record in PersonRecord.by_owner.query(user_id):
                if record.relation == "self":
                    return _person(record)
        return None

    def ids_by_id_hash(self, id_hash: str) -> list[str]:
        with translate():
            return [r.person_id for r in PersonRecord.by_id_hash.query(id_hash)]

    def ids_by_fed_hash(self, fed_hash: str) -> list[str]:
        with translate():
            return [r.person_id for r in PersonRecord.by_fed_hash.query(fed_hash)]

    def create(
        self, person: Person, *, id_enc: str, name_enc: str, address_enc: str, now: datetime
    ) -> Person:
        record = PersonRecord(
            person.person_id,
            owner_user_id=person.owner_user_id,
            relation=person.relation,
            holder_id=person.holder_id,
            id_hash=person.id_hash,
            id_enc=id_enc,
            id_masked=person.id_masked,
            name_enc=name_enc,
            name_masked=person.name_masked,
            residence_region=person.residence_region,
            address_enc=address_enc,
            created_at=now,
            updated_at=now,
            fed_hash=person.fed_hash,
            consent_age_on=person.consent_age_on.isoformat() if person.consent_age_on else None,
        )
        with translate():
            try:
                record.save(condition=PersonRecord.person_id.does_not_exist())
            except PutError as exc:
                if conditional_failed(exc):
                    raise Conflict("this person is already filed", code="already_exists") from None
                raise
        return _person(record)

    def update_details(
        self,
        person: Person,
        *,
        name_enc: str,
        name_masked: str,
        address_enc: str,
        residence_region: str,
        now: datetime,
        fed_hash: str | None = None,
        consent_age_on: date | None = None,
    ) -> Person:
        """New name / address / residence from a later declaration (optimistic lock); the
        federation hash and the 14th birthday too, for people filed before they were kept."""
        record = PersonRecord(person.person_id, version=person.version)
        actions: list[Action] = [
            PersonRecord.name_enc.set(name_enc),
            PersonRecord.name_masked.set(name_masked),
            PersonRecord.address_enc.set(address_enc),
            PersonRecord.residence_region.set(residence_region),
            PersonRecord.updated_at.set(now),
        ]
        if fed_hash is not None:
            actions.append(PersonRecord.fed_hash.set(fed_hash))
        if consent_age_on is not None:
            actions.append(PersonRecord.consent_age_on.set(consent_age_on.isoformat()))
        with translate():
            try:
                record.update(actions=actions)
            except UpdateError as exc:
                if conditional_failed(exc):
                    raise StaleWrite("the person changed meanwhile") from None
                raise
        return _person(record)

    def name_enc_of(self, person_id: str) -> str | None:
        """The encrypted name: a guardian adding a person already filed must know it."""
        with translate():
            try:
                return str(PersonRecord.get(person_id, attributes_to_get=["name_enc"]).name_enc)
            except DoesNotExist:
                return None

    def set_owner(self, person: Person, *, user_id: str, relation: str, now: datetime) -> Person:
        """The account whose own person this is (``self``), or, for a person only guardians
        hold, the first of them (``dependant``); optimistic lock on the person's version."""
        record = PersonRecord(person.person_id, version=person.version)
        with translate():
            try:
                record.update(
                    actions=[
                        PersonRecord.owner_user_id.set(user_id),
                        PersonRecord.relation.set(relation),
                        PersonRecord.updated_at.set(now),
                    ]
                )
            except UpdateError as exc:
                if conditional_failed(exc):
                    raise StaleWrite("the person changed meanwhile") from None
                raise
        return _person(record)

    def residents(self, region_code: str) -> list[str]:
        """The people who declared a residence in the district (keys only)."""
        with translate():
            return [r.person_id for r in PersonRecord.by_residence.query(region_code)]
