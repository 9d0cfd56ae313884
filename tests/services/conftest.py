"""Service tests: each service built over the in-memory fakes (tests/fakes/) and the
settable clock, with the real rules and the real Ed25519 signer: no moto, no HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from chalicelib.codes.service import CodeService
from chalicelib.colours.service import ColourService
from chalicelib.colours.table import Policy
from chalicelib.itinerary.rules import stars_a_city
from chalicelib.kernel import reference_data
from chalicelib.kernel.person import Person
from chalicelib.kernel.signing import CodeSigner, ed25519_verify, load_signer
from chalicelib.people.service import PeopleService
from tests.conftest import Clock
from tests.fakes import (
    FakeAssignments,
    FakeAudit,
    FakeCareLinks,
    FakeCareRequests,
    FakeColours,
    FakeDeclarations,
    FakeFacts,
    FakeMarks,
    FakePeople,
    FakeScans,
)
from tests.keys import code_key

REGION = "610100"


@dataclass
class Stores:
    """Every fake a service here takes, on one clock; the scan log is the one the facts
    read back, as the scans table is for the DynamoDB facts."""

    clock: Clock
    people: FakePeople = field(default_factory=FakePeople)
    colours: FakeColours = field(default_factory=FakeColours)
    marks: FakeMarks = field(default_factory=FakeMarks)
    links: FakeCareLinks = field(default_factory=FakeCareLinks)
    scans: FakeScans = field(default_factory=FakeScans)
    assignments: FakeAssignments = field(default_factory=FakeAssignments)

    def __post_init__(self) -> None:
        self.declarations = FakeDeclarations(clock=self.clock)
        self.audit = FakeAudit(clock=self.clock)
        self.care_requests = FakeCareRequests(clock=self.clock)
        self.facts = FakeFacts(clock=self.clock, scans=self.scans)

    def file(self, person: Person) -> Person:
        return self.people.create(
            person, id_enc="id-enc", name_enc="name-enc", address_enc="addr", now=self.clock()
        )


@pytest.fixture
def stores(clock: Clock) -> Stores:
    return Stores(clock=clock)


@pytest.fixture
def colour_service(stores: Stores, clock: Clock) -> ColourService:
    return ColourService(
        people=stores.people,
        declarations=stores.declarations,
        colours=stores.colours,
        marks=stores.marks,
        facts=stores.facts,
        audit=stores.audit,
        stars_a_city=stars_a_city,
        policy=Policy(),
        clock=clock,
    )


@pytest.fixture
def people_service(stores: Stores, clock: Clock) -> PeopleService:
    return PeopleService(
        people=stores.people,
        links=stores.links,
        colours=stores.colours,
        audit=stores.audit,
        clock=clock,
        care_requests=stores.care_requests,
    )


@pytest.fixture
def signer(clock: Clock) -> CodeSigner:
    key = code_key(clock())  # a kid no test key has (tests/keys.py)
    return load_signer({"code_keys": [key], "code_active": key["kid"]}, region=REGION)


@pytest.fixture
def scanned_in() -> list[tuple[str, str]]:
    """What CodeService published (Scanned): (person, district) of scans at a venue."""
    return []


@pytest.fixture
def scan_events() -> list[Any]:
    """Every Scanned event CodeService published, with its source (actor, venue)."""
    return []


@pytest.fixture
def code_service(
    stores: Stores,
    colour_service: ColourService,
    people_service: PeopleService,
    signer: CodeSigner,
    scanned_in: list[tuple[str, str]],
    scan_events: list[Any],
    clock: Clock,
) -> CodeService:
    def publish(event: Any) -> list[Any]:
        scan_events.append(event)
        scanned_in.append((event.person_id, event.region_code))
        return []

    return CodeService(
        colours=stores.colours,
        recolour=colour_service,
        signer=lambda: signer,
        verifier=ed25519_verify,
        scans=stores.scans,
        divisions=reference_data.divisions,
        region=REGION,
        lifetime_minutes=5,
        clock=clock,
        publish=publish,
        person_for=people_service.person_for,
        posts=stores.assignments.for_user,
    )
