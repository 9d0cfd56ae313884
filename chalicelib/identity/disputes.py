"""Identity disputes: a second account declares an ID number another account holds.

Before, the second account got ``409 id_number_in_use`` and an appeal answered
``no_code``: whoever declared an ID number first (a squatter included) kept it.
Now the claim becomes a dispute:

- where exactly one side's real name is vouched for this ID number by its login
  channel (Alipay's certified user info, WeChat's real-name check; the dev login's
  ``vouched_id_number``), the channel's word decides at once: a vouched claimant
  gets the person (``moved``), a vouched holder keeps it (``kept``);
- otherwise the claimant is answered ``409 id_number_disputed`` and the dispute
  waits in the reviewers' queue (``GET /v1/admin/disputes``); the claimant may
  appeal without a code (their text joins the dispute as evidence); a reviewer
  moves the person to the claimant, keeps them, or asks for proof (in person, at a
  service counter, with the ID card);
- neither side learns anything about the other: the claimant only hears that the
  number is under review, the holder nothing; the reviewer sees masks, channels
  and whether each side is vouched. Every step is in the audit trail, under the
  dispute's id and the person's.

Moving the person makes it the claimant's own: the holder's declarations of it
stop counting (they expire now), its printed code is revoked, and the claimant's
declaration kept with the dispute is filed, which recolours the person.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.identity.ports import IdentityStore
from chalicelib.kernel.audit import Audit, AuditEvent
from chalicelib.kernel.errors import Conflict, InvalidInput, NotFound
from chalicelib.kernel.events import DisputeDecided, PersonMoved, Publish, nobody
from chalicelib.kernel.paging import Page
from chalicelib.kernel.person import Person
from chalicelib.kernel.ports import FieldCipher
from chalicelib.kernel.session import SessionClaims
from chalicelib.people.ports import People
from chalicelib.people.rules import Dispute, automatic_outcome


class DisputeStore(Protocol):
    def add(self, dispute: Dispute, *, payload_enc: str) -> None: ...

    def get(self, dispute_id: str) -> Dispute | None: ...

    def payload(self, dispute_id: str) -> str: ...

    def open_for_claimant(self, user_id: str) -> Dispute | None: ...

    def queue(self, *, limit: int, cursor: str | None) -> Page[Dispute]: ...

    def add_evidence(self, dispute_id: str, text: str) -> None: ...

    def decide(
        self, dispute_id: str, *, state: str, reviewer: str, note: str, now: datetime
    ) -> Dispute: ...


@dataclass(frozen=True)
class DisputeItem:
    """What a reviewer sees: masks and the channels' word, never a name or number."""

    dispute: Dispute
    person: Person | None
    claimant_channels: tuple[str, ...]
    holder_channels: tuple[str, ...]


DECIDED_STATES = {"move": "moved", "keep": "kept", "ask_proof": "proof_requested"}
CLAIMANT_ANSWERS = {
    "moved": "核实后，该证件号已归属您的账户。Verified: the ID number is now on your account.",
    "kept": "核实后，该证件号不能归属您的账户。After review, the ID number stays where it is.",
    "proof_requested": "请携带身份证原件到社区服务中心核实身份。"
    "Bring your ID card to a community service centre to prove who you are.",
}


@dataclass
class DisputeService:
    disputes: DisputeStore
    people: People
    users: IdentityStore
    audit: Audit
    cipher: FieldCipher
    clock: Callable[[], datetime]
    # Tells the other capabilities what a decision changes (bootstrap's EVENT_HANDLERS):
    # a move (PersonMoved) retires the former holder's declarations and revokes the
    # person's printed code; a decision (DisputeDecided) files the claimant's kept
    # declaration and answers the claimant's appeals.
    publish: Publish = nobody

    # -- the claim, from a declaration ---------------------------------------------

    def claim(
        self,
        claimant: str,
        role: str,
        holder: Person,
        id_hash: str,
        body: dict[str, Any],
        *,
        name_matches: bool = True,
    ) -> Person:
        """A declaration of ``holder``'s ID number from another account: the person moved
        to the claimant (the declaration goes on), or Conflict (409).

        A person only guardians hold (a child, an elder) is claimed at once only with
        the name the guardian filed (``name_matches``) and a vouched identity; any other
        claim is a dispute a reviewer decides (with the guardian's consent, at a
        counter), never a silent move."""
        now = self.clock()
        pending = self.disputes.open_for_claimant(claimant)
        if pending is not None and pending.person_id == holder.person_id:
            raise self._under_review()
        claimant_user = self.users.get_user(claimant)
        holder_user = self.users.get_user(holder.owner_user_id)
        claimant_vouched = bool(claimant_user and claimant_user.vouched_id_hash == id_hash)
        holder_vouched = bool(holder_user and holder_user.vouched_id_hash == id_hash)
        outcome = automatic_outcome(
            claimant_vouched=claimant_vouched, holder_vouched=holder_vouched
        )
        if outcome == "move" and not name_matches:
            outcome = None  # vouched, but not the name the guardian filed: a reviewer looks
        state = {"move": "moved", "keep": "kept", None: "open"}[outcome]
        dispute = Dispute(
            dispute_id="dp_" + secrets.token_hex(10),
            person_id=holder.person_id,
            claimant_user_id=claimant,
            holder_user_id=holder.owner_user_id,
            claimant_vouched=claimant_vouched,
            holder_vouched=holder_vouched,
            state=state,
            created_at=now,
            decided_by="system" if outcome else None,
            decided_at=now if outcome else None,
            note="the login channel vouches for one side's real name" if outcome else None,
        )
        payload = json.dumps(body, ensure_ascii=False)
        self.disputes.add(dispute, payload_enc=self.cipher.encrypt(payload, context="dispute"))
        self._audit(dispute, claimant, role, "dispute_opened", now, reason=state)
        if outcome == "move":
            return self._move(dispute, actor="system", actor_role="system", now=now)
        if outcome == "keep":
            raise Conflict(
                "this ID number is held by an account whose real name is verified for it",
                field="id_number",
                code="id_number_in_use",
            )
        raise self._under_review()

    @staticmethod
    def _under_review() -> Conflict:
        return Conflict(
            "this ID number is already declared from another account: a reviewer will "
            "look at it; you may add an appeal (POST /v1/me/appeals) meanwhile",
            field="id_number",
            code="id_number_disputed",
        )

    # -- the claimant's appeal without a code ------------------------------------------

    def open_for(self, user_id: str) -> Dispute | None:
        return self.disputes.open_for_claimant(user_id)

    def add_evidence(self, dispute: Dispute, text: str) -> None:
        self.disputes.add_evidence(dispute.dispute_id, text)

    # -- reviewers ------------------------------------------------------------------

    def queue(self, *, limit: int, cursor: str | None) -> Page[DisputeItem]:
        page = self.disputes.queue(limit=limit, cursor=cursor)
        return Page(items=tuple(self._item(d) for d in page.items), cursor=page.cursor)

    def _item(self, dispute: Dispute) -> DisputeItem:
        claimant = self.users.get_user(dispute.claimant_user_id)
        holder = self.users.get_user(dispute.holder_user_id)
        return DisputeItem(
            dispute=dispute,
            person=self.people.get(dispute.person_id),
            claimant_channels=claimant.channels if claimant else (),
            holder_channels=holder.channels if holder else (),
        )

    def decide(
        self, reviewer: SessionClaims, dispute_id: str, *, decision: str, note: str
    ) -> DisputeItem:
        dispute = self.disputes.get(dispute_id)
        if dispute is None:
            raise NotFound("no such dispute", code="dispute_not_found")
        note = note.strip()
        if not note:
            raise InvalidInput("a decision needs a note", field="note")
        if dispute.state not in ("open", "proof_requested"):
            raise Conflict("this dispute has already been decided", code="already_decided")
        decided = self._settle(
            dispute,
            DECIDED_STATES[decision],
            actor=reviewer.subject,
            actor_role=reviewer.role.value,
            note=note,
        )
        return self._item(decided)

    def settle_vouched(self, user_id: str, id_hash: str) -> bool:
        """The claimant's channel has just vouched for their real name (a WeChat real-name
        check after the claim): their open dispute over that number is decided as the
        claim itself would have been, at once. True when the person moved."""
        dispute = self.disputes.open_for_claimant(user_id)
        if dispute is None:
            return False
        person = self.people.get(dispute.person_id)
        if person is None or person.id_hash != id_hash:
            return False
        holder = self.users.get_user(dispute.holder_user_id)
        holder_vouched = bool(holder and holder.vouched_id_hash == id_hash)
        if automatic_outcome(claimant_vouched=True, holder_vouched=holder_vouched) != "move":
            return False  # both vouched: a reviewer decides
        self._settle(
            dispute,
            "moved",
            actor="system",
            actor_role="system",
            note="the claimant's login channel vouches for the real name",
        )
        return True

    def _settle(
        self, dispute: Dispute, state: str, *, actor: str, actor_role: str, note: str
    ) -> Dispute:
        now = self.clock()
        decided = self.disputes.decide(
            dispute.dispute_id, state=state, reviewer=actor, note=note, now=now
        )
        self._audit(decided, actor, actor_role, f"dispute_{state}", now, reason=note)
        declaration = None
        if state == "moved":
            self._move(decided, actor=actor, actor_role=actor_role, now=now)
            declaration = json.loads(
                self.cipher.decrypt(self.disputes.payload(dispute.dispute_id), context="dispute")
            )
        self.publish(
            DisputeDecided(
                dispute_id=dispute.dispute_id,
                claimant_user_id=decided.claimant_user_id,
                state=state,
                outcome="upheld" if state == "moved" else "dismissed",
                answer=CLAIMANT_ANSWERS[state],
                declaration=declaration,
            )
        )
        return decided

    def claimant_answer(self, state: str) -> str:
        return CLAIMANT_ANSWERS.get(state, "")

    # -- shared ---------------------------------------------------------------------

    def _move(self, dispute: Dispute, *, actor: str, actor_role: str, now: datetime) -> Person:
        for _ in range(3):
            person = self.people.get(dispute.person_id)
            if person is None:
                raise NotFound("the disputed person is gone", code="person_not_found")
            try:
                moved = self.people.set_owner(
                    person, user_id=dispute.claimant_user_id, relation="self", now=now
                )
                break
            except Conflict as exc:
                if exc.code != "stale_write":
                    raise
        else:
            raise Conflict("the person is being updated; try again", code="stale_write")
        self.publish(
            PersonMoved(
                person_id=dispute.person_id,
                from_user_id=dispute.holder_user_id,
                to_user_id=dispute.claimant_user_id,
                dispute_id=dispute.dispute_id,
                previous_relation=person.relation,
            )
        )
        self.audit.append(
            AuditEvent(
                subject_id=dispute.person_id,
                actor=actor,
                actor_role=actor_role,
                action="person_moved",
                at=now,
                reason=f"dispute:{dispute.dispute_id}",
                before={"owner": dispute.holder_user_id},
                after={"owner": dispute.claimant_user_id},
            )
        )
        return moved

    def _audit(
        self, dispute: Dispute, actor: str, role: str, action: str, now: datetime, *, reason: str
    ) -> None:
        for subject in (dispute.dispute_id, dispute.person_id):
            self.audit.append(
                AuditEvent(
                    subject_id=subject,
                    actor=actor,
                    actor_role=role,
                    action=action,
                    at=now,
                    reason=reason,
                    after={
                        "dispute": dispute.dispute_id,
                        "state": dispute.state,
                        "claimant_vouched": dispute.claimant_vouched,
                        "holder_vouched": dispute.holder_vouched,
                    },
                )
            )
