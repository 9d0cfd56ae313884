"""Carrier feeds in, itinerary cards out.

A carrier batch is validated whole (one bad row rejects it, naming the row
and field), claimed once by its ``batch_id`` (a resend changes nothing and
answers the first result), and written with batched, retried writes. Phones
are stored only as keyed hashes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.colours.model import Stay
from chalicelib.colours.ports import FactsSource
from chalicelib.itinerary.rules import Card, CardPolicy, build_card, parse_stays
from chalicelib.kernel import retention
from chalicelib.kernel.divisions import DivisionIndex
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.pii import keyed_hash
from chalicelib.kernel.session import SessionClaims

IDEMPOTENCY_TTL = retention.keep("idempotency")
PROCESSING_LEASE = timedelta(minutes=5)


class StayStore(Protocol):
    def write(self, rows: Any, *, batch_id: str, received_at: datetime) -> int: ...

    def for_phone(self, phone_hash: str) -> list[tuple[Stay, datetime]]: ...


class Idempotency(Protocol):
    def begin(
        self, key: str, *, fingerprint: str, now: datetime, ttl: timedelta, lease: timedelta
    ) -> dict[str, Any] | None: ...

    def complete(self, key: str, result: dict[str, Any]) -> None: ...

    def abandon(self, key: str) -> None: ...


@dataclass(frozen=True)
class ItineraryView:
    phone_masked: str
    card: Card
    updated_at: datetime | None
    policy: CardPolicy


@dataclass
class ItineraryService:
    stays: StayStore
    idempotency: Idempotency
    facts: FactsSource
    users: Callable[[str], Any]  # user id → User (for the verified phone)
    hash_key: bytes
    divisions: Callable[[], DivisionIndex]
    is_country: Callable[[str], bool]
    country_names: Callable[[str], tuple[str, str]]
    policy: CardPolicy
    clock: Callable[[], datetime]
    recolour: Any = None  # the recolour queue: new stays can change colours

    def ingest(self, carrier: SessionClaims, body: dict[str, Any]) -> dict[str, Any]:
        now = self.clock()
        rows = parse_stays(
            body["stays"],
            divisions=self.divisions(),
            is_country=self.is_country,
            now=now,
            policy=self.policy,
        )
        batch_id = body["batch_id"]
        key = f"carrier:{carrier.subject}:{batch_id}"
        fingerprint = hashlib.sha256(
            json.dumps(body["stays"], sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        earlier = self.idempotency.begin(
            key, fingerprint=fingerprint, now=now, ttl=IDEMPOTENCY_TTL, lease=PROCESSING_LEASE
        )
        if earlier is not None:
            return {**earlier, "duplicate": True}
        hashed = {r.phone: keyed_hash(self.hash_key, "phone", r.phone) for r in rows}
        try:
            written = self.stays.write(
                (
                    (
                        hashed[r.phone],
                        Stay(
                            kind=r.kind, place=r.place, entered_at=r.entered_at, left_at=r.left_at
                        ),
                    )
                    for r in rows
                ),
                batch_id=batch_id,
                received_at=now,
            )
            if self.recolour is not None:  # new stays can change these people's colours
                self.recolour.submit_phones(
                    sorted(set(hashed.values())), reason=f"carrier:{batch_id}"
                )
        except Exception:
            # Nothing is lost by retrying: every write is idempotent. Release the claim so
            # the carrier's retry is not told the batch is still in progress.
            self.idempotency.abandon(key)
            raise
        result = {
            "batch_id": batch_id,
            "accepted": len(rows),
            "items_written": written,
            "phones": len({r.phone for r in rows}),
            "duplicate": False,
        }
        self.idempotency.complete(key, result)
        return result

    def card(self, citizen: SessionClaims) -> ItineraryView:
        user = self.users(citizen.subject)
        if user is None or not user.phone_bound:
            raise Conflict(
                "bind a verified phone first: the card comes from the carrier's "
                "data for that number",
                code="phone_not_bound",
            )
        now = self.clock()
        stored = self.stays.for_phone(user.phone_hash)
        _feed, areas = self.facts.active_risk()
        card = build_card((s for s, _ in stored), as_of=now, policy=self.policy, risk_areas=areas)
        updated = max((received for _, received in stored), default=None)
        return ItineraryView(
            phone_masked=user.phone_masked, card=card, updated_at=updated, policy=self.policy
        )
