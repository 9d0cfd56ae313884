"""Venues, check-ins, co-location exposures and vaccination records (issue 17).

Every read is a GetItem or a Query on a key: a venue by id; a person's
check-ins (the colour engine's venue scans, and a case's visits); one
``venue × hour`` bucket of check-ins (co-location); a person's exposures; a
case's exposures (lifting it); an account's check-ins (``GET /v1/checkins``);
a person's vaccinations by the ID number's keyed hash. Reads of tables with a
TTL drop expired items (DynamoDB deletes them lazily).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.colours.model import Vaccination, VenueExposure, VenueScan
from chalicelib.kernel.dynamo.common import Clock, decode_cursor, to_page
from chalicelib.kernel.dynamo.errors import conditional_failed, translate
from chalicelib.kernel.dynamo.tables import TableMeta, index_meta, table
from chalicelib.kernel.dynamo.ttl import live
from chalicelib.kernel.errors import Conflict, UpstreamUnavailable
from chalicelib.kernel.paging import Page
from chalicelib.kernel.times import local_day
from chalicelib.venues.rules import (
    Assignment,
    Checkin,
    Contact,
    StoredVaccination,
    VaccinationRow,
    Venue,
    VenueDetails,
    hour_bucket,
)


@table
class VenueRecord(Model):
    """A registered venue (场所) and the generation of its current poster token."""

    class Meta(TableMeta):
        table_name = "venues"

    venue_id = UnicodeAttribute(hash_key=True)  # "<district>-<8 hex>"
    name = UnicodeAttribute()
    address = UnicodeAttribute()
    region_code = UnicodeAttribute()
    lat = NumberAttribute()
    lng = NumberAttribute()
    kind = UnicodeAttribute()
    generation = NumberAttribute()
    token = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    reissued_at = UTCDateTimeAttribute(null=True)


class CheckinByVenueHourIndex(GlobalSecondaryIndex["CheckinRecord"]):
    """Co-location: who was at a venue in one UTC hour (``<venue>#2026-11-20T02``)."""

    Meta = index_meta("by_venue_hour")
    venue_hour = UnicodeAttribute(hash_key=True)
    at_person = UnicodeAttribute(range_key=True)  # "<at>#<person_id>"


class CheckinByOwnerIndex(GlobalSecondaryIndex["CheckinRecord"]):
    """``GET /v1/checkins``: the account's own check-ins, for itself and its dependants."""

    Meta = index_meta("by_owner")
    owner_user_id = UnicodeAttribute(hash_key=True)
    checkin_key = UnicodeAttribute(range_key=True)


class CheckinByRegionDayIndex(GlobalSecondaryIndex["CheckinRecord"]):
    """The risk refresh: who checked in in a district on a local day, as for scans."""

    Meta = index_meta("by_region_day", KeysOnlyProjection())
    region_day = UnicodeAttribute(hash_key=True)  # "610113#2026-11-20"
    person_id = UnicodeAttribute(range_key=True)


@table
class CheckinRecord(Model):
    """A citizen's check-in at a venue (扫场所码)."""

    class Meta(TableMeta):
        table_name = "checkins"

    person_id = UnicodeAttribute(hash_key=True)
    checkin_key = UnicodeAttribute(range_key=True)  # "<at>#<checkin_id>"
    checkin_id = UnicodeAttribute()
    owner_user_id = UnicodeAttribute()
    venue_id = UnicodeAttribute()
    venue_name = UnicodeAttribute()
    region_code = UnicodeAttribute()
    venue_hour = UnicodeAttribute()
    at_person = UnicodeAttribute()
    region_day = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    colour = UnicodeAttribute()
    expires = TTLAttribute()
    by_venue_hour = CheckinByVenueHourIndex()
    by_owner = CheckinByOwnerIndex()
    by_region_day = CheckinByRegionDayIndex()


class ExposureByCaseIndex(GlobalSecondaryIndex["ExposureRecord"]):
    """Lifting a case: every exposure it caused."""

    Meta = index_meta("by_case", KeysOnlyProjection())
    case_ref = UnicodeAttribute(hash_key=True)


@table
class ExposureRecord(Model):
    """A co-location contact (时空伴随): a person's visit near a confirmed case's."""

    class Meta(TableMeta):
        table_name = "exposures"

    person_id = UnicodeAttribute(hash_key=True)
    exposure_key = UnicodeAttribute(range_key=True)  # "<case_ref>#<checkin_id>"
    case_ref = UnicodeAttribute()
    venue_id = UnicodeAttribute()
    venue_name = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    found_at = UTCDateTimeAttribute()
    expires = TTLAttribute()
    by_case = ExposureByCaseIndex()


class VaccinationByIdHashIndex(GlobalSecondaryIndex["VaccinationRecord"]):
    Meta = index_meta("by_id_hash")
    id_hash = UnicodeAttribute(hash_key=True)
    record_id = UnicodeAttribute(range_key=True)


@table
class VaccinationRecord(Model):
    """A vaccination record from a vaccinator client, filed under the ID number's keyed
    hash (it waits for people who have not declared yet); one item per record id, which
    only the client that first sent it may correct (``submitted_by``)."""

    class Meta(TableMeta):
        table_name = "vaccinations"

    record_id = UnicodeAttribute(hash_key=True)
    id_hash = UnicodeAttribute()
    dose_number = NumberAttribute()
    vaccine = UnicodeAttribute()
    site = UnicodeAttribute()
    administered_at = UTCDateTimeAttribute()
    submitted_by = UnicodeAttribute()
    batch_id = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()
    by_id_hash = VaccinationByIdHashIndex()


class AssignmentByIdIndex(GlobalSecondaryIndex["AssignmentRecord"]):
    """Ending an assignment by its id (``DELETE /v1/admin/assignments/{id}``)."""

    Meta = index_meta("by_id", KeysOnlyProjection())
    assignment_id = UnicodeAttribute(hash_key=True)


@table
class AssignmentRecord(Model):
    """A checkpoint account posted at a venue (issue 29): one item per (account, venue),
    so a scan reads the account's posts, with their districts, in one Query."""

    class Meta(TableMeta):
        table_name = "assignments"

    user_id = UnicodeAttribute(hash_key=True)  # the session subject of the checkpoint
    venue_id = UnicodeAttribute(range_key=True)
    assignment_id = UnicodeAttribute()
    region_code = UnicodeAttribute()  # the venue's registered district
    assigned_by = UnicodeAttribute()
    assigned_at = UTCDateTimeAttribute()
    by_id = AssignmentByIdIndex()


BATCH_GET = 100
CHECKIN_KEYS = frozenset({"person_id", "checkin_key"})


def _venue(record: VenueRecord) -> Venue:
    return Venue(
        venue_id=record.venue_id,
        details=VenueDetails(
            name=record.name,
            address=record.address,
            region_code=record.region_code,
            lat=float(record.lat),
            lng=float(record.lng),
            kind=record.kind,
        ),
        generation=int(record.generation),
        token=record.token,
        created_by=record.created_by,
        created_at=record.created_at,
        reissued_at=record.reissued_at,
    )


class DynamoVenues:
    def add(self, venue: Venue) -> None:
        d = venue.details
        record = VenueRecord(
            venue.venue_id,
            name=d.name,
            address=d.address,
            region_code=d.region_code,
            lat=d.lat,
            lng=d.lng,
            kind=d.kind,
            generation=venue.generation,
            token=venue.token,
            created_by=venue.created_by,
            created_at=venue.created_at,
        )
        with translate():
            try:
                record.save(condition=VenueRecord.venue_id.does_not_exist())
            except PutError as exc:
                if conditional_failed(exc):
                    raise Conflict("a venue with this id exists", code="duplicate") from None
                raise

    def get(self, venue_id: str) -> Venue | None:
        with translate():
            try:
                return _venue(VenueRecord.get(venue_id))
            except DoesNotExist:
                return None

    def rotate(self, venue: Venue, *, token: str, now: datetime) -> Venue:
        """The next generation, if nobody reissued since ``venue`` was read."""
        record = VenueRecord(venue.venue_id)
        with translate():
            try:
                record.update(
                    actions=[
                        VenueRecord.generation.set(venue.generation + 1),
                        VenueRecord.token.set(token),
                        VenueRecord.reissued_at.set(now),
                    ],
                    condition=VenueRecord.generation == venue.generation,
                )
            except UpdateError as exc:
                if conditional_failed(exc):
                    raise Conflict(
                        "the poster was reissued meanwhile", code="already_reissued"
                    ) from None
                raise
        return _venue(record)


def _assignment(record: AssignmentRecord) -> Assignment:
    return Assignment(
        assignment_id=record.assignment_id,
        user_id=record.user_id,
        venue_id=record.venue_id,
        region_code=record.region_code,
        assigned_by=record.assigned_by,
        assigned_at=record.assigned_at,
    )


class DynamoAssignments:
    def add(self, assignment: Assignment) -> None:
        record = AssignmentRecord(
            assignment.user_id,
            assignment.venue_id,
            assignment_id=assignment.assignment_id,
            region_code=assignment.region_code,
            assigned_by=assignment.assigned_by,
            assigned_at=assignment.assigned_at,
        )
        with translate():
            try:
                record.save(condition=AssignmentRecord.venue_id.does_not_exist())
            except PutError as exc:
                if conditional_failed(exc):
                    raise Conflict(
                        "this account is already posted at this venue",
                        field="venue_id",
                        code="already_assigned",
                    ) from None
                raise

    def for_user(self, user_id: str) -> list[Assignment]:
        """The account's posts: one Query on the key (every scan reads it)."""
        with translate():
            return [_assignment(r) for r in AssignmentRecord.query(user_id)]

    def get(self, assignment_id: str) -> Assignment | None:
        with translate():
            for key in AssignmentRecord.by_id.query(assignment_id, limit=1):
                try:
                    return _assignment(AssignmentRecord.get(key.user_id, key.venue_id))
                except DoesNotExist:
                    return None
        return None

    def remove(self, assignment: Assignment) -> bool:
        """Delete it if it is still the same post; False when it was ended meanwhile."""
        with translate():
            try:
                AssignmentRecord(assignment.user_id, assignment.venue_id).delete(
                    condition=AssignmentRecord.assignment_id == assignment.assignment_id
                )
            except DeleteError as exc:
                if conditional_failed(exc):
                    return False
                raise
        return True


def _checkin(record: CheckinRecord) -> Checkin:
    return Checkin(
        checkin_id=record.checkin_id,
        person_id=record.person_id,
        owner_user_id=record.owner_user_id,
        venue_id=record.venue_id,
        venue_name=record.venue_name,
        region_code=record.region_code,
        at=record.at,
        colour=record.colour,
    )


class DynamoCheckins:
    def add(self, checkin: Checkin, *, expires: datetime) -> None:
        at = checkin.at.isoformat()
        record = CheckinRecord(
            checkin.person_id,
            f"{at}#{checkin.checkin_id}",
            checkin_id=checkin.checkin_id,
            owner_user_id=checkin.owner_user_id,
            venue_id=checkin.venue_id,
            venue_name=checkin.venue_name,
            region_code=checkin.region_code,
            venue_hour=f"{checkin.venue_id}#{hour_bucket(checkin.at)}",
            region_day=f"{checkin.region_code}#{local_day(checkin.at).isoformat()}",
            at_person=f"{at}#{checkin.person_id}",
            at=checkin.at,
            colour=checkin.colour,
            expires=expires,
        )
        with translate():
            record.save()

    def for_person(self, person_id: str, *, since: datetime, now: datetime) -> list[Checkin]:
        with translate():
            return [
                _checkin(r)
                for r in CheckinRecord.query(
                    person_id,
                    CheckinRecord.checkin_key >= since.isoformat(),
                    filter_condition=live(CheckinRecord, now),
                )
            ]

    def in_bucket(self, venue_id: str, bucket: str, *, now: datetime) -> list[Checkin]:
        """Everyone checked in at ``venue_id`` during one UTC hour."""
        with translate():
            return [
                _checkin(r)
                for r in CheckinRecord.by_venue_hour.query(
                    f"{venue_id}#{bucket}", filter_condition=live(CheckinRecord, now)
                )
            ]

    def listed(
        self, person_id: str, *, limit: int, cursor: str | None, now: datetime
    ) -> Page[Checkin]:
        """A person's check-ins, whoever made them (the person, a carer), newest first."""
        start = decode_cursor(cursor, CHECKIN_KEYS, ("person_id", person_id))
        with translate():
            result = CheckinRecord.query(
                person_id,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start,
                filter_condition=live(CheckinRecord, now),
            )
            return to_page(result, _checkin)

    def checked_in(self, region_code: str, day: str) -> list[str]:
        """The people who checked in at a venue of the district on the day (keys only)."""
        with translate():
            return [r.person_id for r in CheckinRecord.by_region_day.query(f"{region_code}#{day}")]


class DynamoExposures:
    def add(
        self, case_ref: str, contacts: Iterable[Contact], *, now: datetime, keep: timedelta
    ) -> int:
        """One item per (contact's check-in, case): a resend rewrites the same items."""
        written = 0
        try:
            with translate(), ExposureRecord.batch_write() as batch:
                for contact in contacts:
                    batch.save(
                        ExposureRecord(
                            contact.person_id,
                            f"{case_ref}#{contact.checkin_id}",
                            case_ref=case_ref,
                            venue_id=contact.venue_id,
                            venue_name=contact.venue_name,
                            at=contact.at,
                            found_at=now,
                            expires=contact.at + keep,
                        )
                    )
                    written += 1
        except PutError as exc:
            raise UpstreamUnavailable("the exposures were not all stored; try again") from exc
        return written

    def for_person(self, person_id: str, *, now: datetime) -> list[VenueExposure]:
        with translate():
            return [
                VenueExposure(
                    venue_id=r.venue_id, venue_name=r.venue_name, at=r.at, case_ref=r.case_ref
                )
                for r in ExposureRecord.query(person_id, filter_condition=live(ExposureRecord, now))
            ]

    def lift(self, case_ref: str) -> list[str]:
        """Delete every exposure the case caused; the people they belonged to."""
        with translate():
            keys = [(r.person_id, r.exposure_key) for r in ExposureRecord.by_case.query(case_ref)]
            with ExposureRecord.batch_write() as batch:
                for person_id, key in keys:
                    batch.delete(ExposureRecord(person_id, key))
        return sorted({person_id for person_id, _ in keys})


def _vaccination(record: VaccinationRecord) -> StoredVaccination:
    return StoredVaccination(
        record_id=record.record_id,
        id_hash=record.id_hash,
        dose_number=int(record.dose_number),
        vaccine=record.vaccine,
        site=record.site,
        administered_at=record.administered_at,
        submitted_by=record.submitted_by,
    )


class DynamoVaccinations:
    def stored(self, record_ids: Sequence[str]) -> dict[str, StoredVaccination]:
        found: dict[str, StoredVaccination] = {}
        with translate():
            for start in range(0, len(record_ids), BATCH_GET):
                for r in VaccinationRecord.batch_get(record_ids[start : start + BATCH_GET]):
                    found[r.record_id] = _vaccination(r)
        return found

    def write(
        self,
        rows: Iterable[tuple[str, VaccinationRow]],
        *,
        submitted_by: str,
        batch_id: str,
        now: datetime,
    ) -> int:
        """``(id_hash, row)`` pairs, each an idempotent put of its record id."""
        written = 0
        try:
            with translate(), VaccinationRecord.batch_write() as batch:
                for id_hash, row in rows:
                    batch.save(
                        VaccinationRecord(
                            row.record_id,
                            id_hash=id_hash,
                            dose_number=row.dose_number,
                            vaccine=row.vaccine,
                            site=row.site,
                            administered_at=row.administered_at,
                            submitted_by=submitted_by,
                            batch_id=batch_id,
                            received_at=now,
                        )
                    )
                    written += 1
        except PutError as exc:
            raise UpstreamUnavailable(
                "the database did not take the whole batch; send it again (writes are idempotent)"
            ) from exc
        return written

    def for_subject(self, id_hash: str) -> list[StoredVaccination]:
        with translate():
            rows = [_vaccination(r) for r in VaccinationRecord.by_id_hash.query(id_hash)]
        rows.sort(key=lambda r: (r.administered_at, r.record_id), reverse=True)
        return rows

    def facts(self, id_hash: str) -> list[Vaccination]:
        return [
            Vaccination(
                dose_number=r.dose_number, administered_at=r.administered_at, vaccine=r.vaccine
            )
            for r in self.for_subject(id_hash)
        ]


class VenueFacts:
    """What a colour reads of venues: a person's own check-ins (场所码) as venue scans, their
    co-location exposures, and the vaccinations recorded against an ID hash."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def checkins(self, person_id: str, *, since: datetime) -> list[VenueScan]:
        return [
            VenueScan(region_code=c.region_code, at=c.at)
            for c in DynamoCheckins().for_person(person_id, since=since, now=self._clock())
        ]

    def exposures(self, person_id: str) -> list[VenueExposure]:
        return DynamoExposures().for_person(person_id, now=self._clock())

    def vaccinations(self, id_hash: str) -> list[Vaccination]:
        return DynamoVaccinations().facts(id_hash)
