"""Builds the labs capability: lab results in, a citizen's reports out, the test sites."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.kernel.wiring import Kernel
from chalicelib.labs.service import LabService, TestSiteService

if TYPE_CHECKING:
    from chalicelib.kernel.audit import Audit
    from chalicelib.officials.service import StatusService
    from chalicelib.people.ports import People, PersonFor


def wire(
    kernel: Kernel,
    *,
    idempotency: Any,
    people: People,
    status: StatusService,
    audit: Audit,
    recolour: Any,
    person_for: PersonFor,
) -> tuple[LabService, TestSiteService]:
    from chalicelib.kernel.reference_data import parse_id_number
    from chalicelib.labs.store import DynamoTestResults, DynamoTestSites

    labs = LabService(
        results=DynamoTestResults(),
        idempotency=idempotency,
        people=people,
        status=status,
        audit=audit,
        hash_key=kernel.hash_key,
        parse_id_number=parse_id_number,
        clock=kernel.clock,
        recolour=recolour,
        person_for=person_for,
    )
    return labs, TestSiteService(sites=DynamoTestSites())


def facts(kernel: Kernel) -> Any:
    """What a colour reads of lab results (colours/facts.py)."""
    from chalicelib.labs.store import LabFacts

    return LabFacts(clock=kernel.clock)
