"""Posting checkpoint accounts at venues (issue 29; docs/venues.md, "Checkpoint posts").

An official posts a checkpoint account at a registered venue; the account's scans then
happen there (``codes/rules.py``'s ``scan_place``): the scan's venue, and so the
district whose risk area may recolour the person, comes from the post, never from the
request alone. Posting and ending are audited with the official as actor.

The account is named by the id its login returned (``user.id``), which is the subject
of its sessions and the ``scanned_by`` of its scans; an operator-minted role token's
subject (``checkpoint:gate-north``) names its account too. Whether an account is a
checkpoint is asked of identity through a narrow port (``account_roles``), which
``bootstrap`` hands over.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.kernel.audit import Audit, AuditEvent
from chalicelib.kernel.errors import Conflict, InvalidInput, NotFound
from chalicelib.kernel.roles import Role
from chalicelib.kernel.session import SessionClaims
from chalicelib.venues.rules import (
    ASSIGNMENT_ID_PREFIX,
    Assignment,
    Venue,
    assignment_target,
    operator_role,
)


class AssignmentStore(Protocol):
    def add(self, assignment: Assignment) -> None: ...

    def for_user(self, user_id: str) -> list[Assignment]: ...

    def get(self, assignment_id: str) -> Assignment | None: ...

    def remove(self, assignment: Assignment) -> bool: ...


class VenueLookup(Protocol):
    def get(self, venue_id: str) -> Venue | None: ...


# The roles an account's logins carry, or None when there is no such account (identity).
AccountRoles = Callable[[str], "frozenset[Role] | None"]


@dataclass
class AssignmentService:
    assignments: AssignmentStore
    venues: VenueLookup
    account_roles: AccountRoles
    audit: Audit
    clock: Callable[[], datetime]

    def _checkpoint_account(self, user_id: str) -> None:
        token_role = operator_role(user_id, {r.value for r in Role})
        if token_role is not None:
            roles: frozenset[Role] | None = frozenset({Role(token_role)})
        else:
            roles = self.account_roles(user_id)
        if roles is None:
            raise NotFound("no such account", field="user_id", code="user_not_found")
        if Role.CHECKPOINT not in roles:
            raise Conflict(
                "this account is not a checkpoint account", field="user_id", code="not_a_checkpoint"
            )

    def assign(self, official: SessionClaims, body: dict[str, Any]) -> Assignment:
        """Post ``user_id`` at ``venue_id``: the venue must be registered, the account a
        checkpoint's; posting it twice at one venue is 409 ``already_assigned``."""
        venue_id = assignment_target(body)
        user_id = str(body["user_id"])
        venue = self.venues.get(venue_id)
        if venue is None:
            raise InvalidInput(
                "no registered venue has this id (POST /v1/admin/venues registers one)",
                field="venue_id",
                code="venue_not_found",
            )
        self._checkpoint_account(user_id)
        now = self.clock().replace(microsecond=0)
        assignment = Assignment(
            assignment_id=ASSIGNMENT_ID_PREFIX + secrets.token_hex(8),
            user_id=user_id,
            venue_id=venue.venue_id,
            region_code=venue.details.region_code,
            assigned_by=official.subject,
            assigned_at=now,
        )
        self.assignments.add(assignment)
        self._audit(official, assignment, "checkpoint_assigned", now)
        return assignment

    def end(self, official: SessionClaims, assignment_id: str) -> Assignment:
        """End a post: the account's next scan no longer happens at that venue."""
        assignment = self.assignments.get(assignment_id)
        if assignment is None or not self.assignments.remove(assignment):
            raise NotFound("no such assignment", code="assignment_not_found")
        self._audit(official, assignment, "checkpoint_unassigned", self.clock())
        return assignment

    def of_user(self, user_id: str) -> list[Assignment]:
        """The venues an account is posted at (the console's list, and every scan)."""
        return self.assignments.for_user(user_id)

    def _audit(
        self, official: SessionClaims, assignment: Assignment, action: str, now: datetime
    ) -> None:
        self.audit.append(
            AuditEvent(
                subject_id=assignment.assignment_id,
                actor=official.subject,
                actor_role=official.role.value,
                action=action,
                at=now,
                reason=assignment.venue_id,
                after={
                    "user_id": assignment.user_id,
                    "venue_id": assignment.venue_id,
                    "region_code": assignment.region_code,
                },
            )
        )
