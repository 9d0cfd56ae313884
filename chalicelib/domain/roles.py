"""The roles a caller can hold (SPEC section 5)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CITIZEN = "citizen"
    CHECKPOINT = "checkpoint"
    REVIEWER = "reviewer"
    OFFICIAL = "official"
    ADMIN = "admin"
    CARRIER = "carrier"
    LAB = "lab"


ALL_ROLES: frozenset[Role] = frozenset(Role)
STAFF_ROLES: frozenset[Role] = frozenset({Role.REVIEWER, Role.OFFICIAL, Role.ADMIN})
MACHINE_ROLES: frozenset[Role] = frozenset({Role.CARRIER, Role.LAB})
