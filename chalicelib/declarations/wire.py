"""Builds the declarations capability: declaring (for oneself or a dependant) and the
reviewers' decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.declarations.service import DeclarationService, ReviewService
from chalicelib.kernel.wiring import Kernel

if TYPE_CHECKING:
    from chalicelib.colours.service import ColourService
    from chalicelib.declarations.ports import Declarations
    from chalicelib.identity.disputes import DisputeService
    from chalicelib.kernel.audit import Audit
    from chalicelib.people.ports import People
    from chalicelib.people.service import PeopleService


def store(kernel: Kernel) -> Declarations:
    from chalicelib.declarations.store import DynamoDeclarations

    return DynamoDeclarations(clock=kernel.clock)


def wire(
    kernel: Kernel,
    *,
    people: People,
    declarations: Declarations,
    colours: ColourService,
    audit: Audit,
    people_service: PeopleService,
    disputes: DisputeService,
) -> tuple[DeclarationService, ReviewService]:
    from chalicelib.kernel import reference_data

    clock = kernel.clock
    service = DeclarationService(
        people=people,
        declarations=declarations,
        facts=colours.facts,
        audit=audit,
        colours=colours,
        cipher=kernel.cipher,
        hash_key=kernel.hash_key,
        divisions=reference_data.divisions,
        parse_id_number=reference_data.parse_id_number,
        clock=clock,
        federation_key=kernel.secrets.federation_key,
        links=people_service.links,
        care_requests=people_service.care_requests,
        disputes=disputes,
        self_of=people_service.self_of,
    )
    reviews = ReviewService(
        people=people, declarations=declarations, audit=audit, colours=colours, clock=clock
    )
    return service, reviews
