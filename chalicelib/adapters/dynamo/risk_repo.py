"""Risk snapshots and the active pointer; who a risk change affects; the job lease.

Snapshots are immutable once stored (``attribute_not_exists``); the item
``@active`` names the active one and is switched with a condition on the id
it named before, so two refreshes can never both switch from the same state.
Finding the affected people reads only keys: the place-day index per city and
local day, the residence index per district, the scans per district and day.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.adapters.dynamo.errors import conditional_failed, translate
from chalicelib.adapters.dynamo.models import (
    CheckinRecord,
    PersonRecord,
    PlaceDayRecord,
    RiskFeedRecord,
    RuntimeRecord,
    ScanRecord,
    UserRecord,
)
from chalicelib.adapters.dynamo.people_repo import DynamoPeople
from chalicelib.adapters.dynamo.ttl import expired, live
from chalicelib.domain.colour import RiskArea
from chalicelib.domain.errors import Conflict, PayloadTooLarge
from chalicelib.domain.riskfeed import Snapshot, Unresolved

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


class DynamoRiskFeeds:
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

    def store(self, snapshot: Snapshot, *, state: str, now: datetime) -> bool:
        """Store a new snapshot; False if this feed id is already stored."""
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
        )
        with translate():
            try:
                record.save(condition=RiskFeedRecord.feed_id.does_not_exist())
                return True
            except PutError as exc:
                if conditional_failed(exc):
                    return False
                raise

    def set_state(self, feed_id: str, state: str, *, confirmed_by: str | None = None) -> None:
        actions: list[Action] = [RiskFeedRecord.state.set(state)]
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


class DynamoAffected:
    """Who a change in a place touches, read from key indexes only.

    The residence and scan indexes project keys only, so they cannot drop an expired
    scan: such a hit only makes the recolour worker recompute a person whose own
    reads (which do drop expired items) then find nothing new.
    """

    def __init__(self, *, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    def phones_in(self, place: str, day: str) -> list[str]:
        with translate():
            return [
                r.phone_hash
                for r in PlaceDayRecord.query(
                    f"{place}#{day}", filter_condition=live(PlaceDayRecord, self._clock())
                )
            ]

    def users_with_phone(self, phone_hash: str) -> list[str]:
        with translate():
            return [r.user_id for r in UserRecord.by_phone.query(phone_hash)]

    def people_with_id(self, id_hash: str) -> list[str]:
        return DynamoPeople().ids_by_id_hash(id_hash)

    def residents(self, region_code: str) -> list[str]:
        with translate():
            return [r.person_id for r in PersonRecord.by_residence.query(region_code)]

    def scanned(self, region_code: str, day: str) -> list[str]:
        """Checkpoint scans and venue check-ins (场所码) in the district on the day."""
        key = f"{region_code}#{day}"
        with translate():
            return [r.person_id for r in ScanRecord.by_region_day.query(key)] + [
                r.person_id for r in CheckinRecord.by_region_day.query(key)
            ]


LEASE_KEPT = timedelta(days=1)  # a lease item outlives its lease by a day, then TTL deletes it


class DynamoLease:
    """A lease lock in the runtime table: one holder at a time, expiring by itself."""

    def acquire(self, name: str, *, owner: str, until: datetime, now: datetime) -> bool:
        record = RuntimeRecord(
            f"lease:{name}", owner=owner, lease_until=until, expires=until + LEASE_KEPT
        )
        with translate():
            try:
                record.save(
                    condition=RuntimeRecord.key.does_not_exist() | (RuntimeRecord.lease_until < now)
                )
                return True
            except PutError as exc:
                if conditional_failed(exc):
                    return False
                raise

    def release(self, name: str, *, owner: str) -> None:
        with translate():
            try:
                RuntimeRecord(f"lease:{name}").delete(condition=RuntimeRecord.owner == owner)
            except DeleteError as exc:
                if not conditional_failed(exc):
                    raise


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
        value = json.dumps({"text": text, "by": by, "at": at.isoformat()}, ensure_ascii=False)
        with translate():
            RuntimeRecord(f"policy:{code}", value=value).save()
