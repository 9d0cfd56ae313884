"""Builds the abuse limits: counters in the runtime table, groups from the settings."""

from __future__ import annotations

from chalicelib.kernel.wiring import Kernel
from chalicelib.limits.service import RateLimiter


def wire(kernel: Kernel) -> RateLimiter:
    from chalicelib.limits.store import DynamoCounters

    return RateLimiter(
        counters=DynamoCounters(),
        groups=kernel.settings.limits,
        hash_key=kernel.hash_key,
        clock=kernel.clock,
    )
