"""In-memory checkpoint posts, with the DynamoDB store's semantics
(chalicelib/venues/store.py ``DynamoAssignments``): one post per (account, venue), a
second is 409 ``already_assigned``; found by account (the scan's read) or by id."""

from __future__ import annotations

from chalicelib.kernel.errors import Conflict
from chalicelib.venues.rules import Assignment


class FakeAssignments:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Assignment] = {}

    def add(self, assignment: Assignment) -> None:
        key = (assignment.user_id, assignment.venue_id)
        if key in self.rows:
            raise Conflict(
                "this account is already posted at this venue",
                field="venue_id",
                code="already_assigned",
            )
        self.rows[key] = assignment

    def for_user(self, user_id: str) -> list[Assignment]:
        return sorted(
            (a for (user, _), a in self.rows.items() if user == user_id), key=lambda a: a.venue_id
        )

    def get(self, assignment_id: str) -> Assignment | None:
        return next((a for a in self.rows.values() if a.assignment_id == assignment_id), None)

    def remove(self, assignment: Assignment) -> bool:
        key = (assignment.user_id, assignment.venue_id)
        current = self.rows.get(key)
        if current is None or current.assignment_id != assignment.assignment_id:
            return False
        del self.rows[key]
        return True
