"""WeChat logins and phone binding, with WeChat's HTTP intercepted.

WeChat's HTTP goes through ``requests`` and is answered by the ``responses``
library with replies shaped like WeChat's (tests/app/channel_standins.py, the
``wechat`` fixture in tests/app/conftest.py). Alipay's logins are in
test_channels_alipay.py, the real-name checks of both in test_channels_real_name.py.
"""

from __future__ import annotations

import base64
import json
import os
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses

from chalicelib.identity.wechat import DynamoTokenStorage, WeChatGateway
from tests.app.channel_standins import (
    APPID,
    PHONE_URL,
    SESSION_KEY,
    SESSION_URL,
    TOKEN_URL,
    _calls,
    _session_reply,
    _wechat_encrypt,
    _wechat_login,
)
from tests.helpers import assert_error, body, get, post

# --- WeChat ------------------------------------------------------------------


def test_wechat_login_creates_a_citizen_session(client, wechat):
    _session_reply(wechat)

    response = post(client, "/v1/auth/wechat", {"code": "081abc"})

    assert response.status_code == 200
    payload = body(response)
    assert payload["role"] == "citizen"
    assert payload["user"]["phone_bound"] is False
    assert SESSION_KEY not in response.body.decode()
    sent = parse_qs(urlparse(_calls(wechat, SESSION_URL)[0].request.url).query)
    assert sent["js_code"] == ["081abc"] and sent["appid"] == [APPID]


def test_the_same_openid_logs_into_the_same_account(client, wechat):
    _session_reply(wechat)

    first = body(post(client, "/v1/auth/wechat", {"code": "a"}))
    second = body(post(client, "/v1/auth/wechat", {"code": "b"}))

    assert first["user"]["id"] == second["user"]["id"]


def test_session_key_is_stored_encrypted(client, wechat):
    from chalicelib.identity.store import IdentityRecord

    _session_reply(wechat)
    post(client, "/v1/auth/wechat", {"code": "a"})

    record = IdentityRecord.get(f"wechat:{APPID}:oAbc123")
    assert record.session_key_enc and SESSION_KEY not in record.session_key_enc


def test_the_access_token_is_fetched_once_and_shared_by_containers(
    client, wechat, container, clock
):
    _session_reply(wechat)
    post(client, "/v1/auth/wechat", {"code": "a"})
    # A second Lambda container: a new gateway, the same DynamoDB token store.
    fresh = WeChatGateway(APPID, "wechat-app-secret", storage=DynamoTokenStorage(clock))
    container.auth.wechat = lambda: fresh
    post(client, "/v1/auth/wechat", {"code": "b"})

    assert len(_calls(wechat, TOKEN_URL)) == 1
    tokens = [
        parse_qs(urlparse(c.request.url).query)["access_token"] for c in _calls(wechat, SESSION_URL)
    ]
    assert tokens == [["ACCESS-1"], ["ACCESS-1"]]


def test_an_expired_shared_token_is_refreshed(client, wechat, clock):
    from datetime import timedelta

    _session_reply(wechat)
    post(client, "/v1/auth/wechat", {"code": "a"})
    clock.now += timedelta(hours=2)
    post(client, "/v1/auth/wechat", {"code": "b"})

    assert len(_calls(wechat, TOKEN_URL)) == 2


@pytest.mark.parametrize("errcode", [40029, 40163])
def test_a_code_wechat_rejects_is_401(client, wechat, errcode):
    from chalicelib.identity.store import IdentityRecord

    wechat.get(SESSION_URL, json={"errcode": errcode, "errmsg": "invalid code"})

    assert_error(post(client, "/v1/auth/wechat", {"code": "bad"}), 401, code="wechat_code_invalid")
    assert IdentityRecord.count() == 0


@pytest.mark.parametrize(
    "reply",
    [
        {"json": {"errcode": -1, "errmsg": "system error"}},
        {"json": {"errcode": 45011, "errmsg": "api minute-quota reach limit"}},
        {"body": requests.exceptions.ConnectTimeout("timed out")},
        {"body": requests.exceptions.ConnectionError("unreachable")},
        {"status": 502, "body": "Bad Gateway"},
        {"body": "<html>not json</html>"},
    ],
)
def test_wechat_down_or_busy_is_503_never_500(client, wechat, reply):
    wechat.get(SESSION_URL, **reply)

    assert_error(post(client, "/v1/auth/wechat", {"code": "x"}), 503, code="wechat_unavailable")


def test_credentials_wechat_refuses_are_503_for_the_operator(client, container, clock):
    gateway = WeChatGateway(APPID, "wrong", storage=DynamoTokenStorage(clock))
    container.auth.wechat = lambda: gateway
    with responses.RequestsMock() as mock:
        mock.get(TOKEN_URL, json={"errcode": 40125, "errmsg": "invalid appsecret"})
        response = post(client, "/v1/auth/wechat", {"code": "x"})

    assert_error(response, 503, code="wechat_misconfigured")


def test_unconfigured_wechat_is_503(client):
    assert_error(post(client, "/v1/auth/wechat", {"code": "x"}), 503, code="channel_not_configured")


@pytest.mark.parametrize("payload", [{}, {"code": ""}, {"code": 5}, {"code": "a", "x": 1}])
def test_bad_login_bodies_are_400(client, payload):
    response = post(client, "/v1/auth/wechat", payload)

    assert response.status_code == 400
    assert_error(response, 400)


def test_bind_phone_from_a_wechat_phone_code(client, wechat):
    token = _wechat_login(client, wechat)
    wechat.post(
        PHONE_URL,
        json={
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": "13812345678",
                "purePhoneNumber": "13812345678",
                "countryCode": "86",
                "watermark": {"timestamp": 1795000000, "appid": APPID},
            },
        },
    )

    response = post(client, "/v1/me/phone", {"channel": "wechat", "code": "phonecode"}, token)

    assert response.status_code == 200
    assert body(response)["phone_masked"] == "138****5678"
    assert "session" not in body(response)  # same account: the current token stays valid
    assert json.loads(_calls(wechat, PHONE_URL)[0].request.body) == {"code": "phonecode"}
    assert body(get(client, "/v1/me", token))["phone_bound"] is True


def test_a_bad_phone_code_is_400(client, wechat):
    token = _wechat_login(client, wechat)
    wechat.post(PHONE_URL, json={"errcode": 40029, "errmsg": "invalid code"})

    assert_error(
        post(client, "/v1/me/phone", {"channel": "wechat", "code": "x"}, token), 400, field="code"
    )


def test_a_foreign_phone_number_is_refused(client, wechat):
    token = _wechat_login(client, wechat)
    wechat.post(
        PHONE_URL,
        json={"errcode": 0, "phone_info": {"purePhoneNumber": "91234567", "countryCode": "852"}},
    )

    assert_error(
        post(client, "/v1/me/phone", {"channel": "wechat", "code": "x"}, token),
        400,
        code="phone_not_mainland",
    )


def test_bind_phone_from_legacy_encrypted_data(client, wechat):
    token = _wechat_login(client, wechat)
    iv = os.urandom(16)
    sealed = _wechat_encrypt(
        {
            "phoneNumber": "13912345678",
            "purePhoneNumber": "13912345678",
            "countryCode": "86",
            "watermark": {"appid": APPID},
        },
        iv,
    )

    response = post(
        client,
        "/v1/me/phone",
        {"channel": "wechat", "encrypted_data": sealed, "iv": base64.b64encode(iv).decode()},
        token,
    )

    assert response.status_code == 200
    assert body(response)["phone_masked"] == "139****5678"


@pytest.mark.parametrize("tamper", ["other_app", "garbage", "bad_iv"])
def test_encrypted_data_that_does_not_decrypt_is_400(client, wechat, tamper):
    token = _wechat_login(client, wechat)
    iv = os.urandom(16)
    appid = "wxother" if tamper == "other_app" else APPID
    sealed = _wechat_encrypt(
        {"purePhoneNumber": "13912345678", "countryCode": "86", "watermark": {"appid": appid}}, iv
    )
    if tamper == "garbage":
        sealed = base64.b64encode(os.urandom(48)).decode()
    iv_text = "not base64!" if tamper == "bad_iv" else base64.b64encode(iv).decode()

    response = post(
        client,
        "/v1/me/phone",
        {"channel": "wechat", "encrypted_data": sealed, "iv": iv_text},
        token,
    )

    assert_error(response, 400, field="encrypted_data")


def test_a_dev_session_cannot_bind_through_wechat(client, wechat):
    token = body(post(client, "/v1/auth/dev", {"subject": "d"}))["token"]

    assert_error(
        post(client, "/v1/me/phone", {"channel": "wechat", "code": "x"}, token),
        400,
        code="channel_mismatch",
    )


def test_wechat_phone_needs_a_code_or_encrypted_data(client, wechat):
    token = _wechat_login(client, wechat)

    assert_error(
        post(client, "/v1/me/phone", {"channel": "wechat"}, token), 400, code="missing_field"
    )


def test_a_wechat_session_carries_no_openid_and_still_binds_the_phone(client, wechat):
    token = _wechat_login(client, wechat, openid="oSecretOpenid777")
    payload = token.split(".")[1]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()

    assert "oSecretOpenid777" not in decoded and APPID not in decoded
    wechat.post(
        PHONE_URL,
        json={"errcode": 0, "phone_info": {"purePhoneNumber": "13812345678", "countryCode": "86"}},
    )
    response = post(client, "/v1/me/phone", {"channel": "wechat", "code": "p"}, token)
    assert response.status_code == 200, response.body  # the server resolved the login
