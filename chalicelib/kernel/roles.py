"""The roles a caller can hold (SPEC section 5).

``partner`` is a machine role of our own making, beside the SPEC's seven: a
partner region's system posting its attestations (``POST
/v1/federation/status``). Like carriers and labs it gets its token from the
operator command (``cli issue-token --role partner --subject 440100``); the
batch it posts is also signed with one of that region's trust-list keys.

``vaccinator`` (issue 17) is a vaccination site's or the immunisation
registry's system posting vaccination records (``POST
/v1/feeds/vaccinations``); it too gets its token from ``cli issue-token``.
"""

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
    PARTNER = "partner"
    VACCINATOR = "vaccinator"


ALL_ROLES: frozenset[Role] = frozenset(Role)
STAFF_ROLES: frozenset[Role] = frozenset({Role.REVIEWER, Role.OFFICIAL, Role.ADMIN})
MACHINE_ROLES: frozenset[Role] = frozenset({Role.CARRIER, Role.LAB, Role.PARTNER, Role.VACCINATOR})


# The role sets routes are declared with.
CITIZEN = frozenset({Role.CITIZEN})
REVIEWER = frozenset({Role.REVIEWER})
OFFICIAL = frozenset({Role.OFFICIAL})
ADMIN = frozenset({Role.ADMIN})
VACCINATOR = frozenset({Role.VACCINATOR})
CITIZEN_OR_OFFICIAL = frozenset({Role.CITIZEN, Role.OFFICIAL})
