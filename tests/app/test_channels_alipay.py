"""Alipay logins and phone binding, and one account per person across channels.

The Alipay gateway is handed a stand-in transport that checks our request's
signature with the app's public key and signs its answers like Alipay does
(``AlipayStandIn`` in tests/app/channel_standins.py, the ``alipay`` fixture in
tests/app/conftest.py). Nothing leaves the machine.
"""

from __future__ import annotations

import pytest

from tests.app.channel_standins import (
    CERTIFIED,
    MATCH,
    PHONE_URL,
    REAL_NAME_URL,
    _alipay_phone,
    _alipay_sign,
    _check,
    _wechat_login,
)
from tests.helpers import assert_error, body, get, post

# --- Alipay ------------------------------------------------------------------


def test_alipay_login_signs_in_beijing_time_and_verifies_the_answer(client, alipay, alipay_keys):
    response = post(client, "/v1/auth/alipay", {"auth_code": "4b203fe6c11548bcabd8da5bb087a83b"})

    assert response.status_code == 200
    sent = alipay.requests[0]
    assert sent["method"] == ["alipay.system.oauth.token"]
    assert sent["grant_type"] == ["authorization_code"]
    assert sent["code"] == ["4b203fe6c11548bcabd8da5bb087a83b"]
    assert sent["timestamp"] == ["2026-11-20 10:00:00"]  # the clock is 02:00 UTC
    assert sent["sign_type"] == ["RSA2"] and sent["sign"]
    assert sent["app_id"] == ["2021000000000001"]
    assert (sent["format"], sent["charset"], sent["version"]) == (["JSON"], ["utf-8"], ["1.0"])
    assert alipay._signed(sent)


def test_a_request_alipay_cannot_verify_is_refused_there(client, alipay, alipay_keys):
    """The stand-in holds our signature to Alipay's rule: signed with another key, the
    login fails the way Alipay answers it (40002 isv.invalid-signature)."""
    other, _, _ = alipay_keys["alipay"]
    alipay.app_public = other.public_key()

    assert_error(
        post(client, "/v1/auth/alipay", {"auth_code": "x"}), 401, code="alipay_code_invalid"
    )


def test_alipay_user_id_and_open_id_lead_to_one_account(client, alipay):
    first = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))
    alipay.reply = {"open_id": "074a1CcTG1LelxKe4xQC0z"}  # the app moved to open_id only
    second = body(post(client, "/v1/auth/alipay", {"auth_code": "b"}))
    alipay.reply = {"user_id": "2088102104794936"}
    third = body(post(client, "/v1/auth/alipay", {"auth_code": "c"}))

    assert first["user"]["id"] == second["user"]["id"] == third["user"]["id"]


def test_alipay_rejected_code_is_401(client, alipay):
    alipay.node = "error_response"
    alipay.reply = {
        "code": "40002",
        "msg": "Invalid Arguments",
        "sub_code": "isv.code-invalid",
        "sub_msg": "授权码code无效",
    }

    assert_error(
        post(client, "/v1/auth/alipay", {"auth_code": "x"}), 401, code="alipay_code_invalid"
    )


def test_alipay_busy_is_503(client, alipay):
    alipay.node = "error_response"
    alipay.reply = {
        "code": "20000",
        "msg": "Service Currently Unavailable",
        "sub_code": "isp.unknow-error",
    }

    assert_error(
        post(client, "/v1/auth/alipay", {"auth_code": "x"}), 503, code="alipay_unavailable"
    )


@pytest.mark.parametrize("error", [TimeoutError("timed out"), ConnectionResetError()])
def test_alipay_timeout_is_503(client, alipay, error):
    alipay.reply = error

    assert_error(
        post(client, "/v1/auth/alipay", {"auth_code": "x"}), 503, code="alipay_unavailable"
    )


def test_an_answer_with_a_bad_signature_is_502_and_logs_no_one_in(client, alipay):
    from chalicelib.identity.store import IdentityRecord

    alipay.corrupt_signature = True

    assert_error(
        post(client, "/v1/auth/alipay", {"auth_code": "x"}), 502, code="alipay_bad_signature"
    )
    assert IdentityRecord.count() == 0


def test_bind_phone_from_alipay_encrypted_response(client, alipay, alipay_keys):
    token = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))["token"]
    proof = _alipay_phone(alipay_keys, {"code": "10000", "msg": "Success", "mobile": "13712345678"})

    response = post(client, "/v1/me/phone", proof, token)

    assert response.status_code == 200
    assert body(response)["phone_masked"] == "137****5678"


def test_alipay_phone_with_a_forged_signature_is_400(client, alipay, alipay_keys):
    token = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))["token"]
    proof = _alipay_phone(alipay_keys, {"code": "10000", "mobile": "13712345678"})
    proof["sign"] = _alipay_sign(alipay_keys["app"][0], f'"{proof["response"]}"')  # wrong key

    assert_error(post(client, "/v1/me/phone", proof, token), 400, field="sign")
    assert body(get(client, "/v1/me", token))["phone_bound"] is False


def test_alipay_refusing_the_phone_is_400(client, alipay, alipay_keys):
    token = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))["token"]
    proof = _alipay_phone(
        alipay_keys,
        {
            "code": "40003",
            "msg": "insufficient conditions",
            "sub_code": "isv.invalid-auth-relations",
        },
    )

    assert_error(post(client, "/v1/me/phone", proof, token), 400, code="alipay_phone_refused")


# --- one account per person ---------------------------------------------------


def test_wechat_and_alipay_of_one_vouched_person_with_one_phone_are_one_account(
    client, wechat, alipay, alipay_keys
):
    wx_token = _wechat_login(client, wechat)
    wechat.post(REAL_NAME_URL, json=MATCH)  # WeChat vouches for OWNER_ID
    assert body(_check(client, wx_token))["vouched"] is True
    wechat.post(
        PHONE_URL,
        json={"errcode": 0, "phone_info": {"purePhoneNumber": "13712345678", "countryCode": "86"}},
    )
    post(client, "/v1/me/phone", {"channel": "wechat", "code": "p"}, wx_token)
    wx_user = body(get(client, "/v1/me", wx_token))
    alipay.info = CERTIFIED  # and Alipay certifies the same number

    ali = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))
    assert ali["user"]["id"] != wx_user["id"]  # not yet: Alipay has not proven the phone
    proof = _alipay_phone(alipay_keys, {"code": "10000", "mobile": "13712345678"})
    joined = body(post(client, "/v1/me/phone", proof, ali["token"]))
    again = body(post(client, "/v1/auth/alipay", {"auth_code": "b"}))

    assert joined["id"] == wx_user["id"]
    assert body(get(client, "/v1/me", joined["session"]["token"]))["id"] == wx_user["id"]
    assert again["user"]["id"] == wx_user["id"]
    assert set(body(get(client, "/v1/me", again["token"]))["channels"]) == {"wechat", "alipay"}


def test_wechat_and_alipay_with_one_phone_but_no_shared_vouch_stay_two_accounts(
    client, wechat, alipay, alipay_keys
):
    # A reissued number (issue 29, finding 5): the phone moves, the account does not.
    wx_token = _wechat_login(client, wechat)
    wechat.post(
        PHONE_URL,
        json={"errcode": 0, "phone_info": {"purePhoneNumber": "13712345678", "countryCode": "86"}},
    )
    post(client, "/v1/me/phone", {"channel": "wechat", "code": "p"}, wx_token)
    wx_user = body(get(client, "/v1/me", wx_token))
    alipay.info = CERTIFIED  # Alipay vouches; the WeChat account never did

    ali = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))
    proof = _alipay_phone(alipay_keys, {"code": "10000", "mobile": "13712345678"})
    bound = body(post(client, "/v1/me/phone", proof, ali["token"]))

    assert bound["id"] == ali["user"]["id"] != wx_user["id"]
    assert "session" not in bound and bound["phone_bound"] is True
    wx_now = body(get(client, "/v1/me", wx_token))
    assert (wx_now["phone_bound"], wx_now["phone_stale"]) == (False, True)


# --- the Alipay phone proof is bound to its session and fresh (a closed debt) -------


def test_a_leaked_alipay_phone_proof_replayed_by_another_login_is_refused(
    client, alipay, alipay_keys
):
    owner = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))
    proof = _alipay_phone(alipay_keys, {"code": "10000", "mobile": "13712345678"})
    assert post(client, "/v1/me/phone", proof, owner["token"]).status_code == 200
    alipay.reply = {"user_id": "2088000000000666"}  # another Alipay account
    thief = body(post(client, "/v1/auth/alipay", {"auth_code": "b"}))

    replay = post(client, "/v1/me/phone", proof, thief["token"])

    assert_error(replay, 400, code="phone_proof_replayed", field="response")
    assert body(get(client, "/v1/me", thief["token"]))["id"] == thief["user"]["id"]
    assert body(get(client, "/v1/me", thief["token"]))["phone_bound"] is False
    # The same login sending its own proof again is not a replay.
    assert post(client, "/v1/me/phone", proof, owner["token"]).status_code == 200


def test_an_alipay_phone_proof_from_an_old_session_is_refused(client, alipay, alipay_keys, clock):
    from datetime import timedelta

    token = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))["token"]
    proof = _alipay_phone(alipay_keys, {"code": "10000", "mobile": "13712345678"})
    clock.now += timedelta(minutes=11)

    assert_error(post(client, "/v1/me/phone", proof, token), 400, code="phone_proof_stale")
    assert body(get(client, "/v1/me", token))["phone_bound"] is False
    fresh = body(post(client, "/v1/auth/alipay", {"auth_code": "b"}))["token"]
    assert post(client, "/v1/me/phone", proof, fresh).status_code == 200


def test_an_alipay_session_carries_no_user_id_or_open_id(client, alipay, alipay_keys):
    import base64

    token = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))["token"]
    payload = token.split(".")[1]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()

    assert "2088102104794936" not in decoded and "074a1CcTG1LelxKe4xQC0z" not in decoded
    proof = _alipay_phone(alipay_keys, {"code": "10000", "mobile": "13712345678"})
    assert post(client, "/v1/me/phone", proof, token).status_code == 200
