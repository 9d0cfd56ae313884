"""Showing and verifying health codes.

Showing a code is one GetItem (the stored colour carries the holder id and
masks) and one Ed25519 signature. Verifying one is a signature check, one
Query on the holder id, and one PutItem for the scan log. The checkpoint
sees the current colour, which may be newer than the token's, the masked
holder, and never the reasons, which are the citizen's.

A code of another region (a partner's, or the national code) verifies
against the trust list's keys instead (mutual recognition, way (c);
docs/federation.md): the checkpoint sees the issuing region and the token's
own colour, since we hold nothing else about that holder. A code we issued
by converting one of theirs (way (b)) is found by its holder id among the
conversions.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from chalicelib.codes.rules import Post, scan_place
from chalicelib.codes.token import (
    KIND_PRINTED,
    CodeClaims,
    TokenError,
    Verifier,
    build,
    issuer_kind,
    parse,
    verify,
)
from chalicelib.colours.model import Colour, StoredColour
from chalicelib.colours.ports import Colours
from chalicelib.colours.service import ColourService
from chalicelib.kernel import metrics, retention
from chalicelib.kernel.divisions import DivisionIndex
from chalicelib.kernel.errors import NotFound
from chalicelib.kernel.events import Publish, Scanned, nobody
from chalicelib.kernel.keys import PublicKey
from chalicelib.kernel.session import SessionClaims
from chalicelib.labs.rules import TestBadge, badge_of
from chalicelib.people.ports import PersonFor
from chalicelib.people.rules import self_person_id

SCAN_RETENTION = retention.keep("scans")  # the 14-day window plus a day

if TYPE_CHECKING:
    from chalicelib.federation.rules import Conversion


class Signer(Protocol):
    @property
    def kid(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...

    def published(self, now: datetime) -> tuple[PublicKey, ...]: ...


class ScanLog(Protocol):
    def add(
        self,
        *,
        person_id: str,
        scan_id: str,
        venue_id: str | None,
        region_code: str | None,
        scanned_by: str,
        colour: str,
        at: datetime,
        expires: datetime,
    ) -> None: ...


@dataclass(frozen=True)
class ShownCode:
    stored: StoredColour
    token: str
    claims: CodeClaims
    latest_test: TestBadge | None = None


@dataclass(frozen=True)
class Verification:
    valid: bool
    reason: str | None = None
    colour: Colour | None = None
    token_colour: Colour | None = None
    stored: StoredColour | None = None
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    region: str | None = None
    starred: bool | None = None  # the holder's itinerary card stars a city
    latest_test: TestBadge | None = None  # shown only when the newest result is negative
    issuer: str | None = None  # local | partner | national: who signed the code
    converted_from: str | None = None  # the region whose code this one was converted from
    kind: str | None = None  # printed: a printed code, checked against the online colour


def counted(verification: Verification) -> None:
    """One ``Verifications`` datapoint: ``valid`` or ``invalid`` (the reason stays in the
    answer; the metric's dimension is the outcome only)."""
    metrics.emit("Verifications", outcome="valid" if verification.valid else "invalid")


def log_scan(
    scans: ScanLog,
    publish: Publish,
    checkpoint: SessionClaims,
    person_id: str,
    place: Post | None,
    stored: StoredColour,
    now: datetime,
) -> None:
    """The scan's one write, and at a posted venue the ``Scanned`` event with its source
    (the checkpoint account, the venue): a scan at a venue in a risk district recolours
    the person (risk), audited as done by that checkpoint there."""
    scans.add(
        person_id=person_id,
        scan_id=secrets.token_hex(6),
        venue_id=place.venue_id if place else None,
        region_code=place.region_code if place else None,
        scanned_by=checkpoint.subject,
        colour=stored.assessment.colour.value,
        at=now,
        expires=now + SCAN_RETENTION,
    )
    if place is not None:
        publish(
            Scanned(
                person_id,
                place.region_code,
                actor=checkpoint.subject,
                actor_role=checkpoint.role.value,
                venue_id=place.venue_id,
            )
        )


@dataclass
class CodeService:
    colours: Colours
    recolour: ColourService
    signer: Callable[[], Signer]
    verifier: Verifier
    scans: ScanLog
    divisions: Callable[[], DivisionIndex]
    region: str
    lifetime_minutes: int
    clock: Callable[[], datetime]
    # Called after a scan at a venue with a known district: a scan inside a risk area is
    # a new fact about the person (high_risk_area_stay), so it may recolour them.
    publish: Publish = nobody  # Scanned: a scan in a risk area recolours (risk)
    # Mutual recognition: the trust list's keys of the other regions, and the codes we
    # issued by conversion (chalicelib/federation/service.py).
    trusted: Callable[[], tuple[PublicKey, ...]] = lambda: ()
    converted: Callable[[str], Conversion | None] = lambda holder_id: None
    # Dependants (chalicelib/people/service.py): the ONE ownership check for ``person``;
    # and printed codes (chalicelib/codes/gate.py), which verify against the online
    # colour of the person they name.
    person_for: PersonFor | None = None
    printed: Callable[[SessionClaims, CodeClaims, Post | None], Verification] | None = None
    # The venues a checkpoint account is posted at (venues' assignments: one Query on the
    # account). A scan's venue, and so its district, comes from here (codes/rules.py).
    posts: Callable[[str], Sequence[Post]] = lambda user_id: ()

    def show(self, citizen: SessionClaims, person: str | None = None) -> ShownCode:
        person_id = self_person_id(citizen.subject)
        stored = self.colours.get(person_id) if person is None else None
        if stored is None or stored.owner_user_id not in (None, citizen.subject):
            # A dependant, or an own person not at the derived id (moved by a dispute):
            # through the ownership check. The common case (self) stays one GetItem.
            if self.person_for is not None:
                person_id = self.person_for(citizen.subject, person).person_id
            elif person is not None and person != person_id:
                raise NotFound(
                    "no such person on this account", field="person", code="person_not_found"
                )
            stored = self.colours.get(person_id)
        if stored is None:
            raise NotFound("no code yet: declare first", code="no_code")
        now = self.clock()
        valid_until = stored.assessment.valid_until
        if valid_until is not None and valid_until <= now:
            # The scheduled expiry has not reached this person yet: never show a stale colour.
            self.recolour.recolour(
                person_id, actor="system", actor_role="system", reason="expired_on_read"
            )
            stored = self.colours.get(person_id) or stored
        signer = self.signer()
        claims = CodeClaims(
            holder=stored.holder_id or "",
            colour=stored.assessment.colour,
            issued_at=now.replace(microsecond=0),
            lifetime_minutes=self.lifetime_minutes,
            region=self.region,
        )
        token = build(claims, kid=signer.kid, sign=signer.sign)
        metrics.emit("CodesIssued", colour=claims.colour.value)
        return ShownCode(
            stored=stored,
            token=token,
            claims=claims,
            latest_test=badge_of(stored.latest_test, now),
        )

    def public_keys(self) -> tuple[PublicKey, ...]:
        return self.signer().published(self.clock())

    def place(self, checkpoint: SessionClaims, venue_id: str | None) -> Post | None:
        """Where the scan happens: the checkpoint's assigned venue (400 naming ``venue_id``
        for any other), checked before anything is read or stored."""
        return scan_place(self.posts(checkpoint.subject), venue_id)

    def verify(self, checkpoint: SessionClaims, token: str, venue_id: str | None) -> Verification:
        """A checkpoint's scan of a code (ours, a partner's, a printed one): counted in
        ``Verifications`` by outcome once it has one (a refused venue is an error, not an
        outcome)."""
        verification = self._verify(checkpoint, token, venue_id)
        counted(verification)
        return verification

    def _verify(self, checkpoint: SessionClaims, token: str, venue_id: str | None) -> Verification:
        place = self.place(checkpoint, venue_id)
        now = self.clock()
        try:
            issuer = issuer_kind(parse(token).claims.region, self.region)
            keys = self.public_keys() if issuer == "local" else self.trusted()
            verified = verify(token, keys, now=now, verifier=self.verifier)
        except TokenError as exc:
            return Verification(valid=False, reason=exc.reason)
        claims = verified.claims
        if claims.kind == KIND_PRINTED:  # never a live code: the online colour decides
            if self.printed is None:
                return Verification(valid=False, reason="unknown_holder")
            return self.printed(checkpoint, claims, place)
        if issuer != "local":
            return self._foreign(checkpoint, claims, place, now, issuer=issuer)
        stored = self.colours.by_holder(claims.holder)
        if stored is None:
            conversion = self.converted(claims.holder)
            if conversion is not None:
                return self._foreign(
                    checkpoint, claims, place, now, issuer=issuer, conversion=conversion
                )
            return Verification(valid=False, reason="unknown_holder", token_colour=claims.colour)
        log_scan(self.scans, self.publish, checkpoint, stored.person_id, place, stored, now)
        return Verification(
            valid=True,
            colour=stored.assessment.colour,
            token_colour=claims.colour,
            stored=stored,
            issued_at=claims.issued_at,
            expires_at=claims.expires_at,
            region=claims.region,
            starred=stored.itinerary_starred,
            latest_test=badge_of(stored.latest_test, now, negative_only=True),
            issuer=issuer,
        )

    def _foreign(
        self,
        checkpoint: SessionClaims,
        claims: CodeClaims,
        place: Post | None,
        now: datetime,
        *,
        issuer: str,
        conversion: Conversion | None = None,
    ) -> Verification:
        """A holder who is not a local person: a partner's or the national code, or one we
        converted. The scan is logged under the source region's pseudonym, without a
        district, so it feeds no local colour rule (there is no local person to colour)."""
        source_region = conversion.source_region if conversion else claims.region
        source_holder = conversion.source_holder if conversion else claims.holder
        self.scans.add(
            person_id=f"ext:{source_region}:{source_holder}",
            scan_id=secrets.token_hex(6),
            venue_id=place.venue_id if place else None,
            region_code=None,
            scanned_by=checkpoint.subject,
            colour=(conversion.colour if conversion else claims.colour).value,
            at=now,
            expires=now + SCAN_RETENTION,
        )
        return Verification(
            valid=True,
            colour=conversion.colour if conversion else claims.colour,
            token_colour=claims.colour,
            issued_at=claims.issued_at,
            expires_at=claims.expires_at,
            region=claims.region,
            issuer=issuer,
            converted_from=conversion.source_region if conversion else None,
        )
