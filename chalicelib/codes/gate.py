"""The gate without a phone: printed codes and the ID-card check (docs/people.md).

- A **printed code** (纸质码) is a signed token of its own kind (``printed``,
  chalicelib/codes/token.py) that lives up to 30 days and carries no colour:
  its holder field is the printed code's own random id, found in the
  ``printed_codes`` table, so it cannot be linked to the person's phone code.
  A checkpoint scanning it gets the person's *current* colour online; offline it
  shows "identity only: check the colour online". Issuing a new one revokes the
  previous (one pointer per person, moved by a conditional write).
- The **ID-card check** (数字哨兵): a checkpoint sends the ID number read from the
  card and gets what a scan of the phone code gets: colour, masked holder, latest
  negative test, itinerary star. An unknown number answers ``valid: false,
  reason: unknown_person`` and nothing more. Every check is logged as a scan and
  counts toward the staff-burst alert (the route's ``scan`` limit group).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from chalicelib.codes.rules import Post, scan_place
from chalicelib.codes.service import ScanLog, Signer, Verification, counted, log_scan
from chalicelib.codes.token import KIND_PRINTED, CodeClaims, build
from chalicelib.colours.model import Colour
from chalicelib.colours.ports import Colours
from chalicelib.kernel import retention
from chalicelib.kernel.audit import Audit, AuditEvent
from chalicelib.kernel.divisions import DivisionIndex
from chalicelib.kernel.events import PersonMoved, Publish, nobody
from chalicelib.kernel.person import Person
from chalicelib.kernel.pii import keyed_hash
from chalicelib.kernel.session import SessionClaims
from chalicelib.kernel.times import local_day, local_time
from chalicelib.labs.rules import badge_of
from chalicelib.people.policy import Act
from chalicelib.people.ports import People, PersonFor
from chalicelib.people.rules import PRINTED_DEFAULT_DAYS, PrintedCode, printed_expiry

SCAN_RETENTION = retention.keep("scans")


class PrintedCodes(Protocol):
    def issue(self, code: PrintedCode) -> str | None: ...

    def current(self, person_id: str) -> str | None: ...

    def get(self, printed_id: str) -> PrintedCode | None: ...

    def revoke(self, person_id: str) -> None: ...


@dataclass(frozen=True)
class CardText:
    """What the printable card says besides the QR."""

    name_masked: str
    id_masked: str
    issued: str  # 2026-11-20, Asia/Shanghai
    expires: str
    region: str  # 610100 西安市


@dataclass(frozen=True)
class PrintedCard:
    person: Person
    code: PrintedCode
    token: str
    claims: CodeClaims
    revoked_previous: bool
    pdf: bytes


@dataclass
class GateService:
    people: People
    person_for: PersonFor  # PeopleService.person_for
    printed: PrintedCodes
    colours: Colours
    scans: ScanLog
    audit: Audit
    signer: Callable[[], Signer]
    hash_key: bytes
    parse_id_number: Callable[..., str]
    divisions: Callable[[], DivisionIndex]
    region: str
    clock: Callable[[], datetime]
    publish: Publish = nobody  # Scanned: a scan in a risk area recolours (risk)
    # Draws the printable card (chalicelib/codes/card.py): (token, card text) → PDF.
    render_card: Callable[[str, CardText], bytes] = lambda token, card: b""
    # The venues a checkpoint account is posted at (as CodeService.posts).
    posts: Callable[[str], Sequence[Post]] = lambda user_id: ()

    def person_moved(self, event: PersonMoved) -> None:
        """The person moved to another account: a card its former holder printed stops
        verifying."""
        self.printed.revoke(event.person_id)

    # -- printed codes --------------------------------------------------------------

    def issue_printed(
        self, caller: SessionClaims, person_id: str, *, days: int | None = None
    ) -> PrintedCard:
        """The holder (for self or a dependant) or an official (for anyone) prints a code,
        as the one authority allows; the previous one stops verifying."""
        person = self.person_for(caller.subject, person_id, Act.PRINT, caller.role)
        now = self.clock().replace(microsecond=0)
        lifetime = int(days or PRINTED_DEFAULT_DAYS)  # JSON may send 17.0: still an integer
        code = PrintedCode(
            printed_id=secrets.token_hex(8),
            person_id=person.person_id,
            issued_by=caller.subject,
            issued_at=now,
            expires_at=printed_expiry(now, lifetime),
        )
        claims = CodeClaims(
            holder=code.printed_id,
            colour=Colour.PENDING,
            issued_at=now,
            lifetime_minutes=lifetime * 24 * 60,
            region=self.region,
            kind=KIND_PRINTED,
        )
        signer = self.signer()
        token = build(claims, kid=signer.kid, sign=signer.sign)
        previous = self.printed.issue(code)
        self.audit.append(
            AuditEvent(
                subject_id=person.person_id,
                actor=caller.subject,
                actor_role=caller.role.value,
                action="printed_code_issued",
                at=now,
                reason=f"{lifetime}d",
                after={"printed": code.printed_id, "revoked": previous},
            )
        )
        division = self.divisions().get(self.region)
        card = CardText(
            name_masked=person.name_masked,
            id_masked=person.id_masked,
            issued=local_time(now).date().isoformat(),
            expires=local_time(code.expires_at).date().isoformat(),
            region=f"{self.region} {division.name if division else ''}".strip(),
        )
        return PrintedCard(
            person=person,
            code=code,
            token=token,
            claims=claims,
            revoked_previous=previous is not None,
            pdf=self.render_card(token, card),
        )

    def verify_printed(
        self, checkpoint: SessionClaims, claims: CodeClaims, place: Post | None
    ) -> Verification:
        """A printed token whose signature and times verified: the online colour of the
        person it names, unless a newer printed code replaced it. ``place`` is the venue
        CodeService.verify already found for the checkpoint (its assignment)."""
        code = self.printed.get(claims.holder)
        if code is None:
            return Verification(valid=False, reason="unknown_holder", token_colour=claims.colour)
        if self.printed.current(code.person_id) != code.printed_id:
            return Verification(valid=False, reason="revoked", token_colour=claims.colour)
        answer = self._answer(
            checkpoint,
            code.person_id,
            place,
            token_colour=claims.colour,
            issued_at=claims.issued_at,
            expires_at=claims.expires_at,
        )
        return replace(answer, kind=KIND_PRINTED)

    # -- the ID card ---------------------------------------------------------------

    def verify_id(
        self, checkpoint: SessionClaims, id_number: str, venue_id: str | None = None
    ) -> Verification:
        now = self.clock()
        number = self.parse_id_number(id_number, today=local_day(now), field="id_number")
        place = scan_place(self.posts(checkpoint.subject), venue_id)
        held = self.people.ids_by_id_hash(keyed_hash(self.hash_key, "id", number))
        verification = (
            self._answer(checkpoint, held[0], place)
            if held
            else Verification(valid=False, reason="unknown_person")
        )
        counted(verification)  # as CodeService.verify counts a token's
        return verification

    # -- shared ----------------------------------------------------------------------

    def _answer(
        self,
        checkpoint: SessionClaims,
        person_id: str,
        place: Post | None,
        *,
        token_colour: Colour | None = None,
        issued_at: datetime | None = None,
        expires_at: datetime | None = None,
    ) -> Verification:
        stored = self.colours.get(person_id)
        if stored is None:  # filed, never coloured: nothing to show a checkpoint
            return Verification(valid=False, reason="unknown_person", token_colour=token_colour)
        now = self.clock()
        log_scan(self.scans, self.publish, checkpoint, person_id, place, stored, now)
        return Verification(
            valid=True,
            colour=stored.assessment.colour,
            token_colour=token_colour,
            stored=stored,
            issued_at=issued_at,
            expires_at=expires_at,
            region=self.region,
            starred=stored.itinerary_starred,
            latest_test=badge_of(stored.latest_test, now, negative_only=True),
            issuer="local",
        )
