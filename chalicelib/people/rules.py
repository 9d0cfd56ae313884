"""Dependants, printed codes and identity disputes, as the services see them.

Pure: the relations a citizen may declare for, how many, how long a printed code
lives, and who wins an identity dispute by the channels' word alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

RELATIONS = ("child", "parent", "grandparent", "spouse", "other")
MAX_DEPENDANTS = 5
PRINTED_MAX_DAYS = 30
PRINTED_DEFAULT_DAYS = 30


def self_person_id(user_id: str) -> str:
    """The account holder's own person id: derived, so two racing first declarations
    cannot file the same person twice (the second create fails its condition)."""
    return "p_" + hashlib.sha256(f"self:{user_id}".encode()).hexdigest()[:20]


def dependant_person_id(id_hash: str) -> str:
    """A person filed by a guardian is keyed by the keyed hash of their ID number, so two
    guardians declaring one elder at once file one person (the second create fails its
    condition and reads the first)."""
    return "p_" + hashlib.sha256(f"id:{id_hash}".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class CareLink:
    user_id: str
    person_id: str
    relation: str
    created_at: datetime
    # Whose consent made the link: the filer of a person with no account (who holds
    # them first), the person's owner who accepted a request. None: a link kept before
    # consent was recorded, which grants nothing to a person with an account of their
    # own (chalicelib/people/policy.py).
    granted_by: str | None = None


def care_link_id(person_id: str, user_id: str) -> str:
    """The id a person names a link by (``DELETE /v1/me/carers/{id}``): derived, so it
    needs no index, and tells nothing about the carer."""
    return "cl_" + hashlib.sha256(f"link:{person_id}:{user_id}".encode()).hexdigest()[:24]


def birth_date_of(id_number: str) -> date:
    """The birth date a valid GB 11643 number carries (characters 7 to 14)."""
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


@dataclass(frozen=True)
class PrintedCode:
    printed_id: str  # the token's holder field: random, unlinkable to the phone code
    person_id: str
    issued_by: str
    issued_at: datetime
    expires_at: datetime


def printed_expiry(issued_at: datetime, days: int) -> datetime:
    if not 1 <= days <= PRINTED_MAX_DAYS:
        raise ValueError(f"a printed code lives 1 to {PRINTED_MAX_DAYS} days")
    return issued_at + timedelta(days=days)


@dataclass(frozen=True)
class Dispute:
    dispute_id: str
    person_id: str
    claimant_user_id: str
    holder_user_id: str
    claimant_vouched: bool
    holder_vouched: bool
    state: str  # open | proof_requested | moved | kept
    created_at: datetime
    evidence: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None


DISPUTE_DECISIONS = ("move", "keep", "ask_proof")


def automatic_outcome(*, claimant_vouched: bool, holder_vouched: bool) -> str | None:
    """The channels' word decides when exactly one side's real name is vouched for this
    ID number: ``move`` (the claimant is vouched, the holder not), ``keep`` (the other
    way round); ``None``: a reviewer decides."""
    if claimant_vouched and not holder_vouched:
        return "move"
    if holder_vouched and not claimant_vouched:
        return "keep"
    return None


# -- consent: adding someone who has an account of their own ---------------------------

CARE_REQUEST_DAYS = 7  # a request not answered in a week lapses
CARE_DECISIONS = ("accept", "refuse")


@dataclass(frozen=True)
class CareRequest:
    """A guardian asks to care for a person who has an account of their own: the person
    decides, from that account (an elder held by their children and by themselves)."""

    request_id: str
    person_id: str
    guardian_user_id: str
    relation: str
    state: str  # pending | accepted | refused
    created_at: datetime
    decided_at: datetime | None = None

    def lapsed(self, now: datetime) -> bool:
        return self.state == "pending" and now >= self.created_at + timedelta(
            days=CARE_REQUEST_DAYS
        )


def care_request_id(person_id: str, guardian_user_id: str) -> str:
    """One request per guardian and person: asking again finds the same one."""
    digest = hashlib.sha256(f"care:{person_id}:{guardian_user_id}".encode()).hexdigest()
    return "cr_" + digest[:24]
