"""Load shedding in front of every route: a token bucket and a cap on requests in flight."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from chalicelib.kernel.errors import (
    RateLimited,
    UpstreamUnavailable,
)


class Shedder:
    """Load shedding in front of every route, before any work is done.

    - A token bucket of ``rate`` requests a second (``burst`` at once): past it, 429
      ``throttled`` with ``Retry-After``. API Gateway's stage throttle does this on AWS
      (infra/); this is its stand-in for the local stack and the load test
      (``YIMA_THROTTLE_RATE``, ``YIMA_THROTTLE_BURST``; 0 is off).
    - At most ``max_in_flight`` requests at once in this process: past it, 503
      ``overloaded`` with ``Retry-After``, at once, instead of queueing behind the others
      (``YIMA_MAX_IN_FLIGHT``; 0 is off; a Lambda container runs one request at a time).

    A client told to retry later keeps showing the code it has: codes verify offline
    until they expire (docs/capacity.md, "When the backend is overloaded").
    """

    def __init__(
        self,
        *,
        rate: float,
        burst: int,
        max_in_flight: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate, self.burst, self.max_in_flight = rate, max(burst, 1), max_in_flight
        self._clock = clock
        self._tokens = float(self.burst)
        self._at = clock()
        self._in_flight = 0
        self._lock = threading.Lock()

    def admit(self) -> None:
        with self._lock:
            if self.rate > 0:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
                self._at = now
                if self._tokens < 1:
                    wait = max(1, int(-(-(1 - self._tokens) // self.rate)))
                    throttled = RateLimited(
                        "too many requests for the service right now; retry after the "
                        "Retry-After seconds and keep showing the code you have",
                        retry_after=wait,
                    )
                    throttled.code = "throttled"
                    raise throttled
                self._tokens -= 1
            if self.max_in_flight and self._in_flight >= self.max_in_flight:
                raise UpstreamUnavailable(
                    "the service is overloaded; retry after the Retry-After seconds and "
                    "keep showing the code you have",
                    code="overloaded",
                    retry_after=1,
                )
            self._in_flight += 1

    def done(self) -> None:
        with self._lock:
            self._in_flight -= 1
