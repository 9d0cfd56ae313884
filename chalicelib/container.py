"""What the routes, schedules and the CLI reach: every capability's services, as
``chalicelib/bootstrap.py`` wired them for one stage (``call.services`` in a route)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.codes.gate import GateService
    from chalicelib.codes.service import CodeService
    from chalicelib.colours.service import ColourService
    from chalicelib.declarations.service import DeclarationService, ReviewService
    from chalicelib.federation.service import FederationService
    from chalicelib.identity.disputes import DisputeService
    from chalicelib.identity.service import AuthService
    from chalicelib.itinerary.service import ItineraryService
    from chalicelib.kernel.events import MessageBus
    from chalicelib.kernel.settings import Settings
    from chalicelib.kernel.wiring import AwsClients
    from chalicelib.labs.service import LabService, TestSiteService
    from chalicelib.limits.service import RateLimiter
    from chalicelib.officials.service import AppealService, AuditService, StatusService
    from chalicelib.pages.service import PageSessionService
    from chalicelib.people.service import PeopleService
    from chalicelib.risk.regions import RegionService
    from chalicelib.risk.service import RiskService
    from chalicelib.venues.assignments import AssignmentService
    from chalicelib.venues.service import ExposureService, VaccinationService, VenueService


@dataclass
class Container:
    settings: Settings
    clock: Callable[[], datetime]
    aws: AwsClients
    bus: MessageBus
    auth: AuthService
    colours: ColourService
    declarations: DeclarationService
    reviews: ReviewService
    status: StatusService
    appeals: AppealService
    audit: AuditService
    codes: CodeService
    itinerary: ItineraryService
    labs: LabService
    test_sites: TestSiteService
    risk: RiskService
    regions: RegionService
    federation: FederationService
    limiter: RateLimiter
    venues: VenueService
    exposure: ExposureService
    vaccinations: VaccinationService
    people: PeopleService
    gate: GateService
    disputes: DisputeService
    pages: PageSessionService
    assignments: AssignmentService
