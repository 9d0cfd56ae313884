"""The composition root: each capability's ``wire()`` in order, and one table of the
reactions across capabilities (``event_handlers``).

Nothing is built at import time: the first request (or CLI command) calls
:func:`get_container`, which reads the environment once, binds the tables, loads the
keys and wires the capabilities. Tests install their own with :func:`set_container`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from chalicelib.container import Container
from chalicelib.kernel import events
from chalicelib.kernel.roles import Role
from chalicelib.kernel.settings import Settings
from chalicelib.kernel.wiring import build_kernel

_lock = threading.Lock()
_container: Container | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


def build(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> Container:
    """Wire the real adapters for ``settings``. The capabilities load here, on the first
    request, not when ``app`` is imported: a cold start pays for them once, when needed."""
    from chalicelib import datamodel
    from chalicelib.codes import wire as codes_wire
    from chalicelib.colours import wire as colours_wire
    from chalicelib.colours.facts import GatheredFacts
    from chalicelib.declarations import wire as declarations_wire
    from chalicelib.federation import wire as federation_wire
    from chalicelib.identity import wire as identity_wire
    from chalicelib.identity.store import DynamoIdentityStore
    from chalicelib.itinerary import wire as itinerary_wire
    from chalicelib.labs import wire as labs_wire
    from chalicelib.limits import wire as limits_wire
    from chalicelib.officials import wire as officials_wire
    from chalicelib.pages import wire as pages_wire
    from chalicelib.people import wire as people_wire
    from chalicelib.risk import wire as risk_wire
    from chalicelib.venues import wire as venues_wire

    bus = events.MessageBus()
    k = build_kernel(settings, clock=clock, publish=bus.publish)
    datamodel.bind(
        table_prefix=settings.table_prefix, region=settings.aws_region, host=settings.aws_endpoint
    )
    limiter = limits_wire.wire(k)
    people, officials = people_wire.store(k), officials_wire.stores(k)
    auth = identity_wire.wire(
        k, throttle=lambda who: limiter.check("login", subject=who, ip=None), audit=officials.audit
    )
    declarations_store, pointer = declarations_wire.store(k), risk_wire.active_pointer(k)
    facts = GatheredFacts(
        identity=auth.store, itinerary=itinerary_wire.stays(k),
        checkpoints=codes_wire.facts(k), venues=venues_wire.facts(k), labs=labs_wire.facts(k),
        federation=federation_wire.facts(k), risk=risk_wire.facts(k, pointer=pointer),
    )  # fmt: skip
    colours = colours_wire.wire(
        k, people=people, declarations=declarations_store, officials=officials, facts=facts,
        stars_a_city=itinerary_wire.stars_a_city(),
    )  # fmt: skip
    audit = officials.audit
    affected = risk_wire.affected(
        place_days=itinerary_wire.stays(k), phones=auth.store, people=people,
        scans=codes_wire.scans(k), checkins=venues_wire.checkins(k),
    )  # fmt: skip
    risk = risk_wire.wire(
        k, pointer=pointer, audit=audit, recolour_many=colours.recolour_many,
        active_risk=colours.facts.active_risk, affected=affected,
        recoloured_by_checkpoint=lambda who: limiter.check(
            "scan_recolour", subject=who, ip=None, role=Role.CHECKPOINT
        ),
    )  # fmt: skip
    itinerary = itinerary_wire.wire(
        k, facts=colours.facts, users=auth.store.get_user, recolour=risk.queue
    )
    status = officials_wire.wire_status(k, stores=officials, people=people, colours=colours)
    people_service = people_wire.wire(k, people=people, colours=colours.colours, audit=audit)
    disputes = identity_wire.wire_disputes(k, auth=auth, people=people, audit=audit)
    person_for, queue = people_service.person_for, (lambda: risk.queue)
    labs, test_sites = labs_wire.wire(
        k, idempotency=itinerary.idempotency, people=people, status=status, audit=audit,
        recolour=risk.queue, person_for=person_for,
    )  # fmt: skip
    idempotency = itinerary.idempotency
    federation = federation_wire.wire(
        k, people=people, audit=audit, idempotency=idempotency, queue=queue
    )
    venues, exposure, vaccinations = venues_wire.wire(
        k, colours=colours, people=people, person_for=person_for, idempotency=idempotency,
        queue=queue,
    )  # fmt: skip
    # Whether an account is a checkpoint's: identity's by_user index, read here (the
    # composition root) so that venues names only the narrow port it needs.
    assignments = venues_wire.wire_assignments(
        k, audit=audit, account_roles=DynamoIdentityStore().roles_of_user
    )
    codes, gate = codes_wire.wire(
        k, colours=colours, people=people, person_for=person_for, audit=audit,
        federation=federation, posts=assignments.of_user,
    )  # fmt: skip
    declarations, reviews = declarations_wire.wire(
        k, people=people, declarations=declarations_store, colours=colours, audit=audit,
        people_service=people_service, disputes=disputes,
    )  # fmt: skip
    appeals = officials_wire.wire_appeals(
        k, stores=officials, people=people, colours=colours, people_service=people_service,
        disputes=disputes, corrections=reviews,
    )  # fmt: skip
    services: dict[str, Any] = dict(
        auth=auth, colours=colours, declarations=declarations, reviews=reviews, status=status,
        appeals=appeals, audit=officials_wire.wire_audit(k, stores=officials), codes=codes,
        itinerary=itinerary, labs=labs, test_sites=test_sites, risk=risk,
        regions=risk_wire.wire_regions(k, facts=colours.facts, audit=audit),
        federation=federation, limiter=limiter, venues=venues, exposure=exposure,
        vaccinations=vaccinations, people=people_service, gate=gate, disputes=disputes,
        pages=pages_wire.wire(k), assignments=assignments,
    )  # fmt: skip
    bus.subscribe(event_handlers(services))
    return Container(settings=settings, clock=clock, aws=k.aws, bus=bus, **services)


def event_handlers(s: Mapping[str, Any]) -> dict[type[events.Event], Sequence[events.Handler]]:
    """Who reacts to what, in order (docs/architecture.md, "Reactions")."""
    return {
        events.CaseChanged: [lambda e: s["exposure"].case_changed(e.person_id, e.became_case)],
        events.Scanned: [s["risk"].scanned],
        events.IdentityVouched: [lambda e: s["disputes"].settle_vouched(e.user_id, e.id_hash)],
        events.PersonMoved: [
            s["people"].person_moved,
            s["declarations"].person_moved,
            s["gate"].person_moved,
        ],
        events.PhoneMoved: [s["risk"].phone_moved],
        events.DisputeDecided: [s["declarations"].dispute_decided, s["appeals"].dispute_decided],
    }


def get_container(env: Mapping[str, str] | None = None) -> Container:
    """The process-wide container, built once (thread-safe) on first call."""
    global _container
    if _container is None:
        with _lock:
            if _container is None:
                _container = build(Settings.from_mapping(os.environ if env is None else env))
    return _container


def set_container(container: Container | None) -> None:
    """Install a container (tests), or drop it so the next call rebuilds."""
    global _container
    _container = container
