"""Refreshing the risk areas, and recolouring exactly the people a change affects.

lock → plan (pure: parse, compare, diff) → apply (store, switch, queue) → report.

- The scheduled pull reads the feed object from S3 and refuses a snapshot
  older than the active one. An official's push of an older one (the
  national list is stamped only to the hour), or of one that lifts more than
  half of the active areas at once (an empty one included), is *held*:
  stored, changing nothing, until an official confirms it.
- The active pointer switches with a conditional write, so two overlapping
  refreshes cannot both switch; a lease lock keeps them from both working.
- The people affected are found through key indexes only: phones that
  stayed in a changed city on a day of the window (the place-day index),
  residents of a changed district, and venue scans there. They go to the
  recolour queue in chunks; the cost grows with them, never with the
  population.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from chalicelib.colours.model import RiskArea
from chalicelib.colours.rules import city_of
from chalicelib.kernel import metrics
from chalicelib.kernel.audit import Audit, AuditEvent
from chalicelib.kernel.divisions import DivisionIndex
from chalicelib.kernel.errors import Conflict, InvalidInput, NotFound
from chalicelib.kernel.events import PhoneMoved, Scanned
from chalicelib.kernel.paging import Page
from chalicelib.kernel.roles import Role
from chalicelib.kernel.session import SessionClaims
from chalicelib.kernel.times import days_after, local_day
from chalicelib.risk.rules import (
    COLOURING_LEVELS,
    HOLD_REASONS,
    HeldSnapshot,
    Snapshot,
    diff,
    hold_review,
    lifts_too_much,
    parse_feed,
)

LEASE = timedelta(minutes=9)  # shorter than the 10-minute schedule


class RiskFeeds(Protocol):
    def active(self) -> Snapshot | None: ...

    def get(self, feed_id: str) -> Snapshot | None: ...

    def state(self, feed_id: str) -> str | None: ...

    def store(
        self, snapshot: Snapshot, *, state: str, now: datetime, why: str | None = None
    ) -> bool: ...

    def set_state(self, feed_id: str, state: str, *, confirmed_by: str | None = None) -> None: ...

    def switch(self, new_id: str, *, expected: str | None, now: datetime) -> None: ...

    def held(self, *, limit: int, cursor: str | None) -> Page[HeldSnapshot]: ...


class Affected(Protocol):
    def phones_in(self, place: str, day: str) -> list[str]: ...

    def people_of_phone(self, phone_hash: str) -> list[str]: ...

    def own_people(self, user_ids: Iterable[str]) -> list[str]: ...

    def residents(self, region_code: str) -> list[str]: ...

    def people_with_id(self, id_hash: str) -> list[str]: ...

    def scanned(self, region_code: str, day: str) -> list[str]: ...


class Lease(Protocol):
    def acquire(self, name: str, *, owner: str, until: datetime, now: datetime) -> bool: ...

    def release(self, name: str, *, owner: str) -> None: ...


class RecolourQueue(Protocol):
    def submit(
        self,
        person_ids: list[str],
        *,
        reason: str,
        actor: str | None = None,
        actor_role: str | None = None,
        arrived_at: datetime | None = None,
    ) -> dict[str, int]:
        """Hand people to the recolour worker; returns counts (queued / recoloured / failed).
        ``actor``/``actor_role``: the source the recolour is audited with (a scan's).
        ``arrived_at``: when the feed that caused it arrived (its recolour lag's start)."""
        ...

    def submit_phones(self, phone_hashes: list[str], *, reason: str) -> dict[str, int]:
        """Hand phones to the worker, which finds their people (carrier batches)."""
        ...

    def submit_ids(self, id_hashes: list[str], *, reason: str) -> dict[str, int]:
        """Hand keyed ID hashes to the worker, which finds their people (lab batches)."""
        ...

    def submit_rescan(
        self, regions: list[str], *, day: str, reason: str, delay_seconds: int
    ) -> dict[str, int]:
        """Later, recolour whoever was scanned in these districts on ``day``."""
        ...


class FeedSource(Protocol):
    def read(self) -> Any:
        """The feed document, or None when the object is missing."""
        ...


@dataclass
class RiskService:
    feeds: RiskFeeds
    affected: Affected
    lease: Lease
    queue: RecolourQueue
    source: FeedSource
    audit: Audit
    divisions: Callable[[], DivisionIndex]
    window_days: int
    clock: Callable[[], datetime]
    recolour_many: Callable[..., dict[str, int]] = lambda ids, reason, **source: {}
    scan_cache_seconds: int = 0  # how stale a scan check's risk snapshot may be
    # A recolour message names the feed it follows: a worker whose cached @active pointer
    # holds another id reads it again before colouring anyone (ActivePointer.expect).
    expect_feed: Callable[[str], None] = lambda feed_id: None
    # The active snapshot as a checkpoint's scan sees it (the container's cached pointer).
    active_risk: Callable[[], tuple[str | None, tuple[RiskArea, ...]]] = lambda: (None, ())
    # Counts one scan-driven recolour of a checkpoint account toward its burst alert
    # (``checkpoint_recolour_burst``: the limits capability's ``scan_recolour`` group).
    recoloured_by_checkpoint: Callable[[str], None] = lambda checkpoint: None
    _colouring: dict[str | None, frozenset[str]] = field(default_factory=dict, repr=False)

    # -- reactions ---------------------------------------------------------------------

    def phone_moved(self, event: PhoneMoved) -> None:
        """A reissued number changed hands: its stays now colour the new holder's person
        and no longer the former holder's, so both are recomputed."""
        people = self.affected.own_people([event.from_user_id, event.to_user_id])
        if people:
            self.queue.submit(people, reason="phone_moved")

    def scanned(self, event: Scanned) -> None:
        """A scan or check-in in a district of a high or medium risk area now recolours
        the person (docs/colour-rules.md). The districts are worked out once per active
        snapshot; the refresh looks again at the scans of newly raised districts once
        every container's cached snapshot has expired (``scan_cache_seconds``)."""
        feed_id, areas = self.active_risk()
        if feed_id not in self._colouring:
            self._colouring.clear()
            self._colouring[feed_id] = frozenset(
                a.region_code for a in areas if a.level in COLOURING_LEVELS
            )
        if event.region_code in self._colouring[feed_id]:
            # The recolour is recorded with its source: who scanned, at which venue.
            self.queue.submit(
                [event.person_id],
                reason=f"scan:{event.region_code}:{event.venue_id}",
                actor=event.actor,
                actor_role=event.actor_role,
            )

    # -- the recolour worker ----------------------------------------------------------

    def process(self, message: dict[str, Any]) -> dict[str, int]:
        """One queue message: people by id, or phones / ID hashes whose people to find.

        Metrics: ``RecolourFailed`` (the people whose recolour failed: SQS redelivers the
        chunk), and for a feed's chunk the ``RecolourLagSeconds`` from the feed's arrival
        (``arrived_at``, carried in the message) to this chunk's last person; the
        largest over a feed's chunks is its lag to the last person recoloured."""
        counts = self._recolour(message)
        metrics.emit("RecolourFailed", counts.get("failed", 0))
        arrived = _arrival(message.get("arrived_at"))
        if arrived is not None:
            lag = (self.clock() - arrived).total_seconds()
            metrics.emit("RecolourLagSeconds", max(0.0, lag))
        return counts

    def _recolour(self, message: dict[str, Any]) -> dict[str, int]:
        reason = str(message.get("reason") or "queued")
        if reason.startswith("risk_feed:"):
            self.expect_feed(reason.removeprefix("risk_feed:").removesuffix(":rescan"))
        people = {str(p) for p in message.get("person_ids") or []}
        for phone in message.get("phone_hashes") or []:
            people.update(self.affected.people_of_phone(str(phone)))
        for id_hash in message.get("id_hashes") or []:
            people.update(self.affected.people_with_id(str(id_hash)))
        day = str(message.get("day") or "")
        for region in message.get("rescan_regions") or []:
            people.update(self.affected.scanned(str(region), day))
        actor, actor_role = message.get("actor"), message.get("actor_role")
        if not (actor and actor_role):
            return self.recolour_many(sorted(people), reason)
        counts = self.recolour_many(
            sorted(people), reason, actor=str(actor), actor_role=str(actor_role)
        )
        if actor_role == Role.CHECKPOINT.value:
            for _ in range(counts.get("changed", 0)):
                self.recoloured_by_checkpoint(str(actor))
        return counts

    # -- entry points ----------------------------------------------------------------

    def refresh_scheduled(self) -> dict[str, Any]:
        """The 10-minute pull from S3. Never raises for bad feed content: it reports."""
        started = time.perf_counter()
        owner = secrets.token_hex(6)
        now = self.clock()
        if not self.lease.acquire("refresh_risk_areas", owner=owner, until=now + LEASE, now=now):
            return {"state": "skipped", "reason": "another refresh holds the lease"}
        try:
            document = self.source.read()
            if document is None:
                return self._report({"state": "missing"}, started)
            try:
                snapshot = parse_feed(
                    document, divisions=self.divisions(), previous=self.feeds.active(), now=now
                )
            except InvalidInput as exc:
                return self._report(
                    {"state": "invalid", "field": exc.field, "error": exc.message}, started
                )
            return self._apply(
                snapshot,
                actor="system",
                role="system",
                scheduled=True,
                started=started,
                arrived=now,
            )
        finally:
            self.lease.release("refresh_risk_areas", owner=owner)

    def push(self, official: SessionClaims, document: Any) -> dict[str, Any]:
        """An official's snapshot: stored at once, held if suspicious, else applied."""
        started = time.perf_counter()
        arrived = self.clock()
        snapshot = parse_feed(
            document, divisions=self.divisions(), previous=self.feeds.active(), now=arrived
        )
        return self._apply(
            snapshot,
            actor=official.subject,
            role=official.role.value,
            scheduled=False,
            started=started,
            arrived=arrived,
        )

    def held(
        self, *, limit: int, cursor: str | None
    ) -> tuple[Page[HeldSnapshot], list[dict[str, Any]]]:
        """The held snapshots, oldest first, each with why it was held and what
        confirming it now would change (against the active snapshot, read fresh)."""
        page = self.feeds.held(limit=limit, cursor=cursor)
        active = self.feeds.active() if page.items else None
        return page, [hold_review(item, active) for item in page.items]

    def confirm(self, official: SessionClaims, feed_id: str, *, reason: str) -> dict[str, Any]:
        started = time.perf_counter()
        reason = reason.strip()
        if not reason:
            raise InvalidInput("say why this snapshot may go through", field="reason")
        state = self.feeds.state(feed_id)
        if state is None:
            raise NotFound("no such snapshot", code="feed_not_found")
        if state != "held":
            raise Conflict(f"this snapshot is {state}, not held", code="not_held")
        snapshot = self.feeds.get(feed_id)
        assert snapshot is not None
        self.feeds.set_state(feed_id, "active", confirmed_by=official.subject)
        return self._activate(
            snapshot,
            actor=official.subject,
            role=official.role.value,
            started=started,
            confirmed=True,
            reason=reason,
        )

    def expire_due(
        self, colours: Any, *, lookback: timedelta = timedelta(hours=72)
    ) -> dict[str, Any]:
        """Recolour the people whose ``valid_until`` has passed: a Query per hourly bucket
        of the due index over the lookback, never a scan. (A colour past its time that
        the job has not reached is also recomputed when it is shown.)"""
        started = time.perf_counter()
        owner = secrets.token_hex(6)
        now = self.clock()
        if not self.lease.acquire("expire_due", owner=owner, until=now + LEASE, now=now):
            return {"state": "skipped", "reason": "another run holds the lease"}
        try:
            hour = now.replace(minute=0, second=0, microsecond=0)
            buckets = [
                (hour - timedelta(hours=n)).strftime("%Y-%m-%dT%H")
                for n in range(int(lookback.total_seconds() // 3600) + 1)
            ]
            people = sorted({p for b in buckets for p in colours.due(b, until=now)})
            counts = self.queue.submit(people, reason="expire_due") if people else {}
            return self._report(
                {
                    "state": "done",
                    "buckets": len(buckets),
                    "due": len(people),
                    "people_recoloured": counts.get("recoloured", 0),
                    "people_queued": counts.get("queued", 0),
                    "failed": counts.get("failed", 0),
                },
                started,
                job="expire_due",
            )
        finally:
            self.lease.release("expire_due", owner=owner)

    # -- plan and apply ------------------------------------------------------------------

    def _apply(
        self,
        snapshot: Snapshot,
        *,
        actor: str,
        role: str,
        scheduled: bool,
        started: float,
        arrived: datetime,
    ) -> dict[str, Any]:
        now = self.clock()
        active = self.feeds.active()
        if active is not None and snapshot.feed_id == active.feed_id:
            return self._report({"feed_id": snapshot.feed_id, "state": "unchanged"}, started)
        older = active is not None and snapshot.published_at < active.published_at
        if older and scheduled:
            return self._report(
                {
                    "feed_id": snapshot.feed_id,
                    "state": "refused_stale",
                    "active_feed_id": active.feed_id if active else None,
                },
                started,
            )
        why: str | None = None  # a key of HOLD_REASONS when the snapshot is held
        if older:
            why = "older_than_active"
        elif active is not None and lifts_too_much(active.areas, snapshot.areas):
            why = "lifts_too_much"
        held_or_active = "active" if why is None else "held"
        if not self.feeds.store(snapshot, state=held_or_active, now=now, why=why):
            stored = self.feeds.get(snapshot.feed_id)
            state = self.feeds.state(snapshot.feed_id)
            unfinished = (
                stored is not None
                and state == "active"
                and (stored.published_at, stored.areas) == (snapshot.published_at, snapshot.areas)
                and (active is None or stored.published_at > active.published_at)
            )
            if unfinished:
                # The same snapshot, stored by a run that stopped before switching the
                # pointer (a crash, a lost race): finish that run instead of refusing.
                return self._activate(
                    snapshot,
                    actor=actor,
                    role=role,
                    started=started,
                    previous=active,
                    arrived=arrived,
                )
            raise Conflict(
                f"snapshot {snapshot.feed_id} is already stored ({state})",
                field="feed_id",
                code="feed_id_reused",
            )
        if why is not None:
            self.audit.append(
                AuditEvent(
                    subject_id=f"feed:{snapshot.feed_id}",
                    actor=actor,
                    actor_role=role,
                    action="risk_feed_held",
                    at=now,
                    reason=HOLD_REASONS[why],
                    after={"feed_id": snapshot.feed_id, "areas": len(snapshot.areas)},
                )
            )
            return self._report(
                {
                    "feed_id": snapshot.feed_id,
                    "state": "held",
                    "raised": 0,
                    "lowered": 0,
                    "lifted": 0,
                    "unresolved": len(snapshot.unresolved),
                    "people_recoloured": 0,
                    "people_queued": 0,
                    "failed": 0,
                },
                started,
            )
        return self._activate(
            snapshot, actor=actor, role=role, started=started, previous=active, arrived=arrived
        )

    def _activate(
        self,
        snapshot: Snapshot,
        *,
        actor: str,
        role: str,
        started: float,
        previous: Snapshot | None = None,
        confirmed: bool = False,
        reason: str | None = None,
        arrived: datetime | None = None,
    ) -> dict[str, Any]:
        """Switch to the snapshot and queue the people it affects. ``arrived``: when the
        feed came in (the pull's or the push's start; a held one's confirmation), the start
        of its ``RecolourLagSeconds``."""
        now = self.clock()
        if confirmed:
            previous = self.feeds.active()
        self.feeds.switch(
            snapshot.feed_id, expected=previous.feed_id if previous else None, now=now
        )
        change = diff(previous.areas if previous else (), snapshot.areas)
        people = self.affected_people(change.changed_regions, now)
        counts = self.queue.submit(
            sorted(people), reason=f"risk_feed:{snapshot.feed_id}", arrived_at=arrived or now
        )
        raised = sorted({a.region_code for a in change.raised})
        if raised and self.scan_cache_seconds:
            # Scans made while a checkpoint's container still holds the older snapshot
            # (at most scan_cache_seconds) are looked at again once every cache is fresh.
            self.queue.submit_rescan(
                raised,
                day=local_day(now).isoformat(),
                reason=f"risk_feed:{snapshot.feed_id}:rescan",
                delay_seconds=self.scan_cache_seconds + 10,
            )
        self.audit.append(
            AuditEvent(
                subject_id=f"feed:{snapshot.feed_id}",
                actor=actor,
                actor_role=role,
                action="risk_feed_activated",
                at=now,
                reason=(reason or "confirmed") if confirmed else None,
                before={"feed_id": previous.feed_id if previous else None},
                after={
                    "feed_id": snapshot.feed_id,
                    "raised": len(change.raised),
                    "lowered": len(change.lowered),
                    "lifted": len(change.lifted),
                    "people": len(people),
                },
            )
        )
        return self._report(
            {
                "feed_id": snapshot.feed_id,
                "state": "active",
                "raised": len(change.raised),
                "lowered": len(change.lowered),
                "lifted": len(change.lifted),
                "unresolved": len(snapshot.unresolved),
                "people_recoloured": counts.get("recoloured", 0),
                "people_queued": counts.get("queued", 0),
                "failed": counts.get("failed", 0),
            },
            started,
        )

    def affected_people(self, regions: Iterable[str], now: datetime) -> set[str]:
        """Everyone a change in these districts can recolour, from key indexes only."""
        days = [local_day(days_after(now, -n)).isoformat() for n in range(self.window_days + 1)]
        people: set[str] = set()
        regions = sorted(set(regions))
        for city in sorted({city_of(r) for r in regions}):
            phones = {p for day in days for p in self.affected.phones_in(city, day)}
            for phone in phones:
                people.update(self.affected.people_of_phone(phone))
        for region in regions:
            people.update(self.affected.residents(region))
            for day in days:
                people.update(self.affected.scanned(region, day))
        return people

    @staticmethod
    def _report(
        report: dict[str, Any], started: float, *, job: str = "refresh_risk_areas"
    ) -> dict[str, Any]:
        from chalicelib.kernel.logs import get_logger

        report["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
        # the report as a JSON object inside the line, not a string holding JSON: an operator
        # (or CloudWatch Logs Insights) reads report.state, report.failed directly
        get_logger().info(job, extra={"report": dict(report)})
        return report


def _arrival(value: Any) -> datetime | None:
    """A message's ``arrived_at`` (RFC 3339), or None: absent (not a feed's chunk) or
    unreadable (a lag not measured never fails a recolour)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
