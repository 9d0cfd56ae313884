"""Real names through the channels: Alipay's certified real name and WeChat's real-name
check vouch for an identity, and decide an open identity dispute.

WeChat's HTTP is intercepted by ``responses``, Alipay is a stand-in transport
(tests/app/channel_standins.py, the fixtures in tests/app/conftest.py).
"""

from __future__ import annotations

import json

import pytest

from tests.app.channel_standins import (
    CERTIFIED,
    MATCH,
    OWNER_ID,
    REAL_NAME_URL,
    _calls,
    _check,
    _wechat_login,
)
from tests.helpers import assert_error, body, declaration, get, login, post

# --- Alipay's certified real name vouches in an identity dispute -----------------------


def _vouched_hash(user_id: str) -> str | None:
    from chalicelib.identity.store import UserRecord

    return UserRecord.get(user_id).vouched_id_hash


def test_alipay_asks_for_the_certified_real_name_with_the_users_access_token(client, alipay):
    alipay.info = CERTIFIED

    user = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))["user"]

    info = alipay.requests[1]
    assert info["method"] == ["alipay.user.info.share"]
    assert info["auth_token"] == ["authbseB"]  # oauth.token's access_token
    assert info["sign_type"] == ["RSA2"] and info["sign"]
    assert _vouched_hash(user["id"]) is not None
    assert OWNER_ID not in str(
        body(
            get(
                client, "/v1/me", body(post(client, "/v1/auth/alipay", {"auth_code": "b"}))["token"]
            )
        )
    )


def test_a_vouched_account_is_not_asked_again(client, alipay):
    alipay.info = CERTIFIED
    post(client, "/v1/auth/alipay", {"auth_code": "a"})
    post(client, "/v1/auth/alipay", {"auth_code": "b"})

    methods = [r["method"][0] for r in alipay.requests]

    assert methods.count("alipay.user.info.share") == 1


@pytest.mark.parametrize(
    "info",
    [
        {"code": "10000", "user_id": "2088102104794936"},  # no identity fields for this app
        {**CERTIFIED, "is_certified": "F"},
        {**CERTIFIED, "cert_type": "1"},  # a passport, not the ID card
        {**CERTIFIED, "cert_no": OWNER_ID[:-1] + ("0" if OWNER_ID[-1] != "0" else "1")},
        {**CERTIFIED, "cert_no": 110105194912310021},  # not even a string
        {
            "code": "40006",
            "msg": "Insufficient Permissions",
            "sub_code": "isv.insufficient-isv-permissions",
        },
        TimeoutError("timed out"),
    ],
    ids=[
        "no-scope-fields",
        "uncertified",
        "passport",
        "bad-check-digit",
        "number",
        "40006",
        "timeout",
    ],
)
def test_anything_but_a_certified_id_card_vouches_for_nothing_and_the_login_goes_on(
    client, alipay, info
):
    alipay.info = info

    answer = post(client, "/v1/auth/alipay", {"auth_code": "a"})

    assert answer.status_code == 200, answer.body
    assert _vouched_hash(body(answer)["user"]["id"]) is None


def test_a_real_name_answer_with_a_bad_signature_vouches_for_nothing(alipay):
    alipay.info = CERTIFIED
    alipay.corrupt_signature = True

    assert alipay.gateway.certified_id_number("authbseB") is None


def test_an_alipay_certified_claimant_wins_over_a_squatter_at_once(client, alipay):
    squatter = login(client, "squatter", phone="13822223333")
    stolen = post(
        client,
        "/v1/declarations",
        declaration(name="李四", id_number=OWNER_ID, phone="13822223333", symptoms=["cough"]),
        squatter,
    )
    assert stolen.status_code == 201
    alipay.info = CERTIFIED
    owner = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))["token"]

    claimed = post(
        client,
        "/v1/declarations",
        declaration(name="李四", id_number=OWNER_ID, phone="13911112222"),
        owner,
    )

    assert claimed.status_code == 201, claimed.body
    assert body(get(client, "/v1/code", owner))["colour"] == "green"
    assert_error(get(client, "/v1/code", squatter), 404, code="no_code")
    reviewer = login(client, "reviewer-1", role="reviewer")
    assert body(get(client, "/v1/admin/disputes", reviewer))["items"] == []


def test_an_uncertified_alipay_claimant_waits_for_a_reviewer(client, alipay):
    squatter = login(client, "squatter", phone="13822223333")
    post(
        client,
        "/v1/declarations",
        declaration(name="李四", id_number=OWNER_ID, phone="13822223333"),
        squatter,
    )
    owner = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))["token"]

    claimed = post(
        client,
        "/v1/declarations",
        declaration(name="李四", id_number=OWNER_ID, phone="13911112222"),
        owner,
    )

    assert_error(claimed, 409, code="id_number_disputed", field="id_number")


# --- WeChat's real-name check vouches, and decides an open dispute at once -------------


def test_a_wechat_real_name_match_decides_the_claimants_open_dispute(client, wechat):
    squatter = login(client, "squatter", phone="13822223333")
    post(
        client,
        "/v1/declarations",
        declaration(name="李四", id_number=OWNER_ID, phone="13822223333"),
        squatter,
    )
    owner = _wechat_login(client, wechat, openid="oOwner")
    claimed = post(
        client,
        "/v1/declarations",
        declaration(name="李四", id_number=OWNER_ID, phone="13911112222"),
        owner,
    )
    assert_error(claimed, 409, code="id_number_disputed")
    wechat.post(REAL_NAME_URL, json=MATCH)

    checked = _check(client, owner)

    assert checked.status_code == 200, checked.body
    assert body(checked) == {"result": "match", "vouched": True, "dispute_settled": True}
    (call,) = _calls(wechat, REAL_NAME_URL)
    assert json.loads(call.request.body) == {
        "openid": "oOwner",
        "real_name": "李四",
        "cred_id": OWNER_ID,
        "cred_type": "1",
        "code": "consent-1",
    }
    assert body(get(client, "/v1/code", owner))["holder"]["name_masked"] == "李*"
    assert_error(get(client, "/v1/code", squatter), 404, code="no_code")
    reviewer = login(client, "reviewer-1", role="reviewer")
    assert body(get(client, "/v1/admin/disputes", reviewer))["items"] == []


@pytest.mark.parametrize(
    ("reply", "result"),
    [
        ({**MATCH, "verify_real_name": "V_NM_ID_UM"}, "mismatch"),
        ({**MATCH, "verify_openid": "V_OP_NM_UM"}, "mismatch"),
        ({"errcode": 0, "verify_openid": "V_OP_NA"}, "not_real_named"),
    ],
)
def test_no_match_vouches_for_nothing(client, wechat, reply, result):
    token = _wechat_login(client, wechat)
    wechat.post(REAL_NAME_URL, json=reply)

    checked = _check(client, token)

    assert body(checked) == {"result": result, "vouched": False, "dispute_settled": False}
    assert _vouched_hash(body(get(client, "/v1/me", token))["id"]) is None


def test_a_match_without_a_dispute_only_vouches(client, wechat):
    token = _wechat_login(client, wechat)
    wechat.post(REAL_NAME_URL, json=MATCH)

    assert body(_check(client, token)) == {
        "result": "match",
        "vouched": True,
        "dispute_settled": False,
    }
    assert _vouched_hash(body(get(client, "/v1/me", token))["id"]) is not None


@pytest.mark.parametrize(
    ("reply", "status", "code", "field"),
    [
        ({"errcode": 40029, "errmsg": "invalid code"}, 400, "wechat_code_invalid", "code"),
        ({"errcode": 48001, "errmsg": "api unauthorized"}, 503, "wechat_api_not_granted", None),
        ({"errcode": 0, "errmsg": "ok"}, 503, "wechat_unavailable", None),
    ],
)
def test_wechat_refusing_the_check_is_a_clear_error(client, wechat, reply, status, code, field):
    token = _wechat_login(client, wechat)
    wechat.post(REAL_NAME_URL, json=reply)

    assert_error(_check(client, token), status, code=code, field=field)


def test_a_bad_id_number_is_400_before_wechat_is_asked(client, wechat):
    token = _wechat_login(client, wechat)

    assert_error(_check(client, token, id_number="110105194912310020"), 400, field="id_number")
    assert_error(_check(client, token, name="  "), 400, field="name")
    assert _calls(wechat, REAL_NAME_URL) == []


def test_the_real_name_check_is_refused_to_other_channels(client, wechat, alipay):
    dev = login(client, "someone")
    ali = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))["token"]

    for token in (dev, ali):
        assert_error(_check(client, token), 400, code="channel_mismatch", field="channel")


# --- one Shanghai-calendar day for every date rule (issue 29, finding 7) ---------------


def _born_on_the_beijing_day(clock):
    from datetime import UTC, datetime

    from tests.helpers import make_id_number

    # 17:00 UTC on 7 December is 01:00 on 8 December in Beijing.
    clock.now = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
    return make_id_number("61011320261208123")


def test_a_wechat_real_name_check_takes_a_birth_date_of_the_beijing_today(client, wechat, clock):
    newborn = _born_on_the_beijing_day(clock)
    token = _wechat_login(client, wechat)
    wechat.post(REAL_NAME_URL, json=MATCH)

    checked = _check(client, token, id_number=newborn)

    assert checked.status_code == 200, checked.body
    assert body(checked)["vouched"] is True


def test_alipay_certifies_a_birth_date_of_the_beijing_today(client, alipay, clock):
    newborn = _born_on_the_beijing_day(clock)
    alipay.info = {**CERTIFIED, "cert_no": newborn}

    user = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))["user"]

    assert _vouched_hash(user["id"]) is not None
