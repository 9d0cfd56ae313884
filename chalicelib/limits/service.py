"""Checking abuse limits: count the request, refuse it past the limit, flag staff bursts.

Each check adds one to a counter per scope that has a limit (the subject,
the source address, and for staff groups the alert window), with one atomic
write each; past a limit the request is refused with ``RateLimited`` (429,
``Retry-After`` = the seconds left in the window). Subjects and addresses are
keyed hashes in the counter keys: the runtime table never holds an IP
address or an account id in the clear.

The limiter fails open: when the counter table is busy or down, the request
passes and a warning is logged. A health code that does not come up because
the abuse counter is throttled is the outage the limits exist to prevent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.kernel import metrics
from chalicelib.kernel.errors import RateLimited, UpstreamUnavailable
from chalicelib.kernel.limits import (
    STAFF_LOOKUP_BURST,
    LimitGroup,
    Rate,
    counter_key,
    window_end,
)
from chalicelib.kernel.pii import keyed_hash
from chalicelib.kernel.roles import Role

# Counters outlive their window a little, so a clock a few seconds off never reads a
# freshly expired counter as zero; DynamoDB's TTL then deletes them.
COUNTER_MARGIN = timedelta(minutes=2)
STAFF = frozenset({Role.CHECKPOINT, Role.REVIEWER, Role.OFFICIAL, Role.ADMIN})


class Counters(Protocol):
    def hit(self, key: str, *, expires: datetime) -> int:
        """Add one to the counter ``key`` (created at zero) and return the new value."""
        ...


class MemoryCounters:
    """Counters in this container's memory, for the hot paths' limits (``shared=False``):
    no write per request. Expired counters are dropped when the map grows."""

    MAX_KEYS = 50_000

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, datetime]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, *, expires: datetime) -> int:
        with self._lock:
            if len(self._counts) >= self.MAX_KEYS:
                now = self._clock()
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
                if len(self._counts) >= self.MAX_KEYS:  # all live: forget the oldest half
                    self._counts = dict(list(self._counts.items())[self.MAX_KEYS // 2 :])
            count = self._counts.get(key, (0, expires))[0] + 1
            self._counts[key] = (count, expires)
            return count


class Log(Protocol):
    def warning(self, msg: str, *args: object, **kwargs: object) -> None: ...


def _default_log() -> Log:
    from chalicelib.kernel.logs import get_logger

    logger: Log = get_logger()
    return logger


@dataclass
class RateLimiter:
    counters: Counters
    groups: Mapping[str, LimitGroup]
    hash_key: bytes
    clock: Callable[[], datetime]
    log: Callable[[], Log] = _default_log
    local: Counters | None = field(default=None)  # MemoryCounters by default

    def __post_init__(self) -> None:
        if self.local is None:
            self.local = MemoryCounters(self.clock)

    def check(
        self, group: str, *, subject: str | None, ip: str | None, role: Role | None = None
    ) -> None:
        """Count one request of ``group``; RateLimited if the subject or address is over."""
        limits = self.groups.get(group)
        if limits is None:
            raise KeyError(f"no limit group {group!r}")  # a typo in a route: fail loudly
        now = self.clock()
        refused: list[Rate] = []
        for scope, who in (("subject", subject), ("ip", ip)):
            rate = limits.rate(scope)
            if rate is None or not who:
                continue
            count = self._hit(group, scope, who, rate, now, shared=limits.shared)
            if count is not None and count > rate.count:
                refused.append(rate)
        if limits.alert is not None and subject and role in STAFF:
            count = self._hit(group, "alert", subject, limits.alert, now, shared=limits.shared)
            if count == limits.alert.count + 1:  # the first request past it: one line per window
                metrics.emit(
                    "StaffBurstAlerts"
                    if limits.alert_name == STAFF_LOOKUP_BURST
                    else "CheckpointBurstAlerts",
                    group=group,
                )
                self.log().warning(
                    limits.alert_name.replace("_", " "),
                    extra={
                        "alert": limits.alert_name,
                        "group": group,
                        "staff": subject,  # a staff account id, not a citizen's data
                        "role": role.value if role else None,
                        "count": count,
                        "window_seconds": limits.alert.seconds,
                        "threshold": limits.alert.count,
                    },
                )
        if refused:
            retry = max(rate.retry_after(now) for rate in refused)
            raise RateLimited(f"too many requests; try again in {retry} seconds", retry_after=retry)

    def _hit(
        self, group: str, scope: str, who: str, rate: Rate, now: datetime, *, shared: bool
    ) -> int | None:
        hashed = keyed_hash(self.hash_key, f"limit:{scope}", who)[:24]
        key = counter_key(group, scope, hashed, rate, now)
        counters = self.counters if shared or self.local is None else self.local
        try:
            return counters.hit(key, expires=window_end(rate, now) + COUNTER_MARGIN)
        except UpstreamUnavailable:
            self.log().warning(
                "rate limit counter unavailable; request let through",
                extra={"group": group, "scope": scope},
            )
            return None
