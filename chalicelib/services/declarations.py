"""Health declarations and their review.

A declaration is validated (ID number, division code, phone), files the
person (the account holder; dependants later), and is approved by the rules
unless a reviewer must look: a claimed contact with a confirmed case, or
answers the itinerary contradicts. Every step is audited and recolours the
person at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.domain.colour import Assessment, days_after, local_day
from chalicelib.domain.divisions import DivisionIndex
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.federation import federation_hash
from chalicelib.domain.health import (
    AuditEvent,
    Declaration,
    DeclarationAnswers,
    Page,
    Person,
    review_reasons,
)
from chalicelib.domain.phone import parse_mobile
from chalicelib.domain.pii import keyed_hash, mask_id_number, mask_name
from chalicelib.domain.session import SessionClaims
from chalicelib.services.colours import ColourService
from chalicelib.services.ports import Audit, Declarations, FactsSource, FieldCipher, People

IdNumberParser = Callable[..., str]


def self_person_id(user_id: str) -> str:
    """The account holder's own person id: derived, so two racing first declarations
    cannot file the same person twice (the second create fails its condition)."""
    return "p_" + hashlib.sha256(f"self:{user_id}".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class DeclarationOutcome:
    declaration: Declaration
    assessment: Assessment


@dataclass
class DeclarationService:
    people: People
    declarations: Declarations
    facts: FactsSource
    audit: Audit
    colours: ColourService
    cipher: FieldCipher
    hash_key: bytes
    divisions: Callable[[], DivisionIndex]
    parse_id_number: IdNumberParser
    clock: Callable[[], datetime]
    # Shared with the partner regions: their attestations name people by HMAC under it
    # of the ID number (docs/federation.md). None: federation is not set up here.
    federation_key: bytes | None = None

    def parse(self, body: dict[str, Any], *, today: date) -> DeclarationAnswers:
        """Everything a schema cannot check; InvalidInput names the field."""
        name = " ".join(str(body["name"]).split())
        if not name:
            raise InvalidInput("name must not be blank", field="name")
        address = " ".join(str(body["address"]).split())
        if not address:
            raise InvalidInput("address must not be blank", field="address")
        return DeclarationAnswers(
            name=name,
            id_number=self.parse_id_number(body["id_number"], today=today, field="id_number"),
            phone=parse_mobile(body["phone"], field="phone"),
            residence_region=self.divisions().parse_region(
                body["residence_region"], field="residence_region"
            ),
            address=address,
            symptoms=tuple(dict.fromkeys(body.get("symptoms") or ())),
            contact_with_confirmed=bool(body["contact_with_confirmed"]),
            abroad_14d=bool(body["abroad_14d"]),
        )

    def declare(self, claims: SessionClaims, body: dict[str, Any]) -> DeclarationOutcome:
        now = self.clock()
        answers = self.parse(body, today=local_day(now))
        user_id = claims.subject
        person = self._file_person(user_id, answers, now)
        phone_hash = self.facts.phone_hash_of(user_id)
        stays = self.facts.stays(phone_hash, since=days_after(now, -15)) if phone_hash else []
        review = review_reasons(answers, stays, as_of=now)
        declaration = Declaration(
            declaration_id="d_" + secrets.token_hex(10),
            person_id=person.person_id,
            user_id=user_id,
            status="pending_review" if review else "approved",
            symptoms=answers.symptoms,
            contact_with_confirmed=answers.contact_with_confirmed,
            abroad_14d=answers.abroad_14d,
            residence_region=answers.residence_region,
            created_at=now,
            review_reasons=review,
        )
        payload = json.dumps(
            {
                "name": answers.name,
                "id_number": answers.id_number,
                "phone": answers.phone,
                "address": answers.address,
            },
            ensure_ascii=False,
        )
        self.declarations.add(
            declaration, payload_enc=self.cipher.encrypt(payload, context="declaration")
        )
        self.audit.append(
            AuditEvent(
                subject_id=person.person_id,
                actor=user_id,
                actor_role=claims.role.value,
                action="declaration_submitted",
                at=now,
                reason=",".join(review) or "rules",
                after={"declaration": declaration.declaration_id, "status": declaration.status},
            )
        )
        assessment = self.colours.recolour(
            person.person_id,
            actor=user_id,
            actor_role=claims.role.value,
            reason="declaration",
            fresh=declaration,
        )
        return DeclarationOutcome(declaration, assessment)

    def _file_person(self, user_id: str, answers: DeclarationAnswers, now: datetime) -> Person:
        id_hash = keyed_hash(self.hash_key, "id", answers.id_number)
        fed_hash = (
            federation_hash(self.federation_key, answers.id_number) if self.federation_key else None
        )
        name_enc = self.cipher.encrypt(answers.name, context="name")
        address_enc = self.cipher.encrypt(answers.address, context="address")
        person = self.people.self_of(user_id)
        if person is None:
            if self.people.ids_by_id_hash(id_hash):
                raise Conflict(
                    "this ID number is already declared from another account; "
                    "file an appeal if this is wrong",
                    field="id_number",
                    code="id_number_in_use",
                )
            candidate = Person(
                person_id=self_person_id(user_id),
                owner_user_id=user_id,
                holder_id=secrets.token_hex(8),  # the token's pseudonymous holder: random
                id_hash=id_hash,
                id_masked=mask_id_number(answers.id_number),
                name_masked=mask_name(answers.name),
                residence_region=answers.residence_region,
                fed_hash=fed_hash,
            )
            try:
                return self.people.create(
                    candidate,
                    id_enc=self.cipher.encrypt(answers.id_number, context="id_number"),
                    name_enc=name_enc,
                    address_enc=address_enc,
                    now=now,
                )
            except Conflict:  # a racing first declaration filed the person first
                raced = self.people.get(candidate.person_id)
                if raced is None:
                    raise
                person = raced
        if person.id_hash != id_hash:
            raise Conflict(
                "this account declares for a different ID number",
                field="id_number",
                code="id_number_mismatch",
            )
        # Every declaration refreshes the details (a new address alone counts too; the
        # ciphertexts cannot be compared). A racing declaration bumps the version: re-read.
        for _ in range(3):
            try:
                return self.people.update_details(
                    person,
                    name_enc=name_enc,
                    name_masked=mask_name(answers.name),
                    address_enc=address_enc,
                    residence_region=answers.residence_region,
                    now=now,
                    fed_hash=fed_hash if fed_hash != person.fed_hash else None,
                )
            except Conflict as exc:
                fresher = self.people.get(person.person_id) if exc.code == "stale_write" else None
                if fresher is None:
                    raise
                person = fresher
        raise Conflict(
            "the person is being updated by another declaration; try again", code="stale_write"
        )

    def own(self, claims: SessionClaims, *, limit: int, cursor: str | None) -> Page[Declaration]:
        person = self.people.self_of(claims.subject)
        if person is None:
            return Page(items=())
        return self.declarations.for_person(person.person_id, limit=limit, cursor=cursor)


@dataclass(frozen=True)
class QueueItem:
    declaration: Declaration
    person: Person | None


@dataclass
class ReviewService:
    people: People
    declarations: Declarations
    audit: Audit
    colours: ColourService
    clock: Callable[[], datetime]

    def queue(self, *, limit: int, cursor: str | None) -> Page[QueueItem]:
        page = self.declarations.queue(limit=limit, cursor=cursor)
        items = tuple(QueueItem(d, self.people.get(d.person_id)) for d in page.items)
        return Page(items=items, cursor=page.cursor)

    def decide(
        self, reviewer: SessionClaims, declaration_id: str, *, decision: str, note: str
    ) -> DeclarationOutcome:
        if self.declarations.get(declaration_id) is None:
            raise NotFound("no such declaration", code="declaration_not_found")
        note = note.strip()
        if not note:
            raise InvalidInput("a review needs a note", field="note")
        now = self.clock()
        status = "approved" if decision == "approve" else "rejected"
        decided = self.declarations.decide(
            declaration_id, status=status, reviewer=reviewer.subject, note=note, now=now
        )
        self.audit.append(
            AuditEvent(
                subject_id=decided.person_id,
                actor=reviewer.subject,
                actor_role=reviewer.role.value,
                action=f"declaration_{status}",
                at=now,
                reason=note,
                before={"status": "pending_review"},
                after={"declaration": declaration_id, "status": status},
            )
        )
        assessment = self.colours.recolour(
            decided.person_id,
            actor=reviewer.subject,
            actor_role=reviewer.role.value,
            reason=f"review:{status}",
            fresh=decided,
        )
        return DeclarationOutcome(decided, assessment)
