"""Health declarations and their review.

A declaration is validated (ID number, division code, phone), files the
person (the account holder, or with ``dependant: {relation}`` someone the
account cares for: docs/people.md), and is approved by the rules
unless a reviewer must look: a claimed contact with a confirmed case, or
answers the itinerary contradicts. Every step is audited and recolours the
person at once.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.colours.model import Assessment, StoredColour
from chalicelib.colours.ports import FactsSource
from chalicelib.colours.service import ColourService
from chalicelib.declarations.ports import Declarations
from chalicelib.declarations.rules import (
    WITHDRAWS_DECLARED_RISK,
    Declaration,
    DeclarationAnswers,
    corrected,
    review_reasons,
    withdrawn,
)
from chalicelib.federation.rules import federation_hash
from chalicelib.kernel.audit import Audit, AuditEvent
from chalicelib.kernel.divisions import DivisionIndex
from chalicelib.kernel.errors import Conflict, InvalidInput, NotFound
from chalicelib.kernel.events import DisputeDecided, PersonMoved
from chalicelib.kernel.paging import Page
from chalicelib.kernel.person import Person
from chalicelib.kernel.phone import parse_mobile
from chalicelib.kernel.pii import keyed_hash, mask_id_number, mask_name
from chalicelib.kernel.ports import FieldCipher
from chalicelib.kernel.session import SessionClaims
from chalicelib.kernel.times import days_after, local_day
from chalicelib.people import policy
from chalicelib.people.ports import People
from chalicelib.people.rules import (
    MAX_DEPENDANTS,
    CareLink,
    CareRequest,
    birth_date_of,
    care_request_id,
    dependant_person_id,
    self_person_id,
)

if TYPE_CHECKING:
    from chalicelib.identity.disputes import DisputeService
    from chalicelib.people.ports import CareLinks, CareRequests

IdNumberParser = Callable[..., str]


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
    # Dependants and identity disputes (chalicelib/people/service.py, disputes.py);
    # None: declaring for dependants is refused and a held ID number is a plain 409.
    links: CareLinks | None = None
    # Requests to care for a person with an account of their own (None: refused as
    # a mismatch, as before consent existed).
    care_requests: CareRequests | None = None
    disputes: DisputeService | None = None
    self_of: Callable[[str], Person | None] | None = None

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
        return self.declare_for(claims.subject, claims.role.value, body)

    # -- reactions (bootstrap's EVENT_HANDLERS) ------------------------------------------

    def person_moved(self, event: PersonMoved) -> None:
        """The former holder's declarations of a moved person stop counting."""
        self.declarations.retire_for_person(event.person_id)

    def dispute_decided(self, event: DisputeDecided) -> None:
        """The person moved: the claimant's kept declaration is filed as theirs."""
        if event.state == "moved" and event.declaration is not None:
            self.declare_for(event.claimant_user_id, "citizen", dict(event.declaration))

    def declare_for(self, user_id: str, role: str, body: dict[str, Any]) -> DeclarationOutcome:
        """``user_id`` declares for themself, or for a dependant (``body["dependant"]``)."""
        now = self.clock()
        answers = self.parse(body, today=local_day(now))
        dependant = body.get("dependant")
        if dependant:
            person = self._file_dependant(user_id, role, answers, dependant["relation"], now)
            stays: list[Any] = []  # the guardian's phone says nothing about the dependant
        else:
            person = self._file_person(user_id, answers, now, role=role, body=body)
            phone_hash = self.facts.phone_hash_of(user_id)
            stays = self.facts.stays(phone_hash, since=days_after(now, -15)) if phone_hash else []
        review = review_reasons(answers, stays, as_of=now)
        # A correction (answers taking back a risk fact the person declared) waits for a
        # reviewer; once approved, the fact stops colouring the code.
        withdraws = withdrawn(answers, self.colours.self_declared(person.person_id))
        if withdraws:
            review = (*review, WITHDRAWS_DECLARED_RISK)
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
            withdraws=withdraws,
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
                actor_role=role,
                action="declaration_submitted",
                at=now,
                reason=",".join(review) or "rules",
                after={"declaration": declaration.declaration_id, "status": declaration.status},
            )
        )
        assessment = self.colours.recolour(
            person.person_id,
            actor=user_id,
            actor_role=role,
            reason="declaration",
            fresh=declaration,
        )
        return DeclarationOutcome(declaration, assessment)

    def _own(self, user_id: str) -> Person | None:
        return self.self_of(user_id) if self.self_of else self.people.self_of(user_id)

    def _file_person(
        self,
        user_id: str,
        answers: DeclarationAnswers,
        now: datetime,
        *,
        role: str = "citizen",
        body: dict[str, Any] | None = None,
    ) -> Person:
        id_hash = keyed_hash(self.hash_key, "id", answers.id_number)
        person = self._own(user_id)
        if person is None:
            held = self.people.ids_by_id_hash(id_hash)
            existing = self.people.get(held[0]) if held else None
            if held:
                if self.disputes is None or existing is None:
                    raise Conflict(
                        "this ID number is already declared from another account; "
                        "file an appeal if this is wrong",
                        field="id_number",
                        code="id_number_in_use",
                    )
                # Held by another account, or only by guardians: a claim needs proof (a
                # vouched identity and, for a guardian's person, the name they filed);
                # anything else is a dispute, never a silent move.
                person = self.disputes.claim(
                    user_id,
                    role,
                    existing,
                    id_hash,
                    body or {},
                    name_matches=existing.relation == "self"
                    or self._filed_name(existing) == answers.name,
                )
        if person is None:
            person, created = self._create(
                answers, id_hash, person_id=self_person_id(user_id), owner=user_id, now=now
            )
            if created:
                return person
        if person.id_hash != id_hash:
            raise Conflict(
                "this account declares for a different ID number",
                field="id_number",
                code="id_number_mismatch",
            )
        return self._refresh(person, answers, now)

    def _filed_name(self, person: Person) -> str | None:
        sealed = self.people.name_enc_of(person.person_id)
        return self.cipher.decrypt(sealed, context="name") if sealed else None

    def _ask_consent(
        self, user_id: str, role: str, person: Person, relation: str, now: datetime
    ) -> Conflict:
        """File (or find) the request the person's owner answers: the person from their own
        account, or the first guardian of a person only guardians hold."""
        assert self.care_requests is not None
        wanted = CareRequest(
            request_id=care_request_id(person.person_id, user_id),
            person_id=person.person_id,
            guardian_user_id=user_id,
            relation=relation,
            state="pending",
            created_at=now,
        )
        if self.care_requests.ask(wanted) == wanted:  # newly asked, not found
            self.audit.append(
                AuditEvent(
                    subject_id=person.person_id,
                    actor=user_id,
                    actor_role=role,
                    action="care_link_requested",
                    at=now,
                    reason=relation,
                    after={"request": wanted.request_id, "relation": relation},
                )
            )
        who = "they have" if person.relation == "self" else "their guardian has"
        return Conflict(
            f"{who} been asked to accept you as a carer (GET /v1/me/care-requests); "
            "once accepted, declare again",
            field="dependant",
            code="consent_required",
        )

    def _file_dependant(
        self, user_id: str, role: str, answers: DeclarationAnswers, relation: str, now: datetime
    ) -> Person:
        """Find or file the dependant by the keyed hash of their ID number and link the
        guardian to them (at most MAX_DEPENDANTS). Adding a person already filed needs
        their exact name too, and is audited on the person."""
        if self.links is None:
            raise InvalidInput("declaring for dependants is not set up", field="dependant")
        id_hash = keyed_hash(self.hash_key, "id", answers.id_number)
        own = self._own(user_id)
        if own is not None and own.id_hash == id_hash:
            raise InvalidInput(
                "this is the account's own ID number: declare without dependant",
                field="dependant",
                code="dependant_is_self",
            )
        held = self.people.ids_by_id_hash(id_hash)
        person = self.people.get(held[0]) if held else None
        link = self.links.get(user_id, person.person_id) if person is not None else None
        # A link counts only while the person (or their guardians) agreed to it: one a
        # former holder granted asks again, like a first request.
        linked = (
            person is not None
            and link is not None
            and policy.link_basis(person, link, local_day(now)) != policy.Basis.NONE
        )
        if not linked:
            if link is None and len(self.links.for_user(user_id)) >= MAX_DEPENDANTS:
                raise Conflict(
                    f"an account may declare for at most {MAX_DEPENDANTS} people",
                    field="dependant",
                    code="too_many_dependants",
                )
            if person is not None:
                # Adding a person already filed needs their exact name, and the consent
                # of whoever decides for them: the person, from their own account, or
                # the first guardian of a person only guardians hold.
                known = self._filed_name(person) if self.care_requests is not None else None
                if known != answers.name:
                    # Same answer as for a number never filed with this name: nothing
                    # tells the caller whether the ID number is known.
                    raise Conflict(
                        "the name and ID number do not match a person who can be added",
                        field="name",
                        code="dependant_mismatch",
                    )
                if person.relation == "self" or self.links.holders(person.person_id):
                    raise self._ask_consent(user_id, role, person, relation, now)
                # Nobody holds them any more (their guardians all let go): the next
                # guardian who knows their name files them again.
                person = self.people.set_owner(
                    person, user_id=user_id, relation="dependant", now=now
                )
            else:
                person, _created = self._create(
                    answers,
                    id_hash,
                    person_id=dependant_person_id(id_hash),
                    owner=user_id,
                    now=now,
                    relation="dependant",
                )
            self.links.add(CareLink(user_id, person.person_id, relation, now, granted_by=user_id))
            self.audit.append(
                AuditEvent(
                    subject_id=person.person_id,
                    actor=user_id,
                    actor_role=role,
                    action="care_link_added",
                    at=now,
                    reason=relation,
                    after={"relation": relation},
                )
            )
        assert person is not None
        return self._refresh(person, answers, now)

    def _create(
        self,
        answers: DeclarationAnswers,
        id_hash: str,
        *,
        person_id: str,
        owner: str,
        now: datetime,
        relation: str = "self",
    ) -> tuple[Person, bool]:
        """The new person (True), or the one a racing declaration filed first (False)."""
        fed_hash = (
            federation_hash(self.federation_key, answers.id_number) if self.federation_key else None
        )
        candidate = Person(
            person_id=person_id,
            owner_user_id=owner,
            holder_id=secrets.token_hex(8),  # the token's pseudonymous holder: random
            id_hash=id_hash,
            id_masked=mask_id_number(answers.id_number),
            name_masked=mask_name(answers.name),
            residence_region=answers.residence_region,
            relation=relation,
            fed_hash=fed_hash,
            consent_age_on=policy.consent_age_on(birth_date_of(answers.id_number)),
        )
        try:
            created = self.people.create(
                candidate,
                id_enc=self.cipher.encrypt(answers.id_number, context="id_number"),
                name_enc=self.cipher.encrypt(answers.name, context="name"),
                address_enc=self.cipher.encrypt(answers.address, context="address"),
                now=now,
            )
            return created, True
        except Conflict:  # a racing first declaration filed the person first
            raced = self.people.get(candidate.person_id)
            if raced is None:
                raise
            return raced, False

    def _refresh(self, person: Person, answers: DeclarationAnswers, now: datetime) -> Person:
        fed_hash = (
            federation_hash(self.federation_key, answers.id_number) if self.federation_key else None
        )
        name_enc = self.cipher.encrypt(answers.name, context="name")
        address_enc = self.cipher.encrypt(answers.address, context="address")
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
                    consent_age_on=(
                        policy.consent_age_on(birth_date_of(answers.id_number))
                        if person.consent_age_on is None
                        else None
                    ),
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
        person = self._own(claims.subject)
        if person is None:
            return Page(items=())
        return self.declarations.for_person(person.person_id, limit=limit, cursor=cursor)


@dataclass(frozen=True)
class QueueItem:
    declaration: Declaration
    person: Person | None
    colour: StoredColour | None = None  # the person's current colour and its reasons


@dataclass
class ReviewService:
    people: People
    declarations: Declarations
    audit: Audit
    colours: ColourService
    clock: Callable[[], datetime]

    def queue(self, *, limit: int, cursor: str | None) -> Page[QueueItem]:
        page = self.declarations.queue(limit=limit, cursor=cursor)
        items = tuple(
            QueueItem(d, self.people.get(d.person_id), self.colours.current(d.person_id))
            for d in page.items
        )
        return Page(items=items, cursor=page.cursor)

    # --- corrections an upheld appeal approves (officials' AppealService) -------------

    def latest(self, person_id: str) -> Declaration | None:
        return self.declarations.latest(person_id)

    def check_withdrawal(self, person_id: str, facts: tuple[str, ...]) -> None:
        """InvalidInput naming ``withdraw`` unless every fact is one the person's own
        declarations colour the code with now (or their waiting correction takes back)."""
        latest = self.declarations.latest(person_id)
        pending = latest.withdraws if latest and latest.status == "pending_review" else ()
        declared = self.colours.self_declared(person_id) | set(pending)
        if latest is None or not set(facts) <= declared:
            raise InvalidInput(
                "only a risk fact the person's own declarations colour the code with can "
                f"be withdrawn (now: {', '.join(sorted(declared)) or 'none'})",
                field="withdraw",
                code="nothing_to_withdraw",
            )

    def correct(
        self,
        reviewer: SessionClaims,
        person_id: str,
        facts: tuple[str, ...] | None,
        *,
        note: str,
        appeal_id: str,
    ) -> tuple[str, ...]:
        """An upheld appeal approves a correction: the person's pending one (when
        ``facts`` is None or among what it withdraws), or a new one taking back
        ``facts`` from their latest answers. What was withdrawn; () for nothing to do.
        Facts the person's declarations do not colour the code with are refused before
        anything is written."""
        latest = self.declarations.latest(person_id)
        pending = latest if latest and latest.status == "pending_review" else None
        if (
            pending is not None
            and pending.withdraws
            and (facts is None or set(facts) <= set(pending.withdraws))
        ):
            self.decide(reviewer, pending.declaration_id, decision="approve", note=note)
            return pending.withdraws
        if not facts:
            return ()
        self.check_withdrawal(person_id, facts)
        assert latest is not None  # checked: a person with nothing declared has nothing
        now = self.clock()
        correction = corrected(
            latest,
            tuple(sorted(set(facts))),
            declaration_id="d_" + secrets.token_hex(10),
            created_at=now,
            reviewed_by=reviewer.subject,
            review_note=note,
            reviewed_at=now,
        )
        payload = self.declarations.payload(latest.declaration_id) or ""
        self.declarations.add(correction, payload_enc=payload)
        self.audit.append(
            AuditEvent(
                subject_id=person_id,
                actor=reviewer.subject,
                actor_role=reviewer.role.value,
                action="declaration_corrected",
                at=now,
                reason=note,
                before={"declaration": latest.declaration_id},
                after={
                    "declaration": correction.declaration_id,
                    "withdraws": list(correction.withdraws),
                    "appeal": appeal_id,
                },
            )
        )
        self.colours.recolour(
            person_id,
            actor=reviewer.subject,
            actor_role=reviewer.role.value,
            reason="appeal:upheld",
            fresh=correction,
        )
        return correction.withdraws

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
