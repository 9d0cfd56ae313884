"""The metrics the API and the background handlers write (docs/metrics.md), read back from
stdout as CloudWatch Logs would read them: names, units, dimensions, and no id anywhere
in a dimension."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app import api
from chalicelib.kernel import metrics
from chalicelib.kernel.metrics import METRICS, emitted
from chalicelib.kernel.shedding import Shedder
from chalicelib.people.rules import self_person_id
from tests.app.checkpoints import posted_gate
from tests.app.risk_feeds import HIGH_YANTA, _citizen, snapshot
from tests.faults import injected_faults
from tests.helpers import assert_error, body, declaration, get, login, post


@pytest.fixture(autouse=True)
def _logger_before_capsys():
    """The app's logger binds the stdout of the moment it is built: build it on the
    session's (autouse fixtures come first), not on this test's capsys, which closes."""
    from chalicelib.kernel.logs import get_logger

    get_logger()


def _points(capsys):
    """Every datapoint written since the last call: (name, unit, value, dimensions)."""
    points = []
    for line in emitted(capsys.readouterr().out):
        (directive,) = line["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "Yima"
        dimensions = {d for names in directive["Dimensions"] for d in names}
        values = {d: line[d] for d in dimensions}
        for metric in directive["Metrics"]:
            written = line[metric["Name"]]
            for value in written if isinstance(written, list) else [written]:
                points.append((metric["Name"], metric["Unit"], value, values))
    return points


def _named(points, name):
    return [(value, dims) for metric, _unit, value, dims in points if metric == name]


@pytest.fixture
def citizen(client):
    token = login(client, "holder", phone="13812345678")
    assert post(client, "/v1/declarations", declaration(), token).status_code == 201
    return token


def test_a_request_is_counted_by_route_template_and_status_class_with_its_latency(client, capsys):
    capsys.readouterr()
    assert get(client, "/v1/keys").status_code == 200

    points = _points(capsys)
    assert _named(points, "Requests") == [
        (1.0, {"service": "yima", "route": "GET /v1/keys", "status": "2xx"})
    ]
    ((latency, dims),) = _named(points, "Latency")
    assert latency >= 0 and dims == {"service": "yima", "route": "GET /v1/keys"}
    assert {unit for name, unit, _v, _d in points if name == "Latency"} == {"Milliseconds"}
    assert _named(points, "ServerErrors") == []


def test_a_4xx_is_counted_under_the_template_not_the_path_sent(client, citizen, capsys):
    capsys.readouterr()
    assert_error(get(client, "/v1/code"), 401)
    gone = client.http.delete(
        "/v1/people/p_doesnotexist00000000", headers={"Authorization": f"Bearer {citizen}"}
    )
    assert_error(gone, 404)
    assert_error(get(client, "/v1/people/p_doesnotexist00000000", citizen), 405)

    routes = [(d["route"], d["status"]) for _v, d in _named(_points(capsys), "Requests")]
    assert routes == [
        ("GET /v1/code", "4xx"),
        ("DELETE /v1/people/{person_id}", "4xx"),
        ("other", "4xx"),  # a method the route does not have: not a template of ours
    ]


def test_a_5xx_from_a_failing_table_is_a_server_error_of_its_route(client, citizen, capsys):
    capsys.readouterr()
    with injected_faults() as faults:
        faults.persistent("GetItem", table="colours")
        failed = get(client, "/v1/code", citizen)
    assert failed.status_code == 503 and faults.injected

    points = _points(capsys)
    assert _named(points, "Requests") == [
        (1.0, {"service": "yima", "route": "GET /v1/code", "status": "5xx"})
    ]
    assert _named(points, "ServerErrors") == [(1.0, {"service": "yima", "route": "GET /v1/code"})]


def test_an_unhandled_error_is_a_500_and_a_server_error(
    client, container, citizen, capsys, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(container.codes, "show", broken)
    capsys.readouterr()
    assert_error(get(client, "/v1/code", citizen), 500, code="internal_error")

    assert [d["route"] for _v, d in _named(_points(capsys), "ServerErrors")] == ["GET /v1/code"]


def test_shed_requests_are_counted_by_reason(client, citizen, capsys):
    api._shedder = Shedder(rate=1.0, burst=1, max_in_flight=0, clock=lambda: 100.0)
    try:
        capsys.readouterr()
        statuses = [get(client, "/v1/code", citizen).status_code for _ in range(3)]
        api._shedder = Shedder(rate=0, burst=0, max_in_flight=1)
        api._shedder.admit()  # one request in flight: the next is overloaded
        statuses.append(get(client, "/v1/code", citizen).status_code)
    finally:
        api._shedder = None

    points = _points(capsys)
    assert statuses == [200, 429, 429, 503]
    assert [d["reason"] for _v, d in _named(points, "RequestsShed")] == [
        "throttled",
        "throttled",
        "overloaded",
    ]
    assert [d["status"] for _v, d in _named(points, "Requests")] == ["2xx", "4xx", "4xx", "5xx"]


def test_a_code_shown_is_a_code_issued_by_its_colour(client, citizen, capsys):
    capsys.readouterr()
    assert get(client, "/v1/code", citizen).status_code == 200
    assert get(client, "/v1/code.svg", citizen).status_code == 200

    assert _named(_points(capsys), "CodesIssued") == [
        (1.0, {"service": "yima", "colour": "green"}),
        (1.0, {"service": "yima", "colour": "green"}),
    ]


def test_verifications_are_counted_by_outcome(client, citizen, capsys):
    gate = login(client, "gate-7", role="checkpoint")
    token = body(get(client, "/v1/code", citizen))["token"]
    capsys.readouterr()
    assert body(post(client, "/v1/verify", {"token": token}, gate))["valid"] is True
    assert body(post(client, "/v1/verify", {"token": "YM1:garbage"}, gate))["valid"] is False
    number = "110101199003074514"
    assert body(post(client, "/v1/verify/id", {"id_number": number}, gate))["valid"] is False

    outcomes = [d["outcome"] for _v, d in _named(_points(capsys), "Verifications")]
    assert outcomes == ["valid", "invalid", "invalid"]


def test_a_feed_pushed_measures_its_recolour_lag(client, capsys):
    official = login(client, "official-1", role="official")
    _citizen(client, "resident", "13811110001", "610113", "111")
    capsys.readouterr()
    pushed = post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
        official,
    )
    assert body(pushed)["people_recoloured"] == 1

    points = _points(capsys)
    # inline (the local queue): recoloured in the push's own request, so no lag on its clock
    assert _named(points, "RecolourLagSeconds") == [(0.0, {"service": "yima"})]
    assert _named(points, "RecolourFailed") == [(0.0, {"service": "yima"})]
    assert {u for n, u, _v, _d in points if n == "RecolourLagSeconds"} == {"Seconds"}


def test_the_worker_measures_lag_from_the_arrival_the_message_carries_and_counts_failures(
    client, container, clock, capsys
):
    from chalicelib.risk.queue import SqsRecolourQueue
    from tests.faults import injected_faults as faults_in

    tokens = [
        _citizen(client, f"yanta-{n}", f"1381111000{n}", "610113", f"11{n}") for n in range(2)
    ]
    people = [self_person_id(container.auth.authenticate(t).subject) for t in tokens]
    sqs = container.aws.client("sqs")
    url = sqs.create_queue(QueueName=container.settings.queue_name)["QueueUrl"]
    arrived = clock.now
    capsys.readouterr()
    with metrics.scope():  # as the scheduled refresh's handler holds one
        SqsRecolourQueue(lambda: sqs, container.settings.queue_name).submit(
            people + [f"p_{n:020d}" for n in range(150)],
            reason="risk_feed:f1",
            arrived_at=arrived,
        )
    assert _named(_points(capsys), "RecolourChunksQueued") == [(2.0, {"service": "yima"})]
    (message, *_rest) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    sent = json.loads(message["Body"])
    assert sent["arrived_at"] == "2026-11-20T02:00:00Z" and set(people) <= set(sent["person_ids"])

    clock.now += timedelta(seconds=95)  # the chunk waited in the queue
    event = client.events.generate_sqs_event(
        message_bodies=[message["Body"]], queue_name=container.settings.queue_name
    )
    with faults_in() as faults:
        faults.persistent(
            "PutItem", table="colours", when=lambda p: p["Item"]["person_id"]["S"] == people[1]
        )
        with pytest.raises(RuntimeError, match="1 people failed"):
            client.lambda_.invoke("recolour", event)

    points = _points(capsys)  # written by the handler's scope although it raised
    assert _named(points, "RecolourLagSeconds") == [(95.0, {"service": "yima"})]
    assert _named(points, "RecolourFailed") == [(1.0, {"service": "yima"})]


def test_no_dimension_ever_carries_an_id(client, container, capsys):
    """Walk every dimension value written while a citizen, a checkpoint and an official
    use the API (ids in paths, unknown paths, errors): routes are templates from the
    route table, and no id, subject, phone or token appears anywhere in a dimension."""
    official = login(client, "official-9", role="official")
    citizen = _citizen(client, "dim-citizen", "13811110009", "610113", "999")
    gate, venue = posted_gate(client, "gate-dims", official=official)
    person = self_person_id(container.auth.authenticate(citizen).subject)
    token = body(get(client, "/v1/code", citizen))["token"]
    secrets = {person, token, citizen, gate, venue, "13811110009", "dim-citizen", "gate-dims"}
    capsys.readouterr()

    post(client, "/v1/verify", {"token": token, "venue_id": venue}, gate)
    get(client, f"/v1/people/{person}", citizen)  # 405: no GET there
    post(client, f"/v1/people/{person}/printed-code", {}, citizen)
    post(client, f"/v1/people/{person}/printed-code", {}, official)
    client.http.delete("/v1/people/p_nobody_000000000000")
    get(client, f"/v1/venues/{venue}/poster.svg")  # a binary answer, served by the middleware
    get(client, f"/v1/code?person={person}", citizen)
    get(client, "/v1/regions/610113", citizen)
    client.http.delete(f"/v1/people/{person}")
    post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f9", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
        official,
    )
    get(client, "/v1/code", citizen)

    points = _points(capsys)
    templates = {f"{op.method} {op.path}" for op in api.operations}
    allowed = {
        "service": {"yima"},
        "route": templates | {"other"},
        "status": {"2xx", "3xx", "4xx", "5xx"},
        "colour": {"green", "pending", "yellow", "red"},
        "outcome": {"valid", "invalid"},
        "reason": {"throttled", "overloaded"},
        "group": {"staff_read", "scan", "scan_recolour"},
    }
    assert {name for name, *_ in points} >= {"Requests", "Latency", "CodesIssued", "Verifications"}
    assert {name for name, *_ in points} <= set(METRICS)
    for name, _unit, _value, dims in points:
        for dimension, value in dims.items():
            assert value in allowed[dimension], (name, dimension, value)
            assert not any(s in value for s in secrets), (name, dimension, value)
    routes = {d["route"] for n, _u, _v, d in points if n == "Requests"}
    assert {
        "POST /v1/people/{person_id}/printed-code",
        "GET /v1/venues/{venue_id}/poster.svg",
        "GET /v1/regions/{code}",
        "other",
    } <= routes
