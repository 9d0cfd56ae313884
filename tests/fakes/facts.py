"""The facts behind a colour, in memory, with the DynamoDB readers' semantics
(chalicelib/colours/facts.py over each capability's store): reads drop items past
their TTL, a range read on a ``<ISO text>#...`` key compares text, and the active
risk snapshot is what the ``@active`` pointer names, one answer for a whole
:meth:`one_snapshot` block.

Facts are written by other capabilities (carriers, labs, vaccinators, partners, the risk
feed), so the seeding methods (``set_phone``, ``add_stay``...) stand for those writers;
tests/contracts/test_facts.py holds the DynamoDB seeder with the same methods.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from chalicelib.colours.model import (
    PartnerStatus,
    RiskArea,
    Stay,
    TestResult,
    Vaccination,
    VenueExposure,
    VenueScan,
)
from tests.fakes.colours import FakeScans

Clock = Callable[[], datetime]


def _live(expires: datetime | None, now: datetime) -> bool:
    return expires is None or expires > now


class FakeFacts:
    def __init__(self, *, clock: Clock, scans: FakeScans | None = None) -> None:
        self._clock = clock
        self.scan_log = scans if scans is not None else FakeScans()
        self.phones: dict[str, str] = {}
        self._stays: dict[tuple[str, str], tuple[Stay, datetime]] = {}
        self._checkins: dict[tuple[str, str], tuple[VenueScan, datetime]] = {}
        self._tests: dict[tuple[str, str], tuple[TestResult, datetime | None]] = {}
        self._vaccinations: dict[str, tuple[str, Vaccination]] = {}
        self._exposures: dict[tuple[str, str], tuple[VenueExposure, datetime]] = {}
        self._partners: dict[tuple[str, str], PartnerStatus] = {}
        self._snapshots: dict[str, tuple[RiskArea, ...]] = {}
        self._active: str | None = None
        self._held: list[tuple[str | None, tuple[RiskArea, ...]]] | None = None

    # -- what the other capabilities write ----------------------------------------------

    def set_phone(self, user_id: str, phone_hash: str) -> None:
        self.phones[user_id] = phone_hash

    def add_stay(self, phone_hash: str, stay: Stay, *, expires: datetime) -> None:
        key = f"{stay.entered_at.isoformat()}#{stay.kind}#{stay.place}"
        self._stays[(phone_hash, key)] = (stay, expires)

    def add_checkin(
        self, person_id: str, visit: VenueScan, *, checkin_id: str, expires: datetime
    ) -> None:
        self._checkins[(person_id, f"{visit.at.isoformat()}#{checkin_id}")] = (visit, expires)

    def add_test(
        self, id_hash: str, result: TestResult, *, sample_id: str, expires: datetime | None
    ) -> None:
        self._tests[(id_hash, f"{result.lab}#{sample_id}")] = (result, expires)

    def add_vaccination(self, id_hash: str, vaccination: Vaccination, *, record_id: str) -> None:
        self._vaccinations[record_id] = (id_hash, vaccination)

    def add_exposure(
        self, person_id: str, exposure: VenueExposure, *, checkin_id: str, expires: datetime
    ) -> None:
        self._exposures[(person_id, f"{exposure.case_ref}#{checkin_id}")] = (exposure, expires)

    def add_partner_status(self, fed_hash: str, status: PartnerStatus) -> None:
        self._partners[(fed_hash, status.region)] = status  # gone at its valid_until

    def store_risk(self, feed_id: str, areas: tuple[RiskArea, ...]) -> None:
        self._snapshots[feed_id] = areas

    def activate(self, feed_id: str | None) -> None:
        self._active = feed_id

    # -- FactsSource ----------------------------------------------------------------------

    def phone_hash_of(self, user_id: str) -> str | None:
        return self.phones.get(user_id)

    def stays(self, phone_hash: str, *, since: datetime) -> list[Stay]:
        now = self._clock()
        return [
            stay
            for (phone, _), (stay, expires) in sorted(self._stays.items())
            if phone == phone_hash and _live(expires, now) and stay.left_at >= since
        ]

    def scans(self, person_id: str, *, since: datetime) -> list[VenueScan]:
        now, floor = self._clock(), since.isoformat()
        scanned = [
            VenueScan(region_code=row.region_code, at=row.at)
            for row in self.scan_log.of(person_id)
            if row.scan_key >= floor and _live(row.expires, now) and row.region_code
        ]
        checked_in = [
            visit
            for (pid, key), (visit, expires) in sorted(self._checkins.items())
            if pid == person_id and key >= floor and _live(expires, now)
        ]
        return scanned + checked_in

    def tests(self, id_hash: str) -> list[TestResult]:
        now = self._clock()
        return [
            result
            for (holder, _), (result, expires) in sorted(self._tests.items())
            if holder == id_hash and _live(expires, now)
        ]

    def exposures(self, person_id: str) -> list[VenueExposure]:
        now = self._clock()
        return [
            exposure
            for (pid, _), (exposure, expires) in sorted(self._exposures.items())
            if pid == person_id and _live(expires, now)
        ]

    def vaccinations(self, id_hash: str) -> list[Vaccination]:
        rows = [(rid, v) for rid, (holder, v) in self._vaccinations.items() if holder == id_hash]
        rows.sort(key=lambda r: (r[1].administered_at, r[0]), reverse=True)
        return [v for _, v in rows]

    def partner_statuses(self, fed_hash: str) -> list[PartnerStatus]:
        now = self._clock()
        return [
            status
            for (holder, _), status in sorted(self._partners.items())
            if holder == fed_hash and _live(status.valid_until, now)
        ]

    def active_risk(self, *, fresh: bool = False) -> tuple[str | None, tuple[RiskArea, ...]]:
        if self._held:
            return self._held[0]
        feed_id = self._active
        answer: tuple[str | None, tuple[RiskArea, ...]] = (
            (feed_id, self._snapshots[feed_id])
            if feed_id and feed_id in self._snapshots
            else (None, ())
        )
        if self._held is not None:
            self._held.append(answer)
        return answer

    @contextmanager
    def one_snapshot(self) -> Iterator[None]:
        outer = self._held is not None
        if not outer:
            self._held = []
        try:
            yield
        finally:
            if not outer:
                self._held = None
