"""The facts behind a colour, gathered from the capabilities that keep them.

Each capability reads its own tables (the identity and stays stores themselves, and
``ScanFacts``, ``VenueFacts``, ``LabFacts``, ``PartnerFacts``, ``RiskFacts``), in as
few reads as the keys allow, and hands colours the value types of ``model.py``; this
class answers the :class:`~chalicelib.colours.ports.FactsSource` port from them. The
composition root builds it: colours imports no other capability's store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.colours.model import (
    PartnerStatus,
    RiskArea,
    Stay,
    TestResult,
    Vaccination,
    VenueExposure,
    VenueScan,
)
from chalicelib.colours.ports import (
    AccountFacts,
    CheckpointFacts,
    FederationFacts,
    ItineraryFacts,
    LabResultFacts,
    RiskAreaFacts,
    VenueVisitFacts,
)


@dataclass(frozen=True)
class GatheredFacts:
    identity: AccountFacts
    itinerary: ItineraryFacts
    checkpoints: CheckpointFacts
    venues: VenueVisitFacts
    labs: LabResultFacts
    federation: FederationFacts
    risk: RiskAreaFacts

    @property
    def pointer(self) -> Any:
        """The risk capability's cached ``@active`` pointer (tests move it on)."""
        return self.risk.pointer

    def phone_hash_of(self, user_id: str) -> str | None:
        return self.identity.phone_hash_of(user_id)

    def stays(self, phone_hash: str, *, since: datetime) -> list[Stay]:
        return self.itinerary.stays(phone_hash, since=since)

    def scans(self, person_id: str, *, since: datetime) -> list[VenueScan]:
        """Checkpoint scans at a venue of a known district, and the person's own check-ins
        (场所码): either puts them in the venue's district at that time."""
        return self.checkpoints.scans(person_id, since=since) + self.venues.checkins(
            person_id, since=since
        )

    def exposures(self, person_id: str) -> list[VenueExposure]:
        return self.venues.exposures(person_id)

    def vaccinations(self, id_hash: str) -> list[Vaccination]:
        return self.venues.vaccinations(id_hash)

    def tests(self, id_hash: str) -> list[TestResult]:
        return self.labs.tests(id_hash)

    def partner_statuses(self, fed_hash: str) -> list[PartnerStatus]:
        return self.federation.partner_statuses(fed_hash)

    def active_risk(self, *, fresh: bool = False) -> tuple[str | None, tuple[RiskArea, ...]]:
        return self.risk.active_risk(fresh=fresh)

    @contextmanager
    def one_snapshot(self) -> Iterator[None]:
        with self.risk.one_snapshot():
            yield
