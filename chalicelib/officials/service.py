"""What officials and reviewers do to people: status marks, appeals, and the audit trail.

A status mark (confirmed, close contact, secondary contact, cleared) takes
effect only when a second, different official approves it; it must name an
epidemic reason category and carry a note. No other way exists to set a
colour by hand: colours only ever come from the engine over the facts.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.colours.model import Assessment, StatusMark, StoredColour
from chalicelib.colours.ports import DeclarationSeen
from chalicelib.colours.service import ColourService
from chalicelib.kernel.audit import Audit, AuditEvent
from chalicelib.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from chalicelib.kernel.events import DisputeDecided
from chalicelib.kernel.paging import Page
from chalicelib.kernel.person import Person
from chalicelib.kernel.pii import keyed_hash, mask_id_number
from chalicelib.kernel.session import SessionClaims
from chalicelib.kernel.times import local_day
from chalicelib.officials.ports import Appeals, Corrections, Marks
from chalicelib.officials.rules import Appeal, MarkRequest
from chalicelib.people.ports import People

IdNumberParser = Callable[..., str]
CONTACT_STATUSES = ("close_contact", "secondary_contact")
MAX_CONTACT_AGE_DAYS = 30


@dataclass(frozen=True)
class Seen:
    """A queue item with whom it is about, as staff see them: the person (masked in the
    view), their latest answers (appeals) and their current colour with its reasons."""

    item: Any  # the MarkRequest or Appeal
    person: Person | None
    colour: StoredColour | None = None
    answers: DeclarationSeen | None = None


@dataclass(frozen=True)
class AnsweredAppeal:
    appeal: Appeal
    withdrawn: tuple[str, ...] = ()  # the declared facts an upheld appeal took back


@dataclass(frozen=True)
class MarkOutcome:
    mark: MarkRequest
    recoloured: tuple[tuple[str, Assessment], ...] = ()


@dataclass
class StatusService:
    people: People
    marks: Marks
    audit: Audit
    colours: ColourService
    hash_key: bytes
    parse_id_number: IdNumberParser
    clock: Callable[[], datetime]

    def request(
        self,
        official: SessionClaims,
        *,
        id_number: str,
        status: str,
        category: str,
        note: str,
        contact_date: str | None,
    ) -> MarkRequest:
        now = self.clock()
        today = local_day(now)
        number = self.parse_id_number(id_number, today=today, field="id_number")
        note = note.strip()
        if not note:
            raise InvalidInput("a status mark needs a note", field="note")
        contact = self._contact_date(status, contact_date, today)
        return self.file(
            official,
            id_hash=keyed_hash(self.hash_key, "id", number),
            status=status,
            category=category,
            note=note,
            contact_date=contact,
            now=now,
            id_masked=mask_id_number(number),
        )

    def file(
        self,
        requester: SessionClaims,
        *,
        id_hash: str,
        status: str,
        category: str,
        note: str,
        contact_date: date | None = None,
        now: datetime,
        requested_by: str | None = None,
        reason: str | None = None,
        id_masked: str | None = None,
    ) -> MarkRequest:
        """Put a checked request in the officials' queue, audited: an official's own, or
        the one a lab's positive result opens (``requested_by`` ``lab:<client>``)."""
        people = self.people.ids_by_id_hash(id_hash)
        mark = MarkRequest(
            mark_id="m_" + secrets.token_hex(10),
            id_hash=id_hash,
            person_id=people[0] if people else None,
            status=status,
            category=category,
            note=note,
            contact_date=contact_date,
            state="awaiting_approval",
            requested_by=requested_by or requester.subject,
            requested_at=now,
            id_masked=id_masked,
        )
        self.marks.add(mark)
        self.audit.append(
            AuditEvent(
                subject_id=mark.person_id or mark.mark_id,
                actor=requester.subject,
                actor_role=requester.role.value,
                action="status_requested",
                at=now,
                reason=reason or f"{category}: {note}",
                after={
                    "mark": mark.mark_id,
                    "status": status,
                    "state": mark.state,
                    "contact_date": contact_date.isoformat() if contact_date else None,
                },
            )
        )
        return mark

    def withdraw(
        self, requester: SessionClaims, mark_id: str, *, reason: str, now: datetime
    ) -> bool:
        """Take back a request still awaiting approval (audited); False once an official
        has decided it: their decision stands."""
        if not self.marks.withdraw(mark_id):
            return False
        self.audit.append(
            AuditEvent(
                subject_id=mark_id,
                actor=requester.subject,
                actor_role=requester.role.value,
                action="status_withdrawn",
                at=now,
                reason=reason,
                before={"state": "awaiting_approval"},
                after={"state": "withdrawn"},
            )
        )
        return True

    @staticmethod
    def _contact_date(status: str, raw: str | None, today: date) -> date | None:
        if status not in CONTACT_STATUSES:
            if raw is not None:
                raise InvalidInput(
                    f"contact_date applies only to {' and '.join(CONTACT_STATUSES)}",
                    field="contact_date",
                )
            return None
        if raw is None:
            raise InvalidInput(
                f"a {status} mark needs the contact_date",
                field="contact_date",
                code="missing_field",
            )
        try:
            contact = date.fromisoformat(raw)
        except ValueError:
            raise InvalidInput(
                "contact_date must be a date like 2026-11-20", field="contact_date"
            ) from None
        if contact > today:
            raise InvalidInput("contact_date is in the future", field="contact_date")
        if contact < today - timedelta(days=MAX_CONTACT_AGE_DAYS):
            raise InvalidInput(
                f"contact_date is more than {MAX_CONTACT_AGE_DAYS} days ago", field="contact_date"
            )
        return contact

    def queue(self, *, limit: int, cursor: str | None) -> Page[Seen]:
        """Marks awaiting a second official, oldest first: officials' own requests and the
        ones a positive lab result opened; each with whom it is for (the person filed
        under the ID number now, if any) and their current colour."""
        page = self.marks.queue(limit=limit, cursor=cursor)
        items = []
        for mark in page.items:
            held = [mark.person_id] if mark.person_id else self.people.ids_by_id_hash(mark.id_hash)
            person = self.people.get(held[0]) if held else None
            colour = self.colours.current(person.person_id) if person else None
            items.append(Seen(mark, person, colour))
        return Page(items=tuple(items), cursor=page.cursor)

    def approve(
        self,
        official: SessionClaims,
        mark_id: str,
        *,
        category: str | None = None,
        note: str | None = None,
    ) -> MarkOutcome:
        """The second official's approval. ``category``, when given, is the request's
        reason as the approver read it: another one is refused, so the approval cannot
        rest on a misread request; ``note`` joins the audit entry's reason."""
        mark = self.marks.get(mark_id)
        if mark is None:
            raise NotFound("no such status mark", code="mark_not_found")
        if mark.requested_by == official.subject:
            raise Forbidden(
                "a second, different official must approve this mark", code="self_approval"
            )
        if mark.state != "awaiting_approval":
            raise Conflict("this mark is no longer awaiting approval", code="already_decided")
        if category is not None and category != mark.category:
            raise Conflict(
                "the request gives another epidemic reason: read it again",
                field="category",
                code="category_mismatch",
            )
        now = self.clock()
        people = self.people.ids_by_id_hash(mark.id_hash)
        approved = self.marks.approve(
            mark, approver=official.subject, person_id=people[0] if people else None, now=now
        )
        self.audit.append(
            AuditEvent(
                subject_id=approved.person_id or mark.mark_id,
                actor=official.subject,
                actor_role=official.role.value,
                action="status_approved",
                at=now,
                reason=f"{mark.category}: {mark.note}"
                + (f" / approved: {note.strip()}" if note and note.strip() else ""),
                before={"mark": mark.mark_id, "state": "awaiting_approval"},
                after={
                    "mark": mark.mark_id,
                    "state": "approved",
                    "status": mark.status,
                    "requested_by": mark.requested_by,
                },
            )
        )
        recoloured = tuple(
            (
                person_id,
                self.colours.recolour(
                    person_id,
                    actor=official.subject,
                    actor_role=official.role.value,
                    reason=f"status:{mark.status}",
                    fresh_mark=StatusMark(
                        status=approved.status,
                        effective_at=now,
                        contact_date=approved.contact_date,
                        category=approved.category,
                    ),
                ),
            )
            for person_id in people
        )
        return MarkOutcome(approved, recoloured)


@dataclass
class AppealService:
    people: People
    appeals: Appeals
    audit: Audit
    colours: ColourService
    clock: Callable[[], datetime]
    # Identity disputes (chalicelib/identity/disputes.py): a claimant without a code may
    # appeal; and the account's own person as PeopleService finds it.
    disputes: Any = None
    self_of: Callable[[str], Person | None] | None = None
    # The person's own declarations, which an upheld appeal may correct (declarations'
    # ReviewService; set by the composition root).
    corrections: Corrections | None = None

    def file(self, citizen: SessionClaims, text: str) -> Appeal:
        text = text.strip()
        if not text:
            raise InvalidInput("say why the colour is wrong", field="reason")
        person = self.self_of(citizen.subject) if self.self_of else None
        if person is None:
            person = self.people.self_of(citizen.subject)
        if person is None:
            dispute = self.disputes.open_for(citizen.subject) if self.disputes else None
            if dispute is None:
                raise Conflict("declare first: there is no code to appeal", code="no_code")
            return self._dispute_appeal(citizen, dispute, text)
        current = self.colours.current(person.person_id)
        now = self.clock()
        appeal = Appeal(
            appeal_id="a_" + secrets.token_hex(10),
            user_id=citizen.subject,
            person_id=person.person_id,
            text=text,
            colour=current.assessment.colour.value if current else None,
            state="open",
            created_at=now,
        )
        self.appeals.add(appeal)
        self.audit.append(
            AuditEvent(
                subject_id=person.person_id,
                actor=citizen.subject,
                actor_role=citizen.role.value,
                action="appeal_filed",
                at=now,
                reason=text,
                after={"appeal": appeal.appeal_id, "colour": appeal.colour},
            )
        )
        return appeal

    def _dispute_appeal(self, citizen: SessionClaims, dispute: Any, text: str) -> Appeal:
        """No code because the ID number is disputed: the appeal joins the dispute as the
        claimant's evidence (filed under the dispute's id, never the person's), and is
        answered when a reviewer decides the dispute."""
        assert self.disputes is not None
        now = self.clock()
        appeal = Appeal(
            appeal_id="a_" + secrets.token_hex(10),
            user_id=citizen.subject,
            person_id=dispute.dispute_id,
            text=text,
            colour=None,
            state="open",
            created_at=now,
        )
        self.appeals.add(appeal)
        self.disputes.add_evidence(dispute, text)
        self.audit.append(
            AuditEvent(
                subject_id=dispute.dispute_id,
                actor=citizen.subject,
                actor_role=citizen.role.value,
                action="dispute_appeal_filed",
                at=now,
                reason=text,
                after={"appeal": appeal.appeal_id},
            )
        )
        return appeal

    def dispute_decided(self, event: DisputeDecided) -> None:
        """A dispute decided (not a request for proof) answers the claimant's appeals."""
        if event.state != "proof_requested":
            self.answer_dispute_appeals(
                event.claimant_user_id, event.dispute_id, event.outcome, event.answer
            )

    def answer_dispute_appeals(
        self, user_id: str, dispute_id: str, outcome: str, answer: str
    ) -> None:
        """The dispute was decided: the claimant's open appeals about it are answered."""
        now = self.clock()
        page = self.appeals.for_user(user_id, limit=50, cursor=None)
        for appeal in page.items:
            if appeal.person_id == dispute_id and appeal.state == "open":
                self.appeals.answer(
                    appeal.appeal_id, outcome=outcome, answer=answer, reviewer="system", now=now
                )

    def own(self, citizen: SessionClaims, *, limit: int, cursor: str | None) -> Page[Appeal]:
        return self.appeals.for_user(citizen.subject, limit=limit, cursor=cursor)

    def queue(self, *, limit: int, cursor: str | None) -> Page[Seen]:
        """Open appeals, oldest first, each with the person, their latest answers and
        their current reasons: what the reviewer must read to answer."""
        page = self.appeals.queue(limit=limit, cursor=cursor)
        items = []
        for appeal in page.items:
            person = self._appealed(appeal)
            items.append(
                Seen(
                    appeal,
                    person,
                    self.colours.current(person.person_id) if person else None,
                    self.corrections.latest(person.person_id)
                    if person and self.corrections
                    else None,
                )
            )
        return Page(items=tuple(items), cursor=page.cursor)

    def _appealed(self, appeal: Appeal) -> Person | None:
        """The person an appeal is about, while its filer still holds them; None for a
        dispute's appeal, or once the person moved to another account (a squatter's old
        appeal never shows, nor corrects, the new holder's data)."""
        person = self.people.get(appeal.person_id)
        return person if person is not None and person.owner_user_id == appeal.user_id else None

    def answer(
        self,
        reviewer: SessionClaims,
        appeal_id: str,
        *,
        outcome: str,
        answer: str,
        withdraw: list[str] | None = None,
    ) -> AnsweredAppeal:
        """Answer an appeal. Upheld, it approves the person's pending correction, or
        takes back the declared risk facts ``withdraw`` names (a correction the
        reviewer records: docs/colour-rules.md); checked before anything is written."""
        appeal = self.appeals.get(appeal_id)
        if appeal is None:
            raise NotFound("no such appeal", code="appeal_not_found")
        answer = answer.strip()
        if not answer:
            raise InvalidInput("an answer needs text", field="answer")
        facts = tuple(sorted(set(withdraw))) if withdraw is not None else None
        if facts is not None and outcome != "upheld":
            raise InvalidInput(
                "only an upheld appeal withdraws declared facts",
                field="withdraw",
                code="withdraw_needs_upheld",
            )
        person = self._appealed(appeal)
        if facts and person is None and self.people.get(appeal.person_id) is not None:
            raise InvalidInput(
                "the person has moved to another account since this appeal was filed: "
                "it can correct nothing of theirs",
                field="withdraw",
                code="appeal_filer_moved",
            )
        if facts and (person is None or self.corrections is None):
            raise InvalidInput(
                "this appeal has no declarations to correct", field="withdraw", code="no_code"
            )
        if facts and person is not None and self.corrections is not None:
            self.corrections.check_withdrawal(person.person_id, facts)
        now = self.clock()
        answered = self.appeals.answer(
            appeal_id, outcome=outcome, answer=answer, reviewer=reviewer.subject, now=now
        )
        self.audit.append(
            AuditEvent(
                subject_id=answered.person_id,
                actor=reviewer.subject,
                actor_role=reviewer.role.value,
                action="appeal_answered",
                at=now,
                reason=answer,
                before={"appeal": appeal_id, "state": "open"},
                after={"appeal": appeal_id, "state": outcome},
            )
        )
        withdrawn: tuple[str, ...] = ()
        if outcome == "upheld" and person is not None and self.corrections is not None:
            withdrawn = self.corrections.correct(
                reviewer, person.person_id, facts, note=answer, appeal_id=appeal_id
            )
        return AnsweredAppeal(answered, withdrawn)


@dataclass
class AuditService:
    audit: Audit
    clock: Callable[[], datetime]

    def query(
        self, *, subject: str | None, day: str | None, limit: int, cursor: str | None
    ) -> Page[AuditEvent]:
        if subject:
            return self.audit.by_subject(subject, limit=limit, cursor=cursor)
        try:
            when = date.fromisoformat(day) if day else local_day(self.clock())
        except ValueError:
            raise InvalidInput("day must be a date like 2026-11-20", field="day") from None
        return self.audit.by_day(when, limit=limit, cursor=cursor)
