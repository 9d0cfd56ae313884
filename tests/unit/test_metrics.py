"""kernel/metrics.py: the EMF lines it writes, what it refuses, and that it never raises.

The lines are read from stdout (capsys), where CloudWatch Logs reads them on Lambda.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.kernel import metrics
from chalicelib.kernel.limits import CHECKPOINT_RECOLOUR_BURST, LimitGroup, Rate
from chalicelib.kernel.metrics import METRICS, emitted
from chalicelib.kernel.roles import Role
from chalicelib.limits.service import MemoryCounters, RateLimiter

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


@pytest.fixture(autouse=True)
def _logger_before_capsys():
    """The app's logger binds the stdout of the moment it is built: build it on the
    session's (autouse fixtures come first), not on this test's capsys, which closes."""
    from chalicelib.kernel.logs import get_logger

    get_logger()


def _lines(capsys):
    return emitted(capsys.readouterr().out)


def _directive(line):
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    return directive


def test_a_metric_is_written_as_emf_when_its_scope_ends(capsys):
    with metrics.scope():
        metrics.emit("CodesIssued", colour="green")

    (line,) = _lines(capsys)
    directive = _directive(line)
    assert directive["Namespace"] == "Yima"
    assert directive["Metrics"] == [{"Name": "CodesIssued", "Unit": "Count"}]
    # by colour, and the same value again under service alone (the alarm's total)
    assert directive["Dimensions"] == [["colour", "service"], ["service"]]
    assert line["colour"] == "green" and line["service"] == "yima"
    assert line["CodesIssued"] == 1.0  # one value: a number, which Logs Insights can sum


def test_outside_a_scope_a_metric_is_dropped(capsys):
    """The CLI and scripts call services outside any invocation: no CloudWatch reads
    their stdout, and a metric there would break a command's JSON answer."""
    metrics.emit("RecolourFailed", 0)

    assert _lines(capsys) == []


def test_a_scope_gathers_until_it_ends_one_line_per_set_of_dimension_values(capsys):
    with metrics.scope():
        metrics.emit("Requests", route="GET /v1/code", status="2xx")
        metrics.emit("Latency", 12.5, route="GET /v1/code")
        metrics.emit("CodesIssued", colour="green")
        metrics.emit("CodesIssued", colour="green")
        metrics.emit("RecolourLagSeconds", 42)
        assert _lines(capsys) == []  # nothing before the end

    lines = _lines(capsys)
    by_metric = {name: line for line in lines for name in line if name[0].isupper()}
    assert len(lines) == 4
    assert by_metric["CodesIssued"]["CodesIssued"] == 2.0  # counts summed: alarms read Sum
    assert _directive(by_metric["Latency"])["Metrics"] == [
        {"Name": "Latency", "Unit": "Milliseconds"}
    ]
    assert _directive(by_metric["Latency"])["Dimensions"] == [["route", "service"]]
    assert _directive(by_metric["RecolourLagSeconds"])["Metrics"] == [
        {"Name": "RecolourLagSeconds", "Unit": "Seconds"}
    ]
    assert _directive(by_metric["RecolourLagSeconds"])["Dimensions"] == [["service"]]


def test_measurements_keep_every_value_and_totals_stay_off_the_series_that_has_none(capsys):
    with metrics.scope():
        metrics.emit("Latency", 3.5, route="GET /v1/code")
        metrics.emit("Latency", 4.5, route="GET /v1/code")
        metrics.emit("ServerErrors", route="GET /v1/code")  # same values, but a total

    latency, errors = _lines(capsys)
    assert latency["Latency"] == [3.5, 4.5]
    assert _directive(latency)["Dimensions"] == [["route", "service"]]
    assert _directive(errors)["Dimensions"] == [["route", "service"], ["service"]]


def test_the_scope_writes_even_when_what_it_wraps_raises(capsys):
    with pytest.raises(RuntimeError), metrics.scope():
        metrics.emit("RecolourFailed", 3)
        raise RuntimeError("the chunk failed")

    (line,) = _lines(capsys)
    assert line["RecolourFailed"] == 3.0


@pytest.mark.parametrize(
    ("name", "dimensions"),
    [
        ("Made-up", {}),  # not declared: the alarms would never see it
        ("CodesIssued", {}),  # a dimension missing
        ("CodesIssued", {"colour": "red", "person": "p_1"}),  # one more than declared
    ],
)
def test_what_is_not_declared_is_logged_and_dropped_never_raised(capsys, caplog, name, dimensions):
    with caplog.at_level(logging.WARNING, logger="yima"), metrics.scope():
        metrics.emit(name, **dimensions)

    assert _lines(capsys) == []
    assert any(r.getMessage() == "metric not emitted" for r in caplog.records)


def test_a_failure_to_write_is_logged_not_raised(capsys, caplog, monkeypatch):
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf import cloudwatch

    def broken(self, **kwargs):
        raise OSError("stdout closed")

    monkeypatch.setattr(cloudwatch.AmazonCloudWatchEMFProvider, "add_metric", broken)
    with caplog.at_level(logging.WARNING, logger="yima"), metrics.scope():
        metrics.emit("Requests", route="GET /v1/keys", status="2xx")

    assert _lines(capsys) == []
    assert [r.getMessage() for r in caplog.records].count("metric not emitted") == 1


def test_powertools_switch_turns_them_off(capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    with metrics.scope():
        metrics.emit("Requests", route="GET /v1/keys", status="2xx")

    assert _lines(capsys) == []


def test_the_namespace_follows_powertools_variable_when_set(capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "YimaStaging")
    with metrics.scope():
        metrics.emit("RecolourChunksQueued", 3)

    (line,) = _lines(capsys)
    assert _directive(line)["Namespace"] == "YimaStaging"


def test_notice_helpers_keep_their_dimensions_to_known_values(capsys):
    with metrics.scope():
        metrics.notice_sent("wechat")
        metrics.notice_failed("alipay", "quota")
        metrics.notice_failed("fax", "errcode 43101 for user o6_bmjrPTlm6_2sgVt7hMZOPfL2M")

    sent, failed, odd = _lines(capsys)
    assert (sent["channel"], sent["NoticesSent"]) == ("wechat", 1.0)
    assert (failed["channel"], failed["reason"]) == ("alipay", "quota")
    assert (odd["channel"], odd["reason"]) == ("other", "other")
    assert _directive(failed)["Dimensions"] == [["channel", "reason", "service"], ["service"]]


@pytest.mark.parametrize(
    ("status", "cls"), [(200, "2xx"), (304, "3xx"), (429, "4xx"), (503, "5xx")]
)
def test_status_classes(status, cls):
    assert metrics.status_class(status) == cls


def _limiter(groups):
    clock = lambda: datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # noqa: E731
    return RateLimiter(
        counters=MemoryCounters(clock), groups=groups, hash_key=b"k" * 32, clock=clock
    )


def test_staff_and_checkpoint_bursts_are_counted_where_they_are_logged(capsys):
    limiter = _limiter(
        {
            "staff_read": LimitGroup(alert=Rate(2, 3600)),
            "scan_recolour": LimitGroup(alert=Rate(1, 3600), alert_name=CHECKPOINT_RECOLOUR_BURST),
        }
    )
    with metrics.scope():
        for _ in range(4):  # past the alert rate: one alert per window, however far past
            limiter.check("staff_read", subject="wang.li", ip=None, role=Role.OFFICIAL)
        for _ in range(3):
            limiter.check("scan_recolour", subject="gate-7", ip=None, role=Role.CHECKPOINT)

    staff, checkpoint = _lines(capsys)
    assert (staff["StaffBurstAlerts"], staff["group"]) == (1.0, "staff_read")
    assert (checkpoint["CheckpointBurstAlerts"], checkpoint["group"]) == (1.0, "scan_recolour")
    assert "wang.li" not in str(staff) and "gate-7" not in str(checkpoint)


def test_every_metric_is_in_docs_metrics_md_with_its_unit_and_dimensions():
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(r"^\| `(\w+)` \|.*$", DOC.read_text(encoding="utf-8"), re.M)
    }
    assert set(rows) == set(METRICS)
    for name, metric in METRICS.items():
        assert metric.unit in rows[name], name
        for dimension in metric.dimensions:
            assert f"`{dimension}`" in rows[name], (name, dimension)
