"""The facts behind a colour, gathered for one person in as few reads as the keys allow.

Reads of tables with a TTL drop expired items (``ttl.live`` / ``ttl.expired``):
DynamoDB deletes them only lazily. Retention periods come from
``chalicelib/kernel/retention.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.codes.store import ScanRecord
from chalicelib.colours.model import (
    PartnerStatus,
    RiskArea,
    Stay,
    TestResult,
    Vaccination,
    VenueExposure,
    VenueScan,
)
from chalicelib.federation.store import PartnerStatusRecord, partner_status
from chalicelib.identity.store import UserRecord
from chalicelib.itinerary.store import StayRecord
from chalicelib.kernel.dynamo.common import Clock
from chalicelib.kernel.dynamo.errors import translate
from chalicelib.kernel.dynamo.ttl import live
from chalicelib.labs.store import TestResultRecord
from chalicelib.risk.store import ActivePointer, RiskFeedRecord
from chalicelib.venues.store import DynamoCheckins, DynamoExposures, DynamoVaccinations


class DynamoFacts:
    """Reads what the colour engine needs; risk snapshots are immutable, so cached by id,
    and the ``@active`` pointer to them is cached per container (:class:`ActivePointer`)."""

    def __init__(self, *, clock: Clock, pointer: ActivePointer | None = None) -> None:
        self._snapshots: dict[str, tuple[RiskArea, ...]] = {}
        self._clock = clock
        self.pointer = pointer or ActivePointer(max_age_seconds=0, clock=clock)

    def phone_hash_of(self, user_id: str) -> str | None:
        with translate():
            try:
                return UserRecord.get(user_id, attributes_to_get=["phone_hash"]).phone_hash
            except DoesNotExist:
                return None

    def stays(self, phone_hash: str, *, since: datetime) -> list[Stay]:
        with translate():
            return [
                Stay(kind=r.kind, place=r.place, entered_at=r.entered_at, left_at=r.left_at)
                for r in StayRecord.query(
                    phone_hash, filter_condition=live(StayRecord, self._clock())
                )
                if r.left_at >= since
            ]

    def scans(self, person_id: str, *, since: datetime) -> list[VenueScan]:
        """Checkpoint scans at a venue of a known district, and the person's own check-ins
        (场所码): either puts them in the venue's district at that time."""
        now = self._clock()
        with translate():
            scanned = [
                VenueScan(region_code=r.region_code, at=r.scanned_at)
                for r in ScanRecord.query(
                    person_id,
                    ScanRecord.scan_key >= since.isoformat(),
                    filter_condition=live(ScanRecord, now),
                )
                if r.region_code
            ]
        checked_in = [
            VenueScan(region_code=c.region_code, at=c.at)
            for c in DynamoCheckins().for_person(person_id, since=since, now=now)
        ]
        return scanned + checked_in

    def exposures(self, person_id: str) -> list[VenueExposure]:
        return DynamoExposures().for_person(person_id, now=self._clock())

    def vaccinations(self, id_hash: str) -> list[Vaccination]:
        return DynamoVaccinations().facts(id_hash)

    def tests(self, id_hash: str) -> list[TestResult]:
        with translate():
            return [
                TestResult(sampled_at=r.sampled_at, result=r.result, lab=r.lab)
                for r in TestResultRecord.query(
                    id_hash,
                    consistent_read=True,
                    filter_condition=live(TestResultRecord, self._clock()),
                )
            ]

    def partner_statuses(self, fed_hash: str) -> list[PartnerStatus]:
        with translate():
            return [
                partner_status(r)
                for r in PartnerStatusRecord.query(
                    fed_hash, filter_condition=live(PartnerStatusRecord, self._clock())
                )
            ]

    def active_risk(self, *, fresh: bool = False) -> tuple[str | None, tuple[RiskArea, ...]]:
        """The active snapshot's id and areas: up to the pointer cache's age old, or read
        consistently when ``fresh`` (what a stored colour is computed from)."""
        feed_id = self.pointer.current(fresh=fresh)
        if not feed_id:
            return None, ()
        if feed_id not in self._snapshots:
            with translate():
                try:
                    snapshot = RiskFeedRecord.get(feed_id)
                except DoesNotExist:
                    return None, ()
            self._snapshots[feed_id] = tuple(
                RiskArea(
                    region_code=a["region_code"],
                    level=a["level"],
                    since=datetime.fromisoformat(a["since"]),
                    area=a.get("area", ""),
                )
                for a in snapshot.areas or ()
            )
        return feed_id, self._snapshots[feed_id]

    @contextmanager
    def one_snapshot(self) -> Iterator[None]:
        """A batch of recolours reads the pointer once (ActivePointer.held)."""
        with self.pointer.held():
            yield
