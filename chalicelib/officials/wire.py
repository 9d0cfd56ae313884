"""Builds what officials and reviewers do: status marks, appeals and the audit trail, and
the stores other capabilities write to (the audit trail) or read (approved marks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.kernel.wiring import Kernel
from chalicelib.officials.service import AppealService, AuditService, StatusService

if TYPE_CHECKING:
    from chalicelib.colours.service import ColourService
    from chalicelib.identity.disputes import DisputeService
    from chalicelib.kernel.audit import Audit
    from chalicelib.officials.ports import Corrections, Marks
    from chalicelib.people.ports import People
    from chalicelib.people.service import PeopleService


@dataclass(frozen=True)
class Stores:
    audit: Audit
    marks: Marks


def stores(kernel: Kernel) -> Stores:
    from chalicelib.officials.audit_store import DynamoAudit
    from chalicelib.officials.marks_store import DynamoMarks

    return Stores(audit=DynamoAudit(clock=kernel.clock), marks=DynamoMarks())


def wire_status(
    kernel: Kernel, *, stores: Stores, people: People, colours: ColourService
) -> StatusService:
    from chalicelib.kernel.reference_data import parse_id_number

    return StatusService(
        people=people,
        marks=stores.marks,
        audit=stores.audit,
        colours=colours,
        hash_key=kernel.hash_key,
        parse_id_number=parse_id_number,
        clock=kernel.clock,
    )


def wire_appeals(
    kernel: Kernel,
    *,
    stores: Stores,
    people: People,
    colours: ColourService,
    people_service: PeopleService,
    disputes: DisputeService,
    corrections: Corrections | None = None,
) -> AppealService:
    from chalicelib.officials.appeals_store import DynamoAppeals

    return AppealService(
        people=people,
        appeals=DynamoAppeals(clock=kernel.clock),
        audit=stores.audit,
        colours=colours,
        clock=kernel.clock,
        disputes=disputes,
        self_of=people_service.self_of,
        corrections=corrections,
    )


def wire_audit(kernel: Kernel, *, stores: Stores) -> AuditService:
    return AuditService(audit=stores.audit, clock=kernel.clock)
