"""WeChat and Alipay logins and phone binding, with their HTTP intercepted.

WeChat's HTTP goes through ``requests`` and is answered by the ``responses``
library with replies shaped like WeChat's; the Alipay gateway is handed a
stand-in transport (``urlopen``'s place) that checks our request's signature
with the app's public key and signs its answers like Alipay does, with key
pairs made for the test. Nothing leaves the machine.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from chalicelib.identity.alipay import AlipayGateway
from chalicelib.identity.wechat import DynamoTokenStorage, WeChatGateway
from tests.helpers import assert_error, body, declaration, get, login, make_id_number, post

APPID = "wx0123456789abcdef"
TOKEN_URL = "https://api.weixin.qq.com/cgi-bin/token"
SESSION_URL = "https://api.weixin.qq.com/sns/jscode2session"
PHONE_URL = "https://api.weixin.qq.com/wxa/business/getuserphonenumber"
SESSION_KEY = base64.b64encode(b"0123456789abcdef").decode()


# --- WeChat ------------------------------------------------------------------


@pytest.fixture
def wechat(container, clock):
    gateway = WeChatGateway(APPID, "wechat-app-secret", storage=DynamoTokenStorage(clock))
    container.auth.wechat = lambda: gateway
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(TOKEN_URL, json={"access_token": "ACCESS-1", "expires_in": 7200})
        yield mock


def _session_reply(mock, openid="oAbc123", unionid=None, **extra):
    payload = {"openid": openid, "session_key": SESSION_KEY, **extra}
    if unionid:
        payload["unionid"] = unionid
    mock.get(SESSION_URL, json=payload)


def _calls(mock, url):
    return [c for c in mock.calls if c.request.url.startswith(url)]


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


def _wechat_login(client, wechat, openid="oAbc123") -> str:
    _session_reply(wechat, openid=openid)
    return str(body(post(client, "/v1/auth/wechat", {"code": "c"}))["token"])


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


def _wechat_encrypt(payload: dict[str, Any], iv: bytes) -> str:
    padder = padding.PKCS7(128).padder()
    data = padder.update(json.dumps(payload).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(base64.b64decode(SESSION_KEY)), modes.CBC(iv)).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


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


# --- Alipay ------------------------------------------------------------------


def _keypair() -> tuple[rsa.RSAPrivateKey, str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # The bare base64 the Alipay console hands out, no PEM armour.
    return key, base64.b64encode(private).decode(), base64.b64encode(public).decode()


@pytest.fixture(scope="module")
def alipay_keys():
    return {"app": _keypair(), "alipay": _keypair(), "aes": os.urandom(16)}


def _alipay_sign(key: rsa.RSAPrivateKey, content: str) -> str:
    signature = key.sign(content.encode(), rsa_padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


class AlipayStandIn:
    """Answers like openapi.alipay.com/gateway.do, signing with 'Alipay's' key; a
    request the app's key did not sign is refused as Alipay refuses it."""

    def __init__(self, key: rsa.RSAPrivateKey, app_public: rsa.RSAPublicKey) -> None:
        self.key = key
        self.app_public = app_public
        self.requests: list[dict[str, list[str]]] = []
        self.reply: Any = {
            "user_id": "2088102104794936",
            "open_id": "074a1CcTG1LelxKe4xQC0z",
            "access_token": "authbseB",
            "expires_in": 3600,
        }
        self.node = "alipay_system_oauth_token_response"
        self.corrupt_signature = False
        # alipay.user.info.share: by default a user whose real name the app may not see.
        self.info: Any = {"code": "10000", "msg": "Success", "user_id": "2088102104794936"}
        self.info_node = "alipay_user_info_share_response"
        self.gateway: AlipayGateway | None = None

    def _signed(self, query: dict[str, list[str]]) -> bool:
        # Alipay's rule, written out independently of the app's: every other
        # non-empty parameter, sorted, k=v joined with &, SHA256withRSA.
        content = "&".join(f"{k}={v[0]}" for k, v in sorted(query.items()) if k != "sign")
        try:
            self.app_public.verify(
                base64.b64decode(query.get("sign", [""])[0]),
                content.encode(),
                rsa_padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    def __call__(self, url: str, timeout: float) -> Any:
        query = parse_qs(urlparse(url).query)  # parse_qs drops the empty values
        self.requests.append(query)
        reply, node = self.reply, self.node
        if query.get("method") == ["alipay.user.info.share"]:
            reply, node = self.info, self.info_node
        if not self._signed(query):
            reply, node = {"code": "40002", "sub_code": "isv.invalid-signature"}, "error_response"
        if isinstance(reply, BaseException):
            raise reply
        inner = json.dumps(reply, separators=(",", ":"))
        sign = _alipay_sign(self.key, inner + ("x" if self.corrupt_signature else ""))
        raw = f'{{"{node}":{inner},"sign":"{sign}"}}'

        class Reply:
            def read(self) -> bytes:
                return raw.encode()

        return Reply()


@pytest.fixture
def alipay(container, clock, alipay_keys):
    app_key, app_private, _ = alipay_keys["app"]
    alipay_key, _, alipay_public = alipay_keys["alipay"]
    stand_in = AlipayStandIn(alipay_key, app_key.public_key())
    gateway = AlipayGateway(
        "2021000000000001",
        app_private,
        alipay_public,
        alipay_keys["aes"],
        clock=clock,
        transport=stand_in,
    )
    container.auth.alipay = lambda: gateway
    stand_in.gateway = gateway
    return stand_in


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


def _alipay_phone(keys, plain: dict[str, Any]) -> dict[str, str]:
    padder = padding.PKCS7(128).padder()
    data = padder.update(json.dumps(plain).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(keys["aes"]), modes.CBC(b"\0" * 16)).encryptor()
    cipher_text = base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()
    return {
        "channel": "alipay",
        "response": cipher_text,
        "sign": _alipay_sign(keys["alipay"][0], f'"{cipher_text}"'),
        "sign_type": "RSA2",
    }


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


def test_wechat_and_alipay_with_one_verified_phone_are_one_account(
    client, wechat, alipay, alipay_keys
):
    wx_token = _wechat_login(client, wechat)
    wechat.post(
        PHONE_URL,
        json={"errcode": 0, "phone_info": {"purePhoneNumber": "13712345678", "countryCode": "86"}},
    )
    post(client, "/v1/me/phone", {"channel": "wechat", "code": "p"}, wx_token)
    wx_user = body(get(client, "/v1/me", wx_token))

    ali = body(post(client, "/v1/auth/alipay", {"auth_code": "a"}))
    assert ali["user"]["id"] != wx_user["id"]  # not yet: Alipay has not proven the phone
    proof = _alipay_phone(alipay_keys, {"code": "10000", "mobile": "13712345678"})
    joined = body(post(client, "/v1/me/phone", proof, ali["token"]))
    again = body(post(client, "/v1/auth/alipay", {"auth_code": "b"}))

    assert joined["id"] == wx_user["id"]
    assert body(get(client, "/v1/me", joined["session"]["token"]))["id"] == wx_user["id"]
    assert again["user"]["id"] == wx_user["id"]
    assert set(body(get(client, "/v1/me", again["token"]))["channels"]) == {"wechat", "alipay"}


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


# --- Alipay's certified real name vouches in an identity dispute -----------------------

OWNER_ID = make_id_number("61011319850101123")
CERTIFIED = {
    "code": "10000",
    "msg": "Success",
    "user_id": "2088102104794936",
    "is_certified": "T",
    "cert_type": "0",
    "cert_no": OWNER_ID,
    "user_name": "李四",
}


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

REAL_NAME_URL = "https://api.weixin.qq.com/intp/realname/checkrealnameinfo"
MATCH = {
    "errcode": 0,
    "errmsg": "ok",
    "verify_openid": "V_OP_NM_MA",
    "verify_real_name": "V_NM_ID_MA",
}


def _check(client, token, **overrides):
    payload = {"code": "consent-1", "name": "李四", "id_number": OWNER_ID, **overrides}
    return post(client, "/v1/me/real-name", payload, token)


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
