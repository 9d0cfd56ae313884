"""Lab results in, a citizen's reports out, and the nearest test sites.

A lab batch is validated whole, claimed once by its ``batch_id`` (as carrier
batches are), then compared sample by sample with what is stored: a resent
result changes nothing, a different one for the same ``(lab, sample_id)`` is a
correction that replaces it and is audited. Only the lab client that first
sent a sample may correct it. Results are filed under the keyed hash of the
ID number, so they wait for people who have not declared yet.

A new positive opens a ``confirmed`` status request (category ``lab_result``)
in the officials' queue; the engine already shows ``positive_test`` (red), and
an official decides what follows. Everyone whose results changed is recoloured
through the queue.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from chalicelib.itinerary.service import IDEMPOTENCY_TTL, PROCESSING_LEASE, Idempotency
from chalicelib.kernel.audit import Audit, AuditEvent
from chalicelib.kernel.errors import Forbidden, InvalidInput, NotFound
from chalicelib.kernel.geo import distance_m, parse_coordinate
from chalicelib.kernel.person import Person
from chalicelib.kernel.pii import keyed_hash
from chalicelib.kernel.session import SessionClaims
from chalicelib.kernel.times import local_time, rfc3339
from chalicelib.labs.rules import (
    LabRow,
    ResultWrite,
    StoredResult,
    StoredSample,
    TestSite,
    badge,
    parse_results,
    result_expiry,
)
from chalicelib.officials.service import StatusService
from chalicelib.people.ports import People, PersonFor
from chalicelib.people.rules import self_person_id

IdNumberParser = Callable[..., str]
DEFAULT_RADIUS_KM = 10.0
MAX_RADIUS_KM = 50.0
DEFAULT_SITES = 10
MAX_SITES = 50


class ResultStore(Protocol):
    def samples(self, refs: Sequence[str], *, now: datetime) -> dict[str, StoredSample]: ...

    def write(self, rows: Sequence[ResultWrite], *, batch_id: str) -> int: ...

    def for_subject(self, id_hash: str, *, now: datetime) -> list[StoredResult]: ...


class SiteStore(Protocol):
    def load(self, sites: Sequence[TestSite]) -> dict[str, int]: ...

    def near(self, lat: float, lng: float, radius_m: float) -> list[TestSite]: ...


@dataclass(frozen=True)
class Report:
    """A result as its owner sees it."""

    result: StoredResult
    badge: str | None


@dataclass
class LabService:
    results: ResultStore
    idempotency: Idempotency
    people: People
    status: StatusService
    audit: Audit
    hash_key: bytes
    parse_id_number: IdNumberParser
    clock: Callable[[], datetime]
    recolour: Any = None  # the recolour queue
    # PeopleService.person_for: the one ownership check for ``?person=``.
    person_for: PersonFor | None = None

    def ingest(self, lab: SessionClaims, body: dict[str, Any]) -> dict[str, Any]:
        now = self.clock()
        rows = parse_results(body["results"], parse_id_number=self.parse_id_number, now=now)
        batch_id = body["batch_id"]
        key = f"lab:{lab.subject}:{batch_id}"
        fingerprint = hashlib.sha256(
            json.dumps(body["results"], sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        stored = self.results.samples([r.sample_ref for r in rows], now=now)
        plan = self._plan(lab, rows, stored, now)  # refuses before anything is claimed
        earlier = self.idempotency.begin(
            key, fingerprint=fingerprint, now=now, ttl=IDEMPOTENCY_TTL, lease=PROCESSING_LEASE
        )
        if earlier is not None:
            return {**earlier, "duplicate": True}
        try:
            writes = [self._open_mark(lab, w, stored.get(w.sample_ref), now) for w in plan]
            self.results.write(writes, batch_id=batch_id)
            self._audit_corrections(lab, writes, stored, batch_id, now)
            touched = sorted(
                {w.id_hash for w in writes}
                | {w.moved_from for w in writes if w.moved_from is not None}
            )
            if touched and self.recolour is not None:
                self.recolour.submit_ids(touched, reason=f"lab:{batch_id}")
        except Exception:
            self.idempotency.abandon(key)  # every write is idempotent: a resend is safe
            raise
        corrected = sum(1 for w in writes if w.sample_ref in stored)
        result = {
            "batch_id": batch_id,
            "accepted": len(rows),
            "new": len(writes) - corrected,
            "corrected": corrected,
            "unchanged": len(rows) - len(writes),
            "positives": sum(1 for w in writes if w.result == "positive"),
            "people_pending": len(touched),
            "duplicate": False,
        }
        self.idempotency.complete(key, result)
        return result

    def _plan(
        self,
        lab: SessionClaims,
        rows: list[LabRow],
        stored: dict[str, StoredSample],
        now: datetime,
    ) -> list[ResultWrite]:
        """The rows that change something; a sample another lab client sent is refused."""
        plan = []
        for index, row in enumerate(rows):
            id_hash = keyed_hash(self.hash_key, "id", row.id_number)
            old = stored.get(row.sample_ref)
            if old is not None and old.submitted_by != lab.subject:
                raise Forbidden(
                    "another lab client sent this sample; only it may correct the result",
                    field=f"results[{index}].sample_id",
                    code="sample_owned_elsewhere",
                )
            if old is not None and (old.id_hash, old.result, old.sampled_at) == (
                id_hash,
                row.result,
                row.sampled_at,
            ):
                continue  # a resend: nothing changes, nothing is audited
            plan.append(
                ResultWrite(
                    id_hash=id_hash,
                    lab=row.lab,
                    sample_id=row.sample_id,
                    result=row.result,
                    sampled_at=row.sampled_at,
                    reported_at=row.reported_at,
                    submitted_by=lab.subject,
                    expires=result_expiry(row.result, row.sampled_at),
                    mark_id=old.mark_id if old is not None else None,
                    moved_from=old.id_hash if old is not None else None,
                )
            )
        return plan

    def _open_mark(
        self, lab: SessionClaims, write: ResultWrite, old: StoredSample | None, now: datetime
    ) -> ResultWrite:
        """A new positive opens a request in the officials' queue; a positive corrected
        away withdraws it while it still waits (an official's decision stands)."""
        was_positive = old is not None and old.result == "positive"
        if write.result == "positive" and not was_positive:
            mark = self.status.file(
                lab,
                id_hash=write.id_hash,
                status="confirmed",
                category="lab_result",
                note=(
                    f"positive nucleic-acid result from {write.lab}, sample {write.sample_id}, "
                    f"sampled {local_time(write.sampled_at):%Y-%m-%d %H:%M} (Beijing time)"
                ),
                now=now,
                requested_by=f"lab:{lab.subject}",
                reason=f"lab_result: sample {write.sample_ref}",
            )
            return replace(write, mark_id=mark.mark_id)
        if was_positive and write.result != "positive" and write.mark_id:
            self.status.withdraw(
                lab,
                write.mark_id,
                reason=f"lab_result corrected: sample {write.sample_ref}",
                now=now,
            )
            return replace(write, mark_id=None)
        return write

    def _audit_corrections(
        self,
        lab: SessionClaims,
        writes: list[ResultWrite],
        stored: dict[str, StoredSample],
        batch_id: str,
        now: datetime,
    ) -> None:
        for write in writes:
            old = stored.get(write.sample_ref)
            if old is None:
                continue
            people = self.people.ids_by_id_hash(write.id_hash)
            self.audit.append(
                AuditEvent(
                    subject_id=people[0] if people else f"sample:{write.sample_ref}",
                    actor=lab.subject,
                    actor_role=lab.role.value,
                    action="test_result_corrected",
                    at=now,
                    reason=f"batch {batch_id}",
                    before={
                        "sample": write.sample_ref,
                        "result": old.result,
                        "sampled_at": rfc3339(old.sampled_at),
                        "same_person": old.id_hash == write.id_hash,
                    },
                    after={
                        "sample": write.sample_ref,
                        "result": write.result,
                        "sampled_at": rfc3339(write.sampled_at),
                    },
                )
            )

    def mine(self, citizen: SessionClaims, person_id: str | None = None) -> list[Report]:
        """The account holder's own results, or a dependant's (``person_id``, through the
        one ownership check), newest first (none before they declare: the ID number that
        links them is in the declaration)."""
        if person_id is not None or self.person_for is not None:
            try:
                person: Person | None = (
                    self.person_for(citizen.subject, person_id)
                    if self.person_for is not None
                    else None
                )
            except NotFound as exc:
                if exc.code == "no_code":
                    return []
                raise
            if person is None:
                raise NotFound(
                    "no such person on this account", field="person", code="person_not_found"
                )
        else:
            person = self.people.get(self_person_id(citizen.subject))
        if person is None:
            return []
        now = self.clock()
        return [
            Report(result=r, badge=badge(r.sampled_at, now))
            for r in self.results.for_subject(person.id_hash, now=now)
        ]


# --- test sites ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NearbySite:
    site: TestSite
    distance_m: int


@dataclass
class TestSiteService:
    __test__ = False

    sites: SiteStore

    def nearest(
        self,
        *,
        lat: object,
        lng: object,
        limit: int | None = None,
        radius_km: float | None = None,
    ) -> list[NearbySite]:
        """The nearest sites within ``radius_km``, closest first (ties by site id)."""
        lat_deg = parse_coordinate(lat, field="lat", limit=90)
        lng_deg = parse_coordinate(lng, field="lng", limit=180)
        limit = DEFAULT_SITES if limit is None else limit
        radius_km = DEFAULT_RADIUS_KM if radius_km is None else radius_km
        if not 1 <= limit <= MAX_SITES:
            raise InvalidInput(f"must be a whole number from 1 to {MAX_SITES}", field="limit")
        if not 0 < radius_km <= MAX_RADIUS_KM:
            raise InvalidInput(
                f"must be more than 0 and at most {MAX_RADIUS_KM:g}", field="radius_km"
            )
        radius_m = radius_km * 1000
        measured = {}
        for site in self.sites.near(lat_deg, lng_deg, radius_m):
            d = distance_m(lat_deg, lng_deg, site.lat, site.lng)
            if d <= radius_m:
                measured[site.site_id] = NearbySite(site=site, distance_m=round(d))
        ordered = sorted(measured.values(), key=lambda n: (n.distance_m, n.site.site_id))
        return ordered[:limit]

    def load(self, sites: Sequence[TestSite]) -> dict[str, int]:
        return self.sites.load(sites)
