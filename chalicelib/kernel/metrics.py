"""Metrics in CloudWatch's embedded metric format (EMF), through Powertools (docs/metrics.md).

What this decides:

- A metric is a JSON line on stdout, like the logs: CloudWatch Logs turns it into a
  metric, so emitting one costs no AWS call and no latency beyond the print. Powertools'
  ``AmazonCloudWatchEMFProvider`` builds and validates each line (namespace ``Yima``, or
  ``POWERTOOLS_METRICS_NAMESPACE`` when set; dimension ``service=yima`` on every metric).
- Every metric the app emits is declared in :data:`METRICS` with its unit and its
  dimensions; :func:`emit` refuses (logs, never raises) any other name or dimension. The
  alarms in ``infra/`` read these names, so they change only with docs/metrics.md.
- Dimensions are low-cardinality by construction: a route *template* (``GET /v1/code``,
  never the path as sent), a status class, a colour, an outcome, a channel. Never an id.
- Metrics are gathered per invocation and flushed at its end: :func:`scope` around a
  request (``kernel/api.py``'s middleware) and around each background handler
  (``app.py``). Chalice has no per-route ``lambda_handler`` for Powertools'
  ``log_metrics`` decorator to wrap, so the scope does its job. Outside a scope (the
  CLI, a script or a test calling a service) a metric is dropped: it would reach no
  CloudWatch, and would land in the middle of a command's JSON output.
- Metrics never break a request: a failure to build or write one is logged at WARNING
  and dropped. With ``POWERTOOLS_METRICS_DISABLED=true`` nothing is written (Powertools'
  own switch); tests and ``make run`` keep them on: pytest captures stdout, and the local
  console shows them among the log lines.
- Powertools' ``Metrics`` class keeps one metric set shared by every instance and every
  thread; ``make run`` serves requests on threads. Each thread here has its own provider
  instead (Powertools' ``EphemeralMetrics``), cleared before each line and filled from
  the points this invocation gathered in a context variable, so two requests never
  share a line.

Nothing here imports Powertools or reads the environment until the first flush
(importing the app stays free of both: tests/unit/test_import_hygiene.py).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

NAMESPACE = "Yima"
SERVICE = "yima"  # the logs' service name too (kernel/logs.py)

COUNT, MILLISECONDS, SECONDS = "Count", "Milliseconds", "Seconds"


@dataclass(frozen=True)
class Metric:
    """A metric's unit, the dimensions it takes (besides ``service``), and whether it is
    also written with ``service`` alone (``total``): an alarm on the whole service reads
    that series instead of summing every route's."""

    unit: str
    dimensions: tuple[str, ...] = ()
    total: bool = False


METRICS: Mapping[str, Metric] = {
    # every request, in the middleware (kernel/api.py)
    "Requests": Metric(COUNT, ("route", "status"), total=True),
    "ServerErrors": Metric(COUNT, ("route",), total=True),
    "Latency": Metric(MILLISECONDS, ("route",)),
    "RequestsShed": Metric(COUNT, ("reason",), total=True),
    # codes (codes/service.py, codes/gate.py, federation/service.py)
    "CodesIssued": Metric(COUNT, ("colour",), total=True),
    "Verifications": Metric(COUNT, ("outcome",)),
    # the recolour worker and its queue (risk/service.py, risk/queue.py)
    "RecolourLagSeconds": Metric(SECONDS),
    "RecolourFailed": Metric(COUNT),
    "RecolourChunksQueued": Metric(COUNT),
    # the abuse limits' alerts (limits/service.py)
    "StaffBurstAlerts": Metric(COUNT, ("group",), total=True),
    "CheckpointBurstAlerts": Metric(COUNT, ("group",), total=True),
    # notices (issue 32): notice_sent / notice_failed below
    "NoticesSent": Metric(COUNT, ("channel",), total=True),
    "NoticesFailed": Metric(COUNT, ("channel", "reason"), total=True),
}

# The values a notice's dimensions may take; anything else is written as "other".
NOTICE_CHANNELS = frozenset({"wechat", "alipay", "sms"})
NOTICE_FAILURES = frozenset({"refused", "quota", "timeout", "error"})
OTHER = "other"


@dataclass(frozen=True)
class _Point:
    name: str
    value: float
    dimensions: tuple[tuple[str, str], ...]


# The points of the invocation being served (None: outside a scope, dropped).
_GATHERED: ContextVar[list[_Point] | None] = ContextVar("yima_metrics", default=None)
# Each thread's EMF provider (a Lambda container has one thread; make run serves on many).
_THREAD = threading.local()


def emit(name: str, value: float = 1, **dimensions: str) -> None:
    """Record one value of a declared metric with its dimensions (all of them, no more).
    Written when the invocation's scope ends; dropped outside a scope. Never raises."""
    try:
        declared = METRICS.get(name)
        if declared is None:
            raise ValueError(f"undeclared metric {name!r}")
        if set(dimensions) != set(declared.dimensions):
            raise ValueError(f"{name} takes dimensions {declared.dimensions}, not {dimensions}")
        point = _Point(
            name, float(value), tuple((d, str(dimensions[d])) for d in declared.dimensions)
        )
        gathered = _GATHERED.get()
        if gathered is not None:
            gathered.append(point)
    except Exception as exc:  # a metric never breaks what it measures
        _failed(exc)


@contextmanager
def scope() -> Iterator[None]:
    """Gather the metrics emitted inside, and write them when it ends (also on an
    exception). One per request, one per background invocation."""
    gathered: list[_Point] = []
    token = _GATHERED.set(gathered)
    try:
        yield
    finally:
        _GATHERED.reset(token)
        if gathered:
            _write(gathered)


def notice_sent(channel: str) -> None:
    """A notice handed to its channel (issue 32's senders call this once per notice)."""
    emit("NoticesSent", channel=_bounded(channel, NOTICE_CHANNELS))


def notice_failed(channel: str, reason: str) -> None:
    """A notice its channel did not take: ``refused`` (the person unsubscribed),
    ``quota`` (retried later), ``timeout`` or ``error``; any other reason is ``other``."""
    emit(
        "NoticesFailed",
        channel=_bounded(channel, NOTICE_CHANNELS),
        reason=_bounded(reason, NOTICE_FAILURES),
    )


def status_class(status: int) -> str:
    """``2xx``, ``4xx``, ``5xx``: the ``status`` dimension of ``Requests``."""
    return f"{status // 100}xx"


def _bounded(value: str, allowed: frozenset[str]) -> str:
    return value if value in allowed else OTHER


def _write(points: list[_Point]) -> None:
    """One EMF line per set of dimension values, built and validated by Powertools.

    The counts of one name in a line are summed into one value (an invocation that shows
    two codes writes ``"CodesIssued": 2``), and a metric with a single value is written as
    a number, not a one-element list: CloudWatch reads both, and Logs Insights can then
    ``sum(Requests)`` or ``pct(Latency, 99)`` the field directly. Alarms read a count's
    Sum, never its SampleCount."""
    try:
        from aws_lambda_powertools.metrics.functions import is_metrics_disabled
        from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
            AmazonCloudWatchEMFProvider,
        )

        if is_metrics_disabled():
            return
        namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE
        # a line per set of dimension values, and per whether they go under service alone
        groups: dict[tuple[bool, tuple[tuple[str, str], ...]], dict[str, list[float]]] = {}
        for point in points:
            key = (METRICS[point.name].total, point.dimensions)
            values = groups.setdefault(key, {}).setdefault(point.name, [])
            if values and METRICS[point.name].unit == COUNT:
                values[0] += point.value
            else:
                values.append(point.value)
        provider = getattr(_THREAD, "provider", None)
        if provider is None:  # building one costs more than the line it writes: one a thread
            provider = _THREAD.provider = AmazonCloudWatchEMFProvider(service=SERVICE)
        provider.namespace = namespace
        lines = []
        for (total, dimensions), by_name in groups.items():
            provider.clear_metrics()
            for dimension, text in dimensions:
                provider.add_dimension(name=dimension, value=text)
            if total and dimensions:
                provider.add_dimensions(service=SERVICE)  # the same values under service alone
            for name, values in by_name.items():
                for value in values:
                    provider.add_metric(name=name, unit=METRICS[name].unit, value=value)
            line: dict[str, Any] = dict(provider.serialize_metric_set())
            for name, values in by_name.items():
                if len(values) == 1:
                    line[name] = values[0]
            lines.append(json.dumps(line, separators=(",", ":")))
        print("\n".join(lines))
    except Exception as exc:
        _THREAD.provider = None  # whatever it held: the next flush starts from a new one
        _failed(exc)


def _failed(exc: Exception) -> None:
    # not even a log line when the logger itself fails: the request still goes on
    with suppress(Exception):
        from chalicelib.kernel.logs import get_logger

        get_logger().warning(
            "metric not emitted", extra={"error": type(exc).__name__, "detail": str(exc)[:200]}
        )


def emitted(output: str) -> list[dict[str, Any]]:
    """The EMF lines in ``output`` (a captured stdout), for tests and for reading a log."""
    lines = []
    for line in output.splitlines():
        if '"_aws"' in line:
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
    return lines
