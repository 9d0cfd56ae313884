"""The stored colours and the facts behind a colour, as the services see them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from chalicelib.colours.model import (
    Assessment,
    PartnerStatus,
    RiskArea,
    StatusMark,
    Stay,
    StoredColour,
    TestResult,
    Vaccination,
    VaccinationSummary,
    VenueExposure,
    VenueScan,
)
from chalicelib.kernel.paging import Page
from chalicelib.kernel.person import Person


class Colours(Protocol):
    def get(self, person_id: str, *, consistent: bool = False) -> StoredColour | None: ...

    def by_holder(self, holder_id: str) -> StoredColour | None: ...

    def due(self, bucket: str, *, until: datetime) -> list[str]: ...

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
        """Raises a Conflict (stale_write) if another write came first."""
        ...


class FactsSource(Protocol):
    def phone_hash_of(self, user_id: str) -> str | None: ...

    def stays(self, phone_hash: str, *, since: datetime) -> list[Stay]: ...

    def scans(self, person_id: str, *, since: datetime) -> list[VenueScan]: ...

    def tests(self, id_hash: str) -> list[TestResult]: ...

    def exposures(self, person_id: str) -> list[VenueExposure]:
        """Co-location contacts (时空伴随) found for this person and still standing."""
        ...

    def vaccinations(self, id_hash: str) -> list[Vaccination]: ...

    def partner_statuses(self, fed_hash: str) -> list[PartnerStatus]:
        """What partner regions attested about this federation hash (way (a))."""
        ...

    def active_risk(self, *, fresh: bool = False) -> tuple[str | None, tuple[RiskArea, ...]]:
        """The active risk snapshot: from a per-container cache with a bounded age, or
        read consistently when ``fresh`` (a colour about to be stored)."""
        ...

    def one_snapshot(self) -> AbstractContextManager[None]:
        """Within the block every ``active_risk`` answer is the first one."""
        ...


# What each capability that keeps a fact hands the colours (colours/facts.py).


class AccountFacts(Protocol):
    def phone_hash_of(self, user_id: str) -> str | None: ...


class ItineraryFacts(Protocol):
    def stays(self, phone_hash: str, *, since: datetime) -> list[Stay]: ...


class CheckpointFacts(Protocol):
    def scans(self, person_id: str, *, since: datetime) -> list[VenueScan]: ...


class VenueVisitFacts(Protocol):
    def checkins(self, person_id: str, *, since: datetime) -> list[VenueScan]: ...

    def exposures(self, person_id: str) -> list[VenueExposure]: ...

    def vaccinations(self, id_hash: str) -> list[Vaccination]: ...


class LabResultFacts(Protocol):
    def tests(self, id_hash: str) -> list[TestResult]: ...


class FederationFacts(Protocol):
    def partner_statuses(self, fed_hash: str) -> list[PartnerStatus]: ...


class RiskAreaFacts(Protocol):
    pointer: Any

    def active_risk(self, *, fresh: bool = False) -> tuple[str | None, tuple[RiskArea, ...]]: ...

    def one_snapshot(self) -> AbstractContextManager[None]: ...


class ApprovedMarks(Protocol):
    """The officials' approved marks on an ID hash, as the colour rules read them."""

    def approved_for(self, id_hash: str) -> list[StatusMark]: ...


class PersonSource(Protocol):
    """The persons a recolour reads (the people capability's store)."""

    def get(self, person_id: str) -> Person | None: ...


class DeclarationSeen(Protocol):
    """What the colour rules read of a declaration (declarations' ``Declaration``)."""

    @property
    def declaration_id(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def status(self) -> str: ...

    @property
    def symptoms(self) -> tuple[str, ...]: ...

    @property
    def contact_with_confirmed(self) -> bool: ...

    @property
    def abroad_14d(self) -> bool: ...

    @property
    def residence_region(self) -> str: ...

    @property
    def reviewed_at(self) -> datetime | None: ...

    @property
    def withdraws(self) -> tuple[str, ...]: ...


class DeclarationHistory(Protocol):
    """A person's declarations, newest first (the declarations capability's store)."""

    def for_person(
        self, person_id: str, *, limit: int, cursor: str | None
    ) -> Page[DeclarationSeen]: ...


# The itinerary card's star, as a stored colour keeps it for the checkpoint: whether the
# card of these stays stars a city (itinerary.rules.stars_a_city).
StarsACity = Callable[..., bool]
