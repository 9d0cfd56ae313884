"""Fault injection: AWS failing under the app, on moto. Each test shows the operation
retried or failed cleanly (503 in the error shape, never a 500), and that no item was
lost or duplicated once the fault passed.

Covered elsewhere, not repeated here: WeChat code2session timing out or busy
(test_channels.py::test_wechat_down_or_busy_is_503_never_500), Alipay timing out
(test_channels.py::test_alipay_timeout_is_503), the feed object missing from S3
(test_risk_refresh.py::test_the_scheduled_pull_applies_then_refuses_stale_then_reports_missing),
a push that stored its snapshot and died before switching the pointer
(test_risk_refresh.py::test_a_run_that_stored_its_snapshot_but_never_switched_is_finished_by_a_retry),
a throttled GetItem mocked at the model (test_errors.py::test_a_throttled_table_is_503_not_500).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests

from chalicelib.codes.store import ScanRecord
from chalicelib.declarations.store import DeclarationRecord
from chalicelib.itinerary.store import IdempotencyRecord, PlaceDayRecord, StayRecord
from chalicelib.kernel.dynamo.runtime import RuntimeRecord
from chalicelib.officials.audit_store import AuditRecord
from chalicelib.people.rules import self_person_id
from chalicelib.people.store import PersonRecord
from tests.faults import THROTTLED, injected_faults, transient_throttles
from tests.helpers import (
    assert_error,
    body,
    create_bucket,
    declaration,
    get,
    login,
    make_id_number,
    post,
)

SCHEDULED = {
    "version": "0",
    "id": "e-1",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-11-20T02:00:00Z",
    "region": "cn-northwest-1",
    "resources": [],
    "detail": {},
}


@pytest.fixture
def faults(container):
    with injected_faults() as injected:
        yield injected


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    """botocore waits up to seconds between retries; the tests need not."""
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


def _citizen(client, subject, phone, seq, **answers):
    token = login(client, subject, phone=phone)
    response = post(
        client,
        "/v1/declarations",
        declaration(phone=phone, id_number=make_id_number(f"61011319900101{seq}"), **answers),
        token,
    )
    assert response.status_code == 201, response.body
    return token


# --- DynamoDB throttling on request paths ----------------------------------------------


def test_a_brief_throttle_is_retried_by_botocore_and_the_code_shows(client):
    token = _citizen(client, "zhang", "13812345678", "111")

    with transient_throttles("GetItem", times=2) as throttled:
        response = get(client, "/v1/code", token)

    assert throttled["throttled"] == 2  # two throttling answers, retried underneath
    assert response.status_code == 200 and body(response)["colour"] == "green"


def test_a_throttled_declaration_is_a_503_and_its_resend_is_stored_once(client, faults):
    token = login(client, "li", phone="13812345678")
    faults.persistent("PutItem", table="declarations")

    first = post(client, "/v1/declarations", declaration(), token)

    assert_error(first, 503, code="upstream_unavailable")
    assert DeclarationRecord.count() == 0
    faults.clear()
    again = post(client, "/v1/declarations", declaration(), token)
    assert again.status_code == 201
    assert DeclarationRecord.count() == 1 and PersonRecord.count() == 1
    submitted = [e for e in AuditRecord.scan() if e.action == "declaration_submitted"]
    assert len(submitted) == 1
    assert faults.injected[f"dynamodb.PutItem:{THROTTLED}"] == 1


def test_a_throttled_scan_log_is_a_503_and_the_rescan_is_logged_once(client, faults):
    token = _citizen(client, "wang", "13812345678", "111")
    code = body(get(client, "/v1/code", token))["token"]
    gate = login(client, "gate", role="checkpoint")
    faults.persistent("PutItem", table="scans")

    assert_error(post(client, "/v1/verify", {"token": code}, gate), 503)
    faults.clear()
    assert body(post(client, "/v1/verify", {"token": code}, gate))["valid"] is True
    assert ScanRecord.count() == 1


# Every request below meets a table that answers only "throttled", after botocore's
# retries; the answer must be a 503 in the error shape, never a 500.
ROUTES = [
    ("POST", "/v1/auth/dev", {"subject": "new-person"}, None),
    ("GET", "/v1/me", None, "citizen"),
    ("POST", "/v1/declarations", declaration(), "citizen"),
    ("GET", "/v1/declarations", None, "citizen"),
    ("GET", "/v1/code", None, "citizen"),
    ("GET", "/v1/itinerary", None, "citizen"),
    ("GET", "/v1/pass", None, "citizen"),
    ("POST", "/v1/me/appeals", {"reason": "r"}, "citizen"),
    ("GET", "/v1/admin/reviews", None, "reviewer"),
    ("GET", "/v1/admin/audit", None, "admin"),
    ("GET", "/v1/regions/610113", None, None),
]


@pytest.mark.parametrize(("method", "path", "payload", "role"), ROUTES)
def test_a_table_that_stays_throttled_is_a_503_never_a_500(
    client, faults, method, path, payload, role
):
    token = None
    if role == "citizen":
        token = _citizen(client, "zhao", "13812345678", "111")
    elif role:
        token = login(client, f"staff-{role}", role=role)
    for operation in ("GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"):
        faults.persistent(operation)

    send = post if method == "POST" else get
    response = send(client, path, payload, token) if payload else send(client, path, token)

    assert_error(response, 503)
    assert sum(faults.injected.values()) >= 1


def test_a_throttled_rate_limit_counter_lets_the_request_through(client, faults):
    faults.persistent("UpdateItem", table="runtime")

    # logins count in DynamoDB (the code's limits count in memory and write nothing)
    assert post(client, "/v1/auth/dev", {"subject": "qian"}).status_code == 200
    assert faults.injected[f"dynamodb.UpdateItem:{THROTTLED}"] == 2  # subject and address


# --- the carrier batch: unprocessed items -----------------------------------------------


def _batch(batch_id, phones=30):
    from tests.app.test_carrier_and_card import row

    rows = [row(phone=f"139{n:08d}") for n in range(phones)]
    return {"batch_id": batch_id, "stays": rows}


def test_unprocessed_items_are_resent_until_the_whole_batch_is_written(client, faults):
    carrier = login(client, "cmcc", role="carrier")
    faults.unprocessed("stays", rounds=2)
    faults.unprocessed("place_days", rounds=2)

    result = body(post(client, "/v1/feeds/carrier", _batch("b-1"), carrier))

    assert result["accepted"] == 30 and result["duplicate"] is False
    assert faults.injected["dynamodb.BatchWriteItem:UnprocessedItems"] > 0
    assert StayRecord.count() == 30  # nothing lost
    assert PlaceDayRecord.count() == 30  # one local day each


def test_a_batch_the_table_keeps_refusing_is_503_and_its_resend_loses_and_doubles_nothing(
    client, faults
):
    carrier = login(client, "cmcc", role="carrier")
    faults.unprocessed("stays", rounds=10)  # past pynamodb's resends

    first = post(client, "/v1/feeds/carrier", _batch("b-2"), carrier)

    assert_error(first, 503, code="upstream_unavailable")
    written = StayRecord.count()
    assert 0 < written < 30  # half done
    assert IdempotencyRecord.count() == 0  # the claim was released
    faults.clear()
    resent = body(post(client, "/v1/feeds/carrier", _batch("b-2"), carrier))
    assert resent["duplicate"] is False and resent["accepted"] == 30
    assert StayRecord.count() == 30 and PlaceDayRecord.count() == 30
    again = body(post(client, "/v1/feeds/carrier", _batch("b-2"), carrier))
    assert again["duplicate"] is True and StayRecord.count() == 30


# --- WeChat timing out on the phone binding (code2session timeouts: test_channels) -----


def test_wechat_timing_out_on_the_phone_number_is_503_and_binds_nothing(client, container):
    import responses

    from chalicelib.identity.wechat import DynamoTokenStorage, WeChatGateway
    from tests.app.channel_standins import APPID, PHONE_URL, SESSION_KEY, SESSION_URL, TOKEN_URL

    gateway = WeChatGateway(APPID, "wechat-app-secret", storage=DynamoTokenStorage(container.clock))
    container.auth.wechat = lambda: gateway
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(TOKEN_URL, json={"access_token": "A", "expires_in": 7200})
        mock.get(SESSION_URL, json={"openid": "oPhone", "session_key": SESSION_KEY})
        login_response = post(client, "/v1/auth/wechat", {"code": "c"})
        assert login_response.status_code == 200, login_response.body
        token = body(login_response)["token"]
        for cached in RuntimeRecord.scan():  # the shared access token has expired
            if cached.key.startswith("wechat:"):
                cached.delete()
        mock.replace(responses.GET, TOKEN_URL, body=requests.exceptions.ReadTimeout("timed out"))
        no_token = post(client, "/v1/me/phone", {"channel": "wechat", "code": "p"}, token)
        mock.replace(responses.GET, TOKEN_URL, json={"access_token": "B", "expires_in": 7200})
        mock.post(PHONE_URL, body=requests.exceptions.ReadTimeout("timed out"))
        no_phone = post(client, "/v1/me/phone", {"channel": "wechat", "code": "p"}, token)

    assert_error(no_token, 503, code="wechat_unavailable")
    assert_error(no_phone, 503, code="wechat_unavailable")
    assert body(get(client, "/v1/me", token))["phone_bound"] is False


# --- S3 failing under the scheduled refresh (a missing object: test_risk_refresh) -------


def test_s3_failing_fails_the_run_cleanly_and_the_next_run_applies_the_feed(
    client, container, faults
):
    from tests.app.test_risk_refresh import HIGH_YANTA, snapshot

    resident = _citizen(client, "resident", "13811110001", "111")
    s3 = container.aws.client("s3")
    bucket, key = container.settings.feed_bucket, container.settings.feed_key
    create_bucket(s3, bucket)
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(snapshot("s1", "2026-11-20T09:00:00+08:00", HIGH_YANTA)),
    )
    faults.persistent("GetObject", service="s3", code="SlowDown")
    try:
        from chalicelib.kernel.errors import UpstreamUnavailable

        with pytest.raises(UpstreamUnavailable):  # the scheduled Lambda fails; CloudWatch sees it
            client.lambda_.invoke("refresh_risk_areas", SCHEDULED)
        assert container.risk.feeds.active() is None
        faults.clear()
        report = client.lambda_.invoke(
            "refresh_risk_areas", SCHEDULED
        ).payload  # lease was released
    finally:
        s3.delete_object(Bucket=bucket, Key=key)
        s3.delete_bucket(Bucket=bucket)

    assert report["state"] == "active" and report["people_recoloured"] == 1
    assert body(get(client, "/v1/code", resident))["colour"] == "red"
    assert faults.injected["s3.GetObject:SlowDown"] == 1


def test_a_scheduled_run_that_died_before_switching_is_finished_by_the_next(
    client, container, faults
):
    from tests.app.test_risk_refresh import HIGH_YANTA, snapshot

    resident = _citizen(client, "resident", "13811110001", "111")
    s3 = container.aws.client("s3")
    bucket, key = container.settings.feed_bucket, container.settings.feed_key
    create_bucket(s3, bucket)
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(snapshot("s1", "2026-11-20T09:00:00+08:00", HIGH_YANTA)),
    )
    faults.persistent("UpdateItem", table="risk_feeds")  # the pointer switch
    try:
        from chalicelib.kernel.errors import UpstreamUnavailable

        with pytest.raises(UpstreamUnavailable):
            container.risk.refresh_scheduled()
        assert container.risk.feeds.state("s1") == "active"  # stored, never switched
        assert container.risk.feeds.active() is None
        faults.clear()
        report = container.risk.refresh_scheduled()
    finally:
        s3.delete_object(Bucket=bucket, Key=key)
        s3.delete_bucket(Bucket=bucket)

    assert report["state"] == "active" and report["people_recoloured"] == 1
    assert body(get(client, "/v1/code", resident))["colour"] == "red"
    activated = [e for e in AuditRecord.scan() if e.action == "risk_feed_activated"]
    assert len(activated) == 1


# --- SQS redelivers a half-done recolour chunk --------------------------------------------


def test_a_redelivered_half_done_chunk_ends_in_the_same_state_with_no_duplicate_audit(
    client, container, faults
):
    from chalicelib.colours.model import RiskArea
    from chalicelib.risk.rules import Snapshot

    tokens = [_citizen(client, f"yanta-{n}", f"1381111000{n}", f"11{n}") for n in range(3)]
    people = [self_person_id(container.auth.authenticate(t).subject) for t in tokens]
    now = container.clock()
    area = RiskArea(
        region_code="610113",
        level="high",
        since=datetime(2026, 11, 19, tzinfo=UTC),
        area="电子城街道",
    )
    feed = Snapshot(feed_id="f1", published_at=now, areas=(area,))
    container.risk.feeds.store(feed, state="active", now=now)  # a refresh that queued the
    container.risk.feeds.switch("f1", expected=None, now=now)  # chunk, not yet worked
    message = json.dumps({"person_ids": people, "reason": "risk_feed:f1"})
    event = client.events.generate_sqs_event(
        message_bodies=[message], queue_name=container.settings.queue_name
    )
    faults.persistent(
        "PutItem",
        table="colours",
        when=lambda params: params["Item"]["person_id"]["S"] == people[1],
    )

    with pytest.raises(RuntimeError, match="1 people failed"):  # SQS will redeliver
        client.lambda_.invoke("recolour", event)
    halfway = {p: container.colours.current(p).assessment.colour.value for p in people}
    faults.clear()
    client.lambda_.invoke("recolour", event)  # the redelivery
    client.lambda_.invoke("recolour", event)  # and a duplicate delivery, as SQS may

    assert halfway == {people[0]: "red", people[1]: "green", people[2]: "red"}
    final = {p: container.colours.current(p).assessment.colour.value for p in people}
    assert final == dict.fromkeys(people, "red")
    changes = [
        e.subject_id
        for e in AuditRecord.scan()
        if e.action == "colour_changed" and e.reason == "risk_feed:f1"
    ]
    assert sorted(changes) == sorted(people)  # one change each, however often delivered
