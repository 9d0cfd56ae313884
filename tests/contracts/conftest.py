"""Contract tests: every test here runs twice, against the in-memory fake
(tests/fakes/) and against the DynamoDB store on moto, so the fakes cannot drift.

``backend`` is ``fake`` or ``dynamo``; each store fixture builds that backend's store
on the shared settable ``clock``. The DynamoDB side uses the session's moto world
(``aws`` in tests/conftest.py: tables created once per worker, emptied after each test)
with the models bound to the test stage's tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.codes.store import DynamoScans, ScanFacts
from chalicelib.colours.facts import GatheredFacts
from chalicelib.colours.store import DynamoColours
from chalicelib.datamodel import bind
from chalicelib.declarations.store import DynamoDeclarations
from chalicelib.federation.store import PartnerFacts
from chalicelib.identity.store import DynamoIdentityStore
from chalicelib.itinerary.store import DynamoStays
from chalicelib.kernel import retention
from chalicelib.kernel.settings import Settings
from chalicelib.labs.store import LabFacts
from chalicelib.officials.audit_store import DynamoAudit
from chalicelib.officials.marks_store import DynamoMarks
from chalicelib.people.care_store import DynamoCareLinks, DynamoCareRequests
from chalicelib.people.store import DynamoPeople
from chalicelib.risk.store import ActivePointer, RiskFacts
from chalicelib.venues.store import DynamoAssignments, VenueFacts
from tests.conftest import Clock
from tests.contracts.seeding import DynamoFactsSeeder
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

BACKENDS = ("fake", "dynamo")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, settings: Settings) -> str:
    if request.param == "dynamo":
        request.getfixturevalue("aws")
        bind(table_prefix=settings.table_prefix, region=settings.aws_region, host=None)
    return str(request.param)


def _pick(backend: str, fake: Callable[[], Any], dynamo: Callable[[], Any]) -> Any:
    return fake() if backend == "fake" else dynamo()


@pytest.fixture
def people(backend: str) -> Any:
    return _pick(backend, FakePeople, DynamoPeople)


@pytest.fixture
def colours(backend: str) -> Any:
    return _pick(backend, FakeColours, DynamoColours)


@pytest.fixture
def declarations(backend: str, clock: Clock) -> Any:
    return _pick(
        backend, lambda: FakeDeclarations(clock=clock), lambda: DynamoDeclarations(clock=clock)
    )


@pytest.fixture
def marks(backend: str) -> Any:
    return _pick(backend, FakeMarks, DynamoMarks)


@pytest.fixture
def audit(backend: str, clock: Clock) -> Any:
    return _pick(backend, lambda: FakeAudit(clock=clock), lambda: DynamoAudit(clock=clock))


@pytest.fixture
def assignments(backend: str) -> Any:
    return _pick(backend, FakeAssignments, DynamoAssignments)


@pytest.fixture
def care_links(backend: str) -> Any:
    return _pick(backend, FakeCareLinks, DynamoCareLinks)


@pytest.fixture
def care_requests(backend: str, clock: Clock) -> Any:
    return _pick(
        backend, lambda: FakeCareRequests(clock=clock), lambda: DynamoCareRequests(clock=clock)
    )


@pytest.fixture
def world(backend: str, clock: Clock) -> tuple[Any, Any, Any]:
    """(facts, seeder, scans): the FactsSource, what writes the facts it reads, and the
    scan log whose scans it reads back. The fake seeds itself."""
    if backend == "fake":
        scans = FakeScans()
        facts = FakeFacts(clock=clock, scans=scans)
        return facts, facts, scans
    return dynamo_facts(clock), DynamoFactsSeeder(), DynamoScans()


def dynamo_facts(clock: Clock) -> GatheredFacts:
    """The FactsSource the composition root builds, over each capability's own reads."""
    return GatheredFacts(
        identity=DynamoIdentityStore(),
        itinerary=DynamoStays(retention=retention.keep("stays"), clock=clock),
        checkpoints=ScanFacts(clock=clock),
        venues=VenueFacts(clock=clock),
        labs=LabFacts(clock=clock),
        federation=PartnerFacts(clock=clock),
        risk=RiskFacts(pointer=ActivePointer(max_age_seconds=0, clock=clock)),
    )
