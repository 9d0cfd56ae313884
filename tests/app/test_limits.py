"""Abuse limits: 429 with Retry-After past a limit, a new window resets it, subjects and
addresses count apart, real use never hits them, staff bursts are flagged.

The limits here are small (set through the same YIMA_LIMIT_* variables as a stage's)
so a test needs a handful of requests; one test runs the real defaults against a
citizen refreshing the code every three seconds.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from chalice.local import LambdaEventConverter

from chalicelib.identity.rules import WeChatSession
from chalicelib.kernel.settings import Settings
from tests.conftest import TEST_ENV
from tests.helpers import assert_error, body, declaration, get, login, post

SMALL = {
    "YIMA_LIMIT_LOGIN_SUBJECT": "3/60",
    "YIMA_LIMIT_LOGIN_IP": "5/60",
    "YIMA_LIMIT_DECLARE_SUBJECT": "2/3600",
    "YIMA_LIMIT_CODE_SUBJECT": "4/60",
    "YIMA_LIMIT_CODE_IP": "6/60",
    "YIMA_LIMIT_SCAN_ALERT": "3/3600",
    "YIMA_LIMIT_STAFF_READ_SUBJECT": "2/60",
}


@pytest.fixture
def settings(request):
    """The small limits, unless a test asks for the defaults (``@pytest.mark.defaults``)."""
    if request.node.get_closest_marker("defaults"):
        return Settings.from_mapping(TEST_ENV)
    return Settings.from_mapping(TEST_ENV | SMALL)


@pytest.fixture
def from_ip(monkeypatch):
    """Send the next requests from another source address (API Gateway's sourceIp)."""

    def switch(address: str) -> None:
        monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", address)

    return switch


def dev_login(client, subject):
    return post(client, "/v1/auth/dev", {"subject": subject})


def assert_limited(response, retry_after):
    assert_error(response, 429, code="rate_limited")
    assert response.headers["Retry-After"] == str(retry_after)


def test_logins_past_the_subject_limit_are_429_until_the_window_ends(client, clock):
    clock.now += timedelta(seconds=15)  # 45 s left in the minute's window
    for _ in range(3):
        assert dev_login(client, "mallory").status_code == 200

    assert_limited(dev_login(client, "mallory"), retry_after=45)
    clock.now += timedelta(seconds=44)
    assert_limited(dev_login(client, "mallory"), retry_after=1)
    clock.now += timedelta(seconds=1)  # the next window: a new counter
    assert dev_login(client, "mallory").status_code == 200


def test_another_subject_is_not_held_back_by_one_over_its_limit(client):
    for _ in range(4):
        dev_login(client, "mallory")

    assert dev_login(client, "alice").status_code == 200
    assert dev_login(client, "mallory").status_code == 429


def test_logins_from_one_address_are_limited_and_another_address_is_not(client, from_ip):
    from_ip("203.0.113.7")
    for n in range(5):
        assert dev_login(client, f"bot-{n}").status_code == 200
    assert_limited(dev_login(client, "bot-5"), retry_after=60)

    from_ip("198.51.100.20")
    assert dev_login(client, "bot-5").status_code == 200


def test_the_wechat_identity_is_limited_like_any_login_subject(client, container):
    class FakeWeChat:
        appid = "wx0123456789abcdef"

        def code_to_session(self, code):
            return WeChatSession(openid="oSameUser", session_key="c2Vzc2lvbmtleTEyMzQ1Ng==")

    container.auth.wechat = FakeWeChat
    for n in range(3):
        assert post(client, "/v1/auth/wechat", {"code": f"code-{n}"}).status_code == 200

    assert_limited(post(client, "/v1/auth/wechat", {"code": "code-3"}), retry_after=60)


def test_declarations_past_the_limit_are_429_and_store_nothing(client, container):
    from chalicelib.declarations.store import DeclarationRecord

    token = login(client, "declarer", phone="13812345678")
    for _ in range(2):
        assert post(client, "/v1/declarations", declaration(), token).status_code == 201

    assert_limited(post(client, "/v1/declarations", declaration(), token), retry_after=3600)
    assert DeclarationRecord.count() == 2


def test_code_refreshes_count_together_across_json_svg_and_png(client):
    token = login(client, "refresher", phone="13812345678")
    post(client, "/v1/declarations", declaration(), token)
    auth = {"Authorization": f"Bearer {token}"}
    png = client.http.get("/v1/code.png", headers={**auth, "Accept": "image/png"})
    assert png.status_code == 200
    for path in ("/v1/code", "/v1/code.svg", "/v1/code"):
        assert get(client, path, token).status_code == 200

    assert_limited(get(client, "/v1/code.svg", token), retry_after=60)


def test_code_refreshes_from_one_address_are_limited_per_address(client, from_ip):
    tokens = []
    for n in range(3):
        tokens.append(login(client, f"neighbour-{n}", phone=f"1381234567{n}"))
        post(client, "/v1/declarations", declaration(id_number=_id(n), phone=f"1381234567{n}"),
             tokens[-1])  # fmt: skip
    from_ip("203.0.113.9")
    statuses = [get(client, "/v1/code", tokens[n % 3]).status_code for n in range(7)]

    assert statuses == [200] * 6 + [429]  # each subject is at 2 or 3 of its 4
    from_ip("198.51.100.21")
    assert get(client, "/v1/code", tokens[0]).status_code == 200


def _id(n):
    from tests.helpers import make_id_number

    return make_id_number(f"6101131990010112{n}")


@pytest.mark.defaults
def test_the_default_limits_let_a_citizen_refresh_every_three_seconds(client, clock):
    token = login(client, "elder", phone="13812345678")
    assert post(client, "/v1/declarations", declaration(), token).status_code == 201
    statuses = set()
    for _ in range(60):  # three minutes of refreshing, across three windows
        statuses.add(get(client, "/v1/code", token).status_code)
        clock.now += timedelta(seconds=3)

    assert statuses == {200}


def test_staff_reads_are_limited_per_staff_account(client):
    reviewer = login(client, "reviewer-1", role="reviewer")
    other = login(client, "reviewer-2", role="reviewer")
    for _ in range(2):
        assert get(client, "/v1/admin/reviews", reviewer).status_code == 200

    assert_limited(get(client, "/v1/admin/reviews", reviewer), retry_after=60)
    assert get(client, "/v1/admin/appeals", other).status_code == 200


def test_a_checkpoint_scanning_unusually_many_people_raises_one_alert(client, container, caplog):
    caplog.set_level(logging.INFO, logger="yima")
    gate = login(client, "gate-7", role="checkpoint")
    quiet = login(client, "gate-8", role="checkpoint")
    citizen = login(client, "walker", phone="13812345678")
    post(client, "/v1/declarations", declaration(), citizen)
    token = body(get(client, "/v1/code", citizen))["token"]
    for _ in range(6):
        assert post(client, "/v1/verify", {"token": token}, gate).status_code == 200
    post(client, "/v1/verify", {"token": token}, quiet)

    alerts = [r for r in caplog.records if getattr(r, "alert", None) == "staff_lookup_burst"]
    assert len(alerts) == 1  # once per window, not once per request
    alert = alerts[0]
    assert alert.levelno == logging.WARNING
    assert alert.staff == container.auth.authenticate(gate).subject
    assert (alert.group, alert.role, alert.count, alert.threshold) == ("scan", "checkpoint", 4, 3)


def test_citizens_never_raise_the_staff_alert(client, caplog):
    caplog.set_level(logging.INFO, logger="yima")
    token = login(client, "citizen", phone="13812345678")
    post(client, "/v1/declarations", declaration(), token)
    for _ in range(4):
        get(client, "/v1/code", token)

    assert not [r for r in caplog.records if getattr(r, "alert", None)]


def test_counters_hold_no_address_or_subject_and_expire_after_their_window(client, clock, from_ip):
    from chalicelib.kernel.dynamo.runtime import RuntimeRecord

    from_ip("203.0.113.77")
    dev_login(client, "visible-subject")

    counters = [r for r in RuntimeRecord.scan() if r.key.startswith("rl:")]
    assert {tuple(r.key.split(":")[1:3]) for r in counters} == {
        ("login", "ip"),
        ("login", "subject"),
    }
    for record in counters:
        assert "203.0.113.77" not in record.key and "visible-subject" not in record.key
        assert record.counter == 1
        assert clock.now < record.expires <= clock.now + timedelta(minutes=3)


def test_a_busy_counter_table_lets_the_request_through(client, container, monkeypatch, caplog):
    from chalicelib.kernel.errors import UpstreamUnavailable
    from chalicelib.limits.store import DynamoCounters

    def throttled(self, key, *, expires):
        raise UpstreamUnavailable("throttled")

    monkeypatch.setattr(DynamoCounters, "hit", throttled)
    caplog.set_level(logging.WARNING, logger="yima")

    statuses = {dev_login(client, "during-an-outage").status_code for _ in range(5)}

    assert statuses == {200}
    assert any("let through" in r.getMessage() for r in caplog.records)


def test_the_hot_paths_count_in_memory_and_write_no_counter(client):
    from chalicelib.kernel.dynamo.runtime import RuntimeRecord

    citizen = login(client, "memory", phone="13812345678")
    post(client, "/v1/declarations", declaration(), citizen)
    before = {r.key for r in RuntimeRecord.scan() if r.key.startswith("rl:")}
    for _ in range(4):
        assert get(client, "/v1/code", citizen).status_code == 200

    assert_limited(get(client, "/v1/code", citizen), retry_after=60)  # still limited
    after = {r.key for r in RuntimeRecord.scan() if r.key.startswith("rl:")}
    assert not {k for k in after - before if k.startswith("rl:code:")}


def test_memory_counters_forget_expired_windows_when_full():
    from datetime import UTC, datetime

    from chalicelib.limits.service import MemoryCounters

    now = datetime(2026, 11, 20, tzinfo=UTC)
    counters = MemoryCounters(lambda: now)
    counters.MAX_KEYS = 4
    for n in range(3):
        counters.hit(f"old{n}", expires=now - timedelta(seconds=1))
    assert counters.hit("live", expires=now + timedelta(seconds=60)) == 1
    assert counters.hit("live", expires=now + timedelta(seconds=60)) == 2
    counters.hit("new", expires=now + timedelta(seconds=60))
    assert set(counters._counts) == {"live", "new"}


def test_id_card_checks_count_toward_the_staff_alert(client, container, caplog):
    caplog.set_level(logging.INFO, logger="yima")
    gate = login(client, "gate-9", role="checkpoint")
    citizen = login(client, "walker", phone="13812345678")
    post(client, "/v1/declarations", declaration(), citizen)
    id_number = declaration()["id_number"]
    for _ in range(4):
        assert post(client, "/v1/verify/id", {"id_number": id_number}, gate).status_code == 200

    alerts = [r for r in caplog.records if getattr(r, "alert", None) == "staff_lookup_burst"]
    assert len(alerts) == 1
    assert (alerts[0].group, alerts[0].count, alerts[0].threshold) == ("scan", 4, 3)
