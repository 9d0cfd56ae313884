"""Risk snapshots and the active pointer; who a risk change affects; the job lease.

Snapshots are immutable once stored (``attribute_not_exists``); the item
``@active`` names the active one and is switched with a condition on the id
it named before, so two refreshes can never both switch from the same state.
Every container keeps the pointer's answer in memory (:class:`ActivePointer`):
read at the morning peak by every pass and card, one item would otherwise
take 14 times what one partition serves (docs/capacity.md).
Finding the affected people reads only keys: the place-day index per city and
local day, the residence index per district, the scans per district and day.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.colours.model import RiskArea
from chalicelib.kernel.dynamo.common import HELD_FEEDS, decode_cursor, to_page
from chalicelib.kernel.dynamo.errors import conditional_failed, translate
from chalicelib.kernel.dynamo.runtime import RuntimeRecord
from chalicelib.kernel.dynamo.tables import TableMeta, index_meta, table
from chalicelib.kernel.dynamo.ttl import expired
from chalicelib.kernel.errors import Conflict, PayloadTooLarge
from chalicelib.kernel.paging import Page
from chalicelib.kernel.times import rfc3339
from chalicelib.risk.rules import HeldSnapshot, Snapshot, Unresolved


class RiskFeedHeldIndex(GlobalSecondaryIndex["RiskFeedRecord"]):
    """Sparse: only held snapshots carry ``queue``, oldest first (what an official confirms)."""

    Meta = index_meta("queue")
    queue = UnicodeAttribute(hash_key=True)
    stored_at = UTCDateTimeAttribute(range_key=True)


@table
class RiskFeedRecord(Model):
    """A stored risk-area snapshot; the item ``@active`` points at the active one."""

    class Meta(TableMeta):
        table_name = "risk_feeds"

    feed_id = UnicodeAttribute(hash_key=True)
    state = UnicodeAttribute()
    published_at = UTCDateTimeAttribute(null=True)
    stored_at = UTCDateTimeAttribute()
    areas = JSONAttribute(default=list)
    unresolved = JSONAttribute(default=list)
    source = UnicodeAttribute(null=True)
    active_feed_id = UnicodeAttribute(null=True)
    confirmed_by = UnicodeAttribute(null=True)
    queue = UnicodeAttribute(null=True)  # "held" while the snapshot waits for an official
    held_why = UnicodeAttribute(null=True)  # why it was held (riskfeed.HOLD_REASONS)
    by_queue = RiskFeedHeldIndex()


ACTIVE = "@active"
MAX_SNAPSHOT_BYTES = 380_000  # DynamoDB's item limit is 400 KB; keep room for the rest


def _areas_json(areas: Iterable[RiskArea]) -> list[dict[str, Any]]:
    return [
        {
            "region_code": a.region_code,
            "area": a.area,
            "level": a.level,
            "since": a.since.isoformat(),
        }
        for a in areas
    ]


def _snapshot(record: RiskFeedRecord) -> Snapshot:
    return Snapshot(
        feed_id=record.feed_id,
        published_at=record.published_at,
        areas=tuple(
            RiskArea(
                region_code=a["region_code"],
                level=a["level"],
                since=datetime.fromisoformat(a["since"]),
                area=a.get("area", ""),
            )
            for a in record.areas or ()
        ),
        unresolved=tuple(Unresolved(**u) for u in record.unresolved or ()),
        source=record.source or "yima",
    )


class ActivePointer:
    """The id of the active snapshot, as this container last read it from ``@active``.

    - Readers that only *show* risk (the itinerary card, the pass, a region's page, a
      scan's risk check) take :meth:`current`: an answer at most ``max_age_seconds`` old
      (``YIMA_RISK_CACHE_SECONDS``: 30 on deployed stages, 0 on the local ones, where
      every call reads the item), read eventually consistent.
    - A recolour, which *stores* a colour computed from it, takes ``current(fresh=True)``:
      a consistent read, once per batch of people inside :meth:`held`.
    - Invalidation by version: a switch made in this container (:meth:`switched`) and a
      recolour message naming a feed id the cache does not hold (:meth:`expect`) replace
      the cached id at once, whatever its age.

    The age is measured on the container's clock (a parameter, so tests move it); a clock
    that goes backwards counts as stale. ``reads`` counts the GetItems made, for tests.
    """

    def __init__(self, *, max_age_seconds: float, clock: Callable[[], datetime]) -> None:
        self.max_age = timedelta(seconds=max_age_seconds)
        self._clock = clock
        self._feed_id: str | None = None
        self._read_at: datetime | None = None
        self._holding = 0
        self._held: tuple[str | None] | None = None
        self.reads = 0

    def current(self, *, fresh: bool = False) -> str | None:
        if self._held is not None:
            return self._held[0]
        now = self._clock()
        read_at = self._read_at
        if fresh or read_at is None or not read_at <= now < read_at + self.max_age:
            self._read(now, consistent=fresh)
        if self._holding:
            self._held = (self._feed_id,)
        return self._feed_id

    def _read(self, now: datetime, *, consistent: bool) -> None:
        self.reads += 1
        with translate():
            try:
                pointer = RiskFeedRecord.get(
                    ACTIVE, consistent_read=consistent, attributes_to_get=["active_feed_id"]
                )
                feed_id = pointer.active_feed_id or None
            except DoesNotExist:
                feed_id = None
        self._feed_id, self._read_at = feed_id, now

    @contextmanager
    def held(self) -> Iterator[None]:
        """Within the block, the first answer (fresh or not) is every answer: a batch of
        recolours reads the pointer once and colours everyone from one snapshot."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
            if not self._holding:
                self._held = None

    def switched(self, feed_id: str) -> None:
        """This container has just pointed ``@active`` at ``feed_id``."""
        self._feed_id, self._read_at = feed_id, self._clock()
        if self._held is not None:
            self._held = (feed_id,)

    def expect(self, feed_id: str) -> None:
        """Someone says ``feed_id`` is (or was) active: a cache holding another id re-reads."""
        if feed_id != self._feed_id:
            self._read_at = None


class DynamoRiskFeeds:
    def __init__(self, *, pointer: ActivePointer | None = None) -> None:
        self._pointer = pointer

    def active(self) -> Snapshot | None:
        with translate():
            try:
                pointer = RiskFeedRecord.get(ACTIVE, consistent_read=True)
            except DoesNotExist:
                return None
        return self.get(pointer.active_feed_id) if pointer.active_feed_id else None

    def get(self, feed_id: str) -> Snapshot | None:
        with translate():
            try:
                return _snapshot(RiskFeedRecord.get(feed_id, consistent_read=True))
            except DoesNotExist:
                return None

    def state(self, feed_id: str) -> str | None:
        with translate():
            try:
                return str(RiskFeedRecord.get(feed_id, attributes_to_get=["state"]).state)
            except DoesNotExist:
                return None

    def store(
        self, snapshot: Snapshot, *, state: str, now: datetime, why: str | None = None
    ) -> bool:
        """Store a new snapshot (``why``: the reason it is held); False if this feed id is
        already stored."""
        areas = _areas_json(snapshot.areas)
        unresolved = [u.__dict__ for u in snapshot.unresolved]
        size = len(json.dumps([areas, unresolved], ensure_ascii=False).encode())
        if size > MAX_SNAPSHOT_BYTES:  # DynamoDB would refuse the item (a 500 otherwise)
            raise PayloadTooLarge(
                f"the snapshot takes {size} bytes stored, over the {MAX_SNAPSHOT_BYTES} one "
                "snapshot may take; shorten the area names or publish fewer rows",
                field="areas",
            )
        record = RiskFeedRecord(
            snapshot.feed_id,
            state=state,
            published_at=snapshot.published_at,
            stored_at=now,
            areas=areas,
            unresolved=unresolved,
            source=snapshot.source,
            queue="held" if state == "held" else None,
            held_why=why,
        )
        with translate():
            try:
                record.save(condition=RiskFeedRecord.feed_id.does_not_exist())
                return True
            except PutError as exc:
                if conditional_failed(exc):
                    return False
                raise

    def held(self, *, limit: int, cursor: str | None) -> Page[HeldSnapshot]:
        """The held snapshots, oldest first, from the sparse ``by_queue`` index."""
        with translate():
            result = RiskFeedRecord.by_queue.query(
                "held",
                scan_index_forward=True,
                limit=limit,
                last_evaluated_key=decode_cursor(cursor, HELD_FEEDS, ("queue", "held")),
            )
            return to_page(
                result,
                lambda r: HeldSnapshot(
                    snapshot=_snapshot(r),
                    stored_at=r.stored_at,
                    # written with ``queue``; a snapshot queued by hand without its
                    # reason (a backfill) is listed under the rule most holds come from
                    why=r.held_why or "lifts_too_much",
                ),
            )

    def set_state(self, feed_id: str, state: str, *, confirmed_by: str | None = None) -> None:
        actions: list[Action] = [RiskFeedRecord.state.set(state)]
        if state != "held":
            actions.append(RiskFeedRecord.queue.remove())
        if confirmed_by:
            actions.append(RiskFeedRecord.confirmed_by.set(confirmed_by))
        with translate():
            RiskFeedRecord(feed_id).update(actions=actions)

    def switch(self, new_id: str, *, expected: str | None, now: datetime) -> None:
        """Point ``@active`` at ``new_id`` if it still points at ``expected``."""
        condition = (
            (RiskFeedRecord.active_feed_id == expected)
            if expected
            else (RiskFeedRecord.feed_id.does_not_exist())
        )
        with translate():
            try:
                RiskFeedRecord(ACTIVE).update(
                    actions=[
                        RiskFeedRecord.active_feed_id.set(new_id),
                        RiskFeedRecord.state.set("pointer"),
                        RiskFeedRecord.stored_at.set(now),
                    ],
                    condition=condition,
                )
            except UpdateError as exc:
                if conditional_failed(exc):
                    raise Conflict(
                        "another refresh switched the active snapshot first", code="refresh_raced"
                    ) from None
                raise
        if self._pointer is not None:
            self._pointer.switched(new_id)


class DynamoPolicies:
    """Entry / return policy texts per division, in the runtime table (no expiry: public)."""

    def __init__(self, *, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    def get(self, code: str) -> dict[str, Any] | None:
        with translate():
            try:
                record = RuntimeRecord.get(f"policy:{code}")
            except DoesNotExist:
                return None
        if expired(record, self._clock()):
            return None
        return dict(json.loads(record.value or "{}")) or None

    def put(self, code: str, text: str, *, by: str, at: datetime) -> None:
        value = json.dumps({"text": text, "by": by, "at": rfc3339(at)}, ensure_ascii=False)
        with translate():
            RuntimeRecord(f"policy:{code}", value=value).save()


class RiskFacts:
    """What a colour reads of risk: the active snapshot's areas. Snapshots are immutable,
    so cached by id; the ``@active`` pointer to them is cached per container
    (:class:`ActivePointer`)."""

    def __init__(self, *, pointer: ActivePointer) -> None:
        self.pointer = pointer
        self._snapshots: dict[str, tuple[RiskArea, ...]] = {}

    def active_risk(self, *, fresh: bool = False) -> tuple[str | None, tuple[RiskArea, ...]]:
        """The active snapshot's id and areas: up to the pointer cache's age old, or read
        consistently when ``fresh`` (what a stored colour is computed from)."""
        feed_id = self.pointer.current(fresh=fresh)
        if not feed_id:
            return None, ()
        if feed_id not in self._snapshots:
            with translate():
                try:
                    snapshot = RiskFeedRecord.get(feed_id)
                except DoesNotExist:
                    return None, ()
            self._snapshots[feed_id] = tuple(
                RiskArea(
                    region_code=a["region_code"],
                    level=a["level"],
                    since=datetime.fromisoformat(a["since"]),
                    area=a.get("area", ""),
                )
                for a in snapshot.areas or ()
            )
        return feed_id, self._snapshots[feed_id]

    @contextmanager
    def one_snapshot(self) -> Iterator[None]:
        """A batch of recolours reads the pointer once (ActivePointer.held)."""
        with self.pointer.held():
            yield
