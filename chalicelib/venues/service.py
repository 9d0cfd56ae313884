"""Venue codes (场所码) and check-ins, co-location exposure (时空伴随), vaccinations.

- ``VenueService``: an official registers a venue; its poster prints a signed
  venue token (``chalicelib/venues/token.py``); reissuing signs the next
  generation, and a check-in refuses every other. A citizen checks in, for
  themselves or a dependant, and gets what the staff must see: colour, masked
  name, the time, latest test, vaccination and any pending pop-up action.
- ``ExposureService``: when a recolour finds that a person became a confirmed
  case (``ColourService.on_case_change``), their check-ins of the last 14 days
  are read (one Query), each visit's ``venue × hour`` buckets around it (a few
  Queries each), and everyone within the policy's window gets an exposure
  record and is handed to the recolour queue. When the case is lifted, the
  exposures it caused are deleted (one index Query) and those people recoloured.
  The cost grows with the case's visits and their co-visitors, never with the
  population.
- ``VaccinationService``: a vaccinator's batch checked row by row, idempotent by
  ``record_id``, correctable only by the client that first sent a record; the
  people touched are recoloured (which stores their ``{doses, last_at}`` with the
  colour, so a scan reads nothing more).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.codes.token import TokenError, Verifier
from chalicelib.colours.model import (
    Reason,
    StoredColour,
    Vaccination,
    VaccinationSummary,
    VenueExposure,
)
from chalicelib.colours.ports import Colours
from chalicelib.colours.rules import pending_action
from chalicelib.colours.service import ColourService
from chalicelib.colours.table import Policy
from chalicelib.itinerary.service import IDEMPOTENCY_TTL, PROCESSING_LEASE, Idempotency
from chalicelib.kernel import retention
from chalicelib.kernel.divisions import DivisionIndex
from chalicelib.kernel.errors import Forbidden, InvalidInput, NotFound
from chalicelib.kernel.events import Publish, Scanned, nobody
from chalicelib.kernel.keys import PublicKey
from chalicelib.kernel.paging import Page
from chalicelib.kernel.person import Person
from chalicelib.kernel.pii import keyed_hash
from chalicelib.kernel.session import SessionClaims
from chalicelib.labs.rules import TestBadge, badge_of
from chalicelib.people.policy import Act
from chalicelib.people.ports import People, PersonFor
from chalicelib.people.rules import self_person_id
from chalicelib.venues.rules import (
    Checkin,
    Contact,
    StoredVaccination,
    VaccinationRow,
    Venue,
    contacts,
    parse_vaccinations,
    parse_venue,
)
from chalicelib.venues.token import VenueClaims, build, venue_id, verify

CHECKIN_RETENTION = retention.keep("checkins")
EXPOSURE_RETENTION = retention.keep("exposures")
IdNumberParser = Callable[..., str]


class VenueStore(Protocol):
    def add(self, venue: Venue) -> None: ...

    def get(self, venue_id: str) -> Venue | None: ...

    def rotate(self, venue: Venue, *, token: str, now: datetime) -> Venue: ...


class CheckinStore(Protocol):
    def add(self, checkin: Checkin, *, expires: datetime) -> None: ...

    def for_person(self, person_id: str, *, since: datetime, now: datetime) -> list[Checkin]: ...

    def in_bucket(self, venue_id: str, bucket: str, *, now: datetime) -> list[Checkin]: ...

    def listed(
        self, person_id: str, *, limit: int, cursor: str | None, now: datetime
    ) -> Page[Checkin]: ...


class ExposureStore(Protocol):
    def add(
        self, case_ref: str, contacts: Iterable[Contact], *, now: datetime, keep: timedelta
    ) -> int: ...

    def for_person(self, person_id: str, *, now: datetime) -> list[VenueExposure]: ...

    def lift(self, case_ref: str) -> list[str]: ...


class VaccinationStore(Protocol):
    def stored(self, record_ids: Sequence[str]) -> dict[str, StoredVaccination]: ...

    def write(
        self,
        rows: Iterable[tuple[str, VaccinationRow]],
        *,
        submitted_by: str,
        batch_id: str,
        now: datetime,
    ) -> int: ...

    def for_subject(self, id_hash: str) -> list[StoredVaccination]: ...


class Signer(Protocol):
    @property
    def kid(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...

    @property
    def keys(self) -> tuple[PublicKey, ...]: ...


class Queue(Protocol):
    def submit(self, person_ids: list[str], *, reason: str) -> dict[str, int]: ...

    def submit_ids(self, id_hashes: list[str], *, reason: str) -> dict[str, int]: ...


# --- venues and check-ins -----------------------------------------------------------------


@dataclass(frozen=True)
class CheckinAnswer:
    """What a check-in shows the staff at the door (and the citizen on their phone)."""

    checkin: Checkin
    venue: Venue
    stored: StoredColour
    latest_test: TestBadge | None
    action: Reason | None  # the reason whose pop-up is pending (its action, not shown why)


def _token_error(exc: TokenError) -> InvalidInput:
    messages = {
        "wrong_prefix": "not a venue code (it starts with YV1:)",
        "malformed": "the venue code cannot be read",
        "foreign_region": "a venue of another region: check in with that region's code",
        "unknown_key": "the venue code was not signed by us",
        "bad_signature": "the venue code's signature does not verify",
        "revoked_key": "the venue code's key is revoked",
        "revoked": "this poster was replaced: scan the venue's current poster",
        "unknown_venue": "no such venue",
    }
    return InvalidInput(
        messages.get(exc.reason, str(exc)), field="venue_token", code=f"venue_{exc.reason}"
    )


@dataclass
class VenueService:
    venues: VenueStore
    checkins: CheckinStore
    colours: Colours
    recolour: ColourService
    person_for: PersonFor
    signer: Callable[[], Signer]
    verifier: Verifier
    divisions: Callable[[], DivisionIndex]
    region: str
    clock: Callable[[], datetime]
    # A check-in is a venue scan of the colour rules (a risk area's district): it is
    # published as a checkpoint's scan is (Scanned), and the risk capability reacts.
    publish: Publish = nobody

    def _sign(self, venue_id_: str, region: str, generation: int, now: datetime) -> str:
        signer = self.signer()
        claims = VenueClaims(
            venue_id=venue_id_, region=region, generation=generation, issued_at=now
        )
        return build(claims, kid=signer.kid, sign=signer.sign)

    def register(self, official: SessionClaims, body: dict[str, Any]) -> Venue:
        details = parse_venue(body, divisions=self.divisions(), region=self.region)
        now = self.clock().replace(microsecond=0)
        new_id = venue_id(details.region_code, secrets.token_bytes(4))
        venue = Venue(
            venue_id=new_id,
            details=details,
            generation=1,
            token=self._sign(new_id, details.region_code, 1, now),
            created_by=official.subject,
            created_at=now,
        )
        self.venues.add(venue)
        return venue

    def get(self, venue_id_: str) -> Venue:
        venue = self.venues.get(venue_id_)
        if venue is None:
            raise NotFound("no such venue", code="venue_not_found")
        return venue

    def reissue(self, official: SessionClaims, venue_id_: str) -> Venue:
        """The next generation's token: the old poster stops working at once."""
        venue = self.get(venue_id_)
        now = self.clock().replace(microsecond=0)
        token = self._sign(venue.venue_id, venue.details.region_code, venue.generation + 1, now)
        return self.venues.rotate(venue, token=token, now=now)

    def _venue_of(self, token: object) -> Venue:
        try:
            # Every key still in the secret, not only the published ones: a poster outlives
            # a code key's rotation (docs/venues.md).
            claims = verify(token, self.signer().keys, region=self.region, verifier=self.verifier)
        except TokenError as exc:
            raise _token_error(exc) from None
        venue = self.venues.get(claims.venue_id)
        if venue is None:
            raise _token_error(TokenError("unknown_venue", "no such venue"))
        if claims.generation != venue.generation:
            raise _token_error(TokenError("revoked", "replaced poster"))
        return venue

    def _person(self, citizen: SessionClaims, person: str | None) -> str:
        """The caller's own person, or a dependant while the care link stands: the one
        ownership check (``PeopleService.person_for``); anything else is 404
        ``person_not_found`` naming ``person``, a stranger's id looking like no id."""
        return self.person_for(citizen.subject, person, Act.CHECK_IN).person_id

    def _current(self, person_id: str, now: datetime) -> StoredColour:
        stored = self.colours.get(person_id)
        if stored is None:
            raise NotFound("no code yet: declare first", field="person", code="no_code")
        valid_until = stored.assessment.valid_until
        if valid_until is not None and valid_until <= now:
            self.recolour.recolour(
                person_id, actor="system", actor_role="system", reason="expired_on_read"
            )
            stored = self.colours.get(person_id) or stored
        return stored

    def check_in(
        self, citizen: SessionClaims, venue_token: object, person: str | None
    ) -> CheckinAnswer:
        """Everything is checked before the one write: a refused check-in stores nothing."""
        venue = self._venue_of(venue_token)
        person_id = self._person(citizen, person)
        now = self.clock()
        stored = self._current(person_id, now)
        checkin = Checkin(
            checkin_id="c_" + secrets.token_hex(8),
            person_id=person_id,
            owner_user_id=citizen.subject,
            venue_id=venue.venue_id,
            venue_name=venue.details.name,
            region_code=venue.details.region_code,
            at=now,
            colour=stored.assessment.colour.value,
        )
        self.checkins.add(checkin, expires=now + CHECKIN_RETENTION)
        self.publish(
            Scanned(
                person_id,
                venue.details.region_code,
                actor=citizen.subject,
                actor_role=citizen.role.value,
                venue_id=venue.venue_id,
            )
        )
        return CheckinAnswer(
            checkin=checkin,
            venue=venue,
            stored=stored,
            latest_test=badge_of(stored.latest_test, now),
            action=pending_action(stored.assessment.reasons),
        )

    def mine(
        self, citizen: SessionClaims, *, person: str | None = None, limit: int, cursor: str | None
    ) -> Page[Checkin]:
        """The check-ins of the caller's own person, or of a dependant (``person``, as the
        one authority allows), whoever made them, newest first."""
        try:
            person_id = self.person_for(citizen.subject, person, Act.READ).person_id
        except NotFound as exc:
            if exc.code == "no_code":
                return Page(items=())
            raise
        return self.checkins.listed(person_id, limit=limit, cursor=cursor, now=self.clock())


# --- co-location exposure -------------------------------------------------------------------


@dataclass
class ExposureService:
    checkins: CheckinStore
    exposures: ExposureStore
    queue: Callable[[], Queue]
    policy: Policy
    clock: Callable[[], datetime]

    def case_changed(self, person_id: str, confirmed: bool) -> None:
        """ColourService's hook: a person became a confirmed case, or stopped being one."""
        if confirmed:
            self.confirm(person_id)
        else:
            self.lift(person_id)

    def confirm(self, case_person: str) -> list[Contact]:
        """Find the case's co-visitors, store their exposures, hand them to the queue."""
        now = self.clock()
        window = timedelta(hours=self.policy.venue_exposure_window_hours)
        visits = self.checkins.for_person(
            case_person, since=now - timedelta(days=self.policy.venue_exposure_days), now=now
        )
        found = contacts(
            case_person,
            visits,
            lambda venue, bucket: self.checkins.in_bucket(venue, bucket, now=now),
            window=window,
        )
        if found:
            self.exposures.add(case_person, found, now=now, keep=EXPOSURE_RETENTION)
            people = sorted({c.person_id for c in found})
            self.queue().submit(people, reason="venue_exposure")
        return found

    def lift(self, case_person: str) -> list[str]:
        """The case is cleared: the exposures it caused go, and those people are recoloured."""
        people = self.exposures.lift(case_person)
        if people:
            self.queue().submit(people, reason="venue_exposure_lifted")
        return people


# --- vaccinations ---------------------------------------------------------------------------


@dataclass
class VaccinationService:
    records: VaccinationStore
    idempotency: Idempotency
    people: People
    colours: Colours
    hash_key: bytes
    parse_id_number: IdNumberParser
    clock: Callable[[], datetime]
    queue: Callable[[], Queue]
    # The one authority (PeopleService.person_for): whose records the caller reads.
    person_for: PersonFor | None = None

    def ingest(self, client: SessionClaims, body: dict[str, Any]) -> dict[str, Any]:
        now = self.clock()
        rows = parse_vaccinations(body["records"], parse_id_number=self.parse_id_number, now=now)
        stored = self.records.stored([r.record_id for r in rows])
        plan: list[tuple[str, VaccinationRow]] = []
        touched: set[str] = set()
        for index, row in enumerate(rows):
            id_hash = keyed_hash(self.hash_key, "id", row.id_number)
            old = stored.get(row.record_id)
            if old is not None and old.submitted_by != client.subject:
                raise Forbidden(
                    "another vaccinator client sent this record; only it may correct it",
                    field=f"records[{index}].record_id",
                    code="record_owned_elsewhere",
                )
            if old is not None and old.same_as(id_hash, row):
                continue  # a resend: nothing changes
            plan.append((id_hash, row))
            touched.add(id_hash)
            if old is not None:
                touched.add(old.id_hash)  # a record moved to another person
        batch_id = body["batch_id"]
        key = f"vaccinator:{client.subject}:{batch_id}"
        fingerprint = hashlib.sha256(
            json.dumps(body["records"], sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        earlier = self.idempotency.begin(
            key, fingerprint=fingerprint, now=now, ttl=IDEMPOTENCY_TTL, lease=PROCESSING_LEASE
        )
        if earlier is not None:
            return {**earlier, "duplicate": True}
        try:
            self.records.write(plan, submitted_by=client.subject, batch_id=batch_id, now=now)
            if touched:
                self.queue().submit_ids(sorted(touched), reason=f"vaccination:{batch_id}")
        except Exception:
            self.idempotency.abandon(key)
            raise
        corrected = sum(1 for _, row in plan if row.record_id in stored)
        result = {
            "batch_id": batch_id,
            "accepted": len(rows),
            "new": len(plan) - corrected,
            "corrected": corrected,
            "unchanged": len(rows) - len(plan),
            "people_pending": len(touched),
            "duplicate": False,
        }
        self.idempotency.complete(key, result)
        return result

    def _own(self, citizen: SessionClaims) -> Person | None:
        """The caller's own person as the one authority finds it (the derived id alone
        would still name a person a dispute moved away)."""
        if self.person_for is None:
            person = self.people.get(self_person_id(citizen.subject))
            return (
                person if person is not None and person.owner_user_id == citizen.subject else None
            )
        try:
            return self.person_for(citizen.subject)
        except NotFound:
            return None

    def mine(self, citizen: SessionClaims) -> tuple[list[StoredVaccination], VaccinationSummary]:
        from chalicelib.colours.rules import summarise

        person = self._own(citizen)
        records = self.records.for_subject(person.id_hash) if person is not None else []
        summary = summarise(
            (
                Vaccination(dose_number=r.dose_number, administered_at=r.administered_at)
                for r in records
            ),
            self.clock(),
        )
        return records, summary
