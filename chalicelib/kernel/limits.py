"""Abuse limits: how many requests of a kind a subject or an address may make in a window.

A limit is a fixed-window counter: ``count`` requests per ``seconds``, the
window being ``[k * seconds, (k + 1) * seconds)`` in Unix time. One counter
item per (group, scope, who, window), so a busy subject never shares an item
with anybody else and an old window is never written again (no hot key that
lives on, nothing to reset: the next window is a new item).

The groups are the routes an abuser would hammer:

- ``login``: the three logins. Per subject (the dev subject, the WeChat or
  Alipay identity) and per source address.
- ``declare``: declarations. A family declares for itself and up to five
  dependants, a few times a day at most.
- ``code``: the code and its images (and the one-screen pass). Mini-programs
  refresh the code every few seconds while it is on screen, and elders tap
  it again and again: the limit is there to stop a runaway loop, not people.
- ``scan``: a checkpoint's verifications. A busy station gate scans a person
  every two or three seconds.
- ``staff_read``: back-office routes that read people (the review and appeal
  queues, the audit trail, a status request by ID number).
- ``scan_recolour``: not a route but the recolours a checkpoint account's scans cause
  (a scan at its assigned venue in a district with a risk area). It has only an alert
  rate, counted in DynamoDB (the recolour worker runs in whichever container takes the
  queue message): past it, ``alert: checkpoint_recolour_burst`` (issue 29).

Per-address limits are generous: mobile carriers put thousands of phones
behind one address (carrier-grade NAT), and a whole station's scanners can
share one. They stop one host from enumerating, not a crowd from passing.

Where the counters live: ``login``, ``declare`` and ``staff_read`` count in
DynamoDB, shared by every container, because those requests are rare and
dear (a WeChat round trip, a write, a staff look at a person). ``code`` and
``scan`` are the morning peak's two hot paths: a shared counter would cost an
UpdateItem (a write unit) to guard a GetItem (half a read unit), doubling the
peak's writes and the route's latency. They count in the memory of each
container instead (``shared=False``): a runaway client loop lands on the warm
containers that served it and is stopped there, and API Gateway's stage
throttling (``infra/``) caps the total. Every scan is in the ``scans`` table
with the checkpoint that made it, for a later look at a burst.

The staff groups also carry an *alert* rate: a staff account that goes past
it in its window is logged at WARNING with ``alert: staff_lookup_burst`` (the
2022 Henan red codes were set by staff looking up people they had no
epidemic reason to look up). The alert blocks nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

_RATE_RE = re.compile(r"^\s*(\d{1,9})\s*/\s*(\d{1,7})\s*$")
GROUPS = ("login", "declare", "code", "scan", "staff_read", "scan_recolour")
SCOPES = ("subject", "ip", "alert")
STAFF_LOOKUP_BURST = "staff_lookup_burst"
CHECKPOINT_RECOLOUR_BURST = "checkpoint_recolour_burst"


@dataclass(frozen=True)
class Rate:
    """``count`` requests per ``seconds``."""

    count: int
    seconds: int

    def window(self, now: datetime) -> tuple[int, int]:
        """The fixed window ``now`` falls in, as Unix seconds ``[start, end)``."""
        epoch = int(now.timestamp())
        start = epoch - epoch % self.seconds
        return start, start + self.seconds

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the window ends (at least 1): the Retry-After header."""
        _start, end = self.window(now)
        return max(1, end - int(now.timestamp()))

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds}"


@dataclass(frozen=True)
class LimitGroup:
    """The limits of one group of routes; None switches a scope off."""

    subject: Rate | None = None
    ip: Rate | None = None
    alert: Rate | None = None  # staff groups: log a burst, block nothing
    shared: bool = True  # False: counted in each container's memory (the hot paths)
    alert_name: str = STAFF_LOOKUP_BURST  # the ``alert`` field of the WARNING line

    def rate(self, scope: str) -> Rate | None:
        return {"subject": self.subject, "ip": self.ip, "alert": self.alert}[scope]


DEFAULT_LIMITS: Mapping[str, LimitGroup] = {
    "login": LimitGroup(subject=Rate(10, 60), ip=Rate(60, 60)),
    "declare": LimitGroup(subject=Rate(20, 3600), ip=Rate(300, 3600)),
    "code": LimitGroup(subject=Rate(60, 60), ip=Rate(1200, 60), shared=False),
    "scan": LimitGroup(
        subject=Rate(120, 60), ip=Rate(600, 60), alert=Rate(1500, 3600), shared=False
    ),
    "staff_read": LimitGroup(subject=Rate(60, 60), ip=Rate(300, 60), alert=Rate(200, 3600)),
    # More than 20 people turned red or yellow by one checkpoint account's scans in an
    # hour: a gate in a genuinely high-risk district may see a few an hour; twenty is a
    # checkpoint (or a stolen session) colouring people on purpose.
    "scan_recolour": LimitGroup(alert=Rate(20, 3600), alert_name=CHECKPOINT_RECOLOUR_BURST),
}


def parse_rate(text: str) -> Rate | None:
    """``"10/60"`` → 10 per minute; ``"off"`` or ``"0"`` → no limit. ValueError otherwise."""
    cleaned = text.strip().lower()
    if cleaned in ("off", "0", "none"):
        return None
    match = _RATE_RE.match(cleaned)
    if not match:
        raise ValueError(f"{text!r} is not COUNT/SECONDS (e.g. 10/60) or off")
    count, seconds = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= seconds <= 86400:
        raise ValueError(f"{text!r}: COUNT must be at least 1 and SECONDS 1 to 86400")
    return Rate(count, seconds)


def counter_key(group: str, scope: str, who: str, rate: Rate, now: datetime) -> str:
    """The counter item's key: one per group, scope, subject or address, and window."""
    start, _end = rate.window(now)
    return f"rl:{group}:{scope}:{who}:{rate.seconds}:{start}"


def window_end(rate: Rate, now: datetime) -> datetime:
    return datetime.fromtimestamp(rate.window(now)[1], tz=UTC)
