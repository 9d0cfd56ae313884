"""Builds the venues capability: venue codes and check-ins, co-location exposure, and
vaccination records."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.kernel.wiring import Kernel
from chalicelib.venues.assignments import AccountRoles, AssignmentService
from chalicelib.venues.service import ExposureService, VaccinationService, VenueService

if TYPE_CHECKING:
    from chalicelib.colours.service import ColourService
    from chalicelib.kernel.audit import Audit
    from chalicelib.people.ports import People, PersonFor


def wire(
    kernel: Kernel,
    *,
    colours: ColourService,
    people: People,
    person_for: PersonFor,
    idempotency: Any,
    queue: Callable[[], Any],
) -> tuple[VenueService, ExposureService, VaccinationService]:
    from chalicelib.kernel import reference_data
    from chalicelib.kernel.signing import ed25519_verify
    from chalicelib.venues.store import (
        DynamoCheckins,
        DynamoExposures,
        DynamoVaccinations,
        DynamoVenues,
    )

    clock, checkins = kernel.clock, DynamoCheckins()
    exposure = ExposureService(
        checkins=checkins,
        exposures=DynamoExposures(),
        queue=queue,
        policy=colours.policy,
        clock=clock,
    )
    venues = VenueService(
        venues=DynamoVenues(),
        checkins=checkins,
        colours=colours.colours,
        recolour=colours,
        person_for=person_for,
        signer=kernel.signer,
        verifier=ed25519_verify,
        divisions=reference_data.divisions,
        region=kernel.settings.region_code,
        clock=clock,
        publish=kernel.publish,
    )
    vaccinations = VaccinationService(
        records=DynamoVaccinations(),
        idempotency=idempotency,
        people=people,
        colours=colours.colours,
        hash_key=kernel.hash_key,
        parse_id_number=reference_data.parse_id_number,
        clock=clock,
        queue=queue,
        person_for=person_for,
    )
    return venues, exposure, vaccinations


def wire_assignments(
    kernel: Kernel, *, audit: Audit, account_roles: AccountRoles
) -> AssignmentService:
    """Checkpoint posts: who may scan where (issue 29)."""
    from chalicelib.venues.store import DynamoAssignments, DynamoVenues

    return AssignmentService(
        assignments=DynamoAssignments(),
        venues=DynamoVenues(),
        account_roles=account_roles,
        audit=audit,
        clock=kernel.clock,
    )


def facts(kernel: Kernel) -> Any:
    """What a colour reads of check-ins, exposures and vaccinations (colours/facts.py)."""
    from chalicelib.venues.store import VenueFacts

    return VenueFacts(clock=kernel.clock)


def checkins(kernel: Kernel) -> Any:
    """Who checked in in a district on a day (the risk refresh's fan-out)."""
    from chalicelib.venues.store import DynamoCheckins

    return DynamoCheckins()
