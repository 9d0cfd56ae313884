"""Writes the facts a colour is computed from into DynamoDB, with the same methods as
``tests.fakes.FakeFacts``' seeding side: the records other capabilities write (the
carriers' stays, check-ins, lab results, vaccinations, exposures, partners'
attestations, risk snapshots and the ``@active`` pointer)."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.colours.model import (
    PartnerStatus,
    RiskArea,
    Stay,
    TestResult,
    Vaccination,
    VenueExposure,
    VenueScan,
)
from chalicelib.federation.store import PartnerStatusRecord
from chalicelib.identity.store import UserRecord
from chalicelib.itinerary.store import StayRecord
from chalicelib.labs.store import TestResultRecord
from chalicelib.risk.store import RiskFeedRecord
from chalicelib.venues.store import CheckinRecord, ExposureRecord, VaccinationRecord

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class DynamoFactsSeeder:
    def set_phone(self, user_id: str, phone_hash: str) -> None:
        UserRecord(user_id, phone_hash=phone_hash, created_at=EPOCH).save()

    def add_stay(self, phone_hash: str, stay: Stay, *, expires: datetime) -> None:
        StayRecord(
            phone_hash,
            f"{stay.entered_at.isoformat()}#{stay.kind}#{stay.place}",
            place=stay.place,
            kind=stay.kind,
            entered_at=stay.entered_at,
            left_at=stay.left_at,
            batch_id="b1",
            received_at=EPOCH,
            expires=expires,
        ).save()

    def add_checkin(
        self, person_id: str, visit: VenueScan, *, checkin_id: str, expires: datetime
    ) -> None:
        at = visit.at.isoformat()
        CheckinRecord(
            person_id,
            f"{at}#{checkin_id}",
            checkin_id=checkin_id,
            owner_user_id="u_owner",
            venue_id=f"{visit.region_code}-0001",
            venue_name="venue",
            region_code=visit.region_code,
            venue_hour="v#h",
            at_person=f"{at}#{person_id}",
            region_day="r#d",
            at=visit.at,
            colour="green",
            expires=expires,
        ).save()

    def add_test(
        self, id_hash: str, result: TestResult, *, sample_id: str, expires: datetime | None
    ) -> None:
        TestResultRecord(
            id_hash,
            f"{result.lab}#{sample_id}",
            lab=result.lab,
            sample_id=sample_id,
            result=result.result,
            sampled_at=result.sampled_at,
            reported_at=result.sampled_at,
            batch_id="b1",
            expires=expires,
        ).save()

    def add_vaccination(self, id_hash: str, vaccination: Vaccination, *, record_id: str) -> None:
        VaccinationRecord(
            record_id,
            id_hash=id_hash,
            dose_number=vaccination.dose_number,
            vaccine=vaccination.vaccine,
            site="site",
            administered_at=vaccination.administered_at,
            submitted_by="vaccinator",
            batch_id="b1",
            received_at=EPOCH,
        ).save()

    def add_exposure(
        self, person_id: str, exposure: VenueExposure, *, checkin_id: str, expires: datetime
    ) -> None:
        ExposureRecord(
            person_id,
            f"{exposure.case_ref}#{checkin_id}",
            case_ref=exposure.case_ref,
            venue_id=exposure.venue_id,
            venue_name=exposure.venue_name,
            at=exposure.at,
            found_at=exposure.at,
            expires=expires,
        ).save()

    def add_partner_status(self, fed_hash: str, status: PartnerStatus) -> None:
        PartnerStatusRecord(
            fed_hash,
            status.region,
            colour=status.colour.value,
            reasons=list(status.reasons),
            valid_until=status.valid_until,
            attested_at=status.attested_at,
            batch_id="b1",
            kid="k1",
            received_at=status.attested_at,
            expires=status.valid_until,
        ).save()

    def store_risk(self, feed_id: str, areas: tuple[RiskArea, ...]) -> None:
        RiskFeedRecord(
            feed_id,
            state="active",
            stored_at=EPOCH,
            areas=[
                {
                    "region_code": a.region_code,
                    "level": a.level,
                    "since": a.since.isoformat(),
                    "area": a.area,
                }
                for a in areas
            ],
        ).save()

    def activate(self, feed_id: str | None) -> None:
        RiskFeedRecord("@active", state="pointer", stored_at=EPOCH, active_feed_id=feed_id).save()
