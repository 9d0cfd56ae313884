"""Builds mutual recognition across regions (互通互认): trust lists, partner statuses and
conversions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.federation.service import FederationService
from chalicelib.kernel.wiring import Kernel

if TYPE_CHECKING:
    from chalicelib.kernel.audit import Audit
    from chalicelib.people.ports import People


def wire(
    kernel: Kernel,
    *,
    people: People,
    audit: Audit,
    idempotency: Any,
    queue: Callable[[], Any],
) -> FederationService:
    from chalicelib.federation.store import (
        DynamoConversions,
        DynamoPartnerStatuses,
        DynamoTrustLists,
    )
    from chalicelib.kernel.signing import ed25519_verify

    settings = kernel.settings
    return FederationService(
        trust_lists=DynamoTrustLists(),
        statuses=DynamoPartnerStatuses(),
        conversions=DynamoConversions(),
        people=people,
        idempotency=idempotency,
        audit=audit,
        signer=kernel.signer,
        verifier=ed25519_verify,
        root_keys=settings.national_root_keys,
        federation_key=kernel.secrets.federation_key,
        region=settings.region_code,
        lifetime_minutes=settings.code_lifetime_minutes,
        clock=kernel.clock,
        queue=queue,
    )


def facts(kernel: Kernel) -> Any:
    """What a colour reads of partner regions' attestations (colours/facts.py)."""
    from chalicelib.federation.store import PartnerFacts

    return PartnerFacts(clock=kernel.clock)
