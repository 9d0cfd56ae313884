"""Small builders of the domain values the stores keep, for the contract and service
tests: a person, a declaration, a mark, an assessment computed by the real rules."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from chalicelib.colours.model import Assessment, DeclarationFacts, Facts, StatusMark, TestResult
from chalicelib.colours.rules import assess
from chalicelib.colours.table import Policy
from chalicelib.declarations.rules import Declaration
from chalicelib.kernel.person import Person
from chalicelib.officials.rules import MarkRequest


def holder_of(person_id: str) -> str:
    """A holder id as the codes carry it: 16 hex digits, here derived from the person."""
    return hashlib.sha256(f"holder:{person_id}".encode()).hexdigest()[:16]


def person(
    person_id: str = "p_1",
    *,
    owner: str = "u_1",
    relation: str = "self",
    id_hash: str | None = None,
    fed_hash: str | None = None,
) -> Person:
    return Person(
        person_id=person_id,
        owner_user_id=owner,
        holder_id=holder_of(person_id),
        id_hash=id_hash or f"ih_{person_id}",
        id_masked="1101**********123X",
        name_masked="王*",
        residence_region="610113",
        relation=relation,
        fed_hash=fed_hash,
    )


def declaration(
    declaration_id: str,
    *,
    person_id: str = "p_1",
    at: datetime,
    status: str = "approved",
    symptoms: tuple[str, ...] = (),
    contact_with_confirmed: bool = False,
) -> Declaration:
    return Declaration(
        declaration_id=declaration_id,
        person_id=person_id,
        user_id="u_1",
        status=status,
        symptoms=symptoms,
        contact_with_confirmed=contact_with_confirmed,
        abroad_14d=False,
        residence_region="610113",
        created_at=at,
        review_reasons=("symptoms",) if status == "pending_review" else (),
    )


def mark(
    mark_id: str,
    *,
    id_hash: str = "ih_p_1",
    at: datetime,
    status: str = "confirmed",
    requested_by: str = "official_a",
    contact_date: date | None = None,
) -> MarkRequest:
    return MarkRequest(
        mark_id=mark_id,
        id_hash=id_hash,
        person_id=None,
        status=status,
        category="epidemic",
        note="note",
        contact_date=contact_date,
        state="awaiting_approval",
        requested_by=requested_by,
        requested_at=at,
    )


def green(now: datetime) -> Assessment:
    """A plain green: an approved declaration with nothing against it."""
    facts = Facts(
        declaration=DeclarationFacts(declared_at=now, status="approved"), declared_at=(now,)
    )
    return assess(facts, Policy(), now)


def red(now: datetime) -> Assessment:
    """Red with reasons that carry an end, a start and a required action."""
    facts = Facts(
        declaration=DeclarationFacts(declared_at=now, status="approved"),
        declared_at=(now,),
        tests=(TestResult(sampled_at=now - timedelta(hours=3), result="positive", lab="lab1"),),
        marks=(StatusMark(status="close_contact", effective_at=now, contact_date=now.date()),),
    )
    return assess(facts, Policy(), now)


def yellow(now: datetime) -> Assessment:
    """Yellow until a known moment (a secondary contact's quarantine): ``valid_until`` set."""
    facts = Facts(
        declaration=DeclarationFacts(declared_at=now, status="approved"),
        declared_at=(now,),
        marks=(StatusMark(status="secondary_contact", effective_at=now, contact_date=now.date()),),
    )
    return assess(facts, Policy(), now)
