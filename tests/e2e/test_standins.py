"""The WeChat and Alipay stand-ins speak the wire format wechatpy and our Alipay gateway parse.

The stand-ins are served over HTTP on the loopback (``scripts/standins/``), and
the app's own gateways (``chalicelib/identity/wechat.py`` with wechatpy inside,
``alipay.py``) are pointed at them by base URL, as ``make run`` does. No
AWS here: wechatpy keeps its token in memory.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from wechatpy.session.memorystorage import MemoryStorage

from chalicelib.identity.alipay import AlipayGateway
from chalicelib.identity.wechat import WeChatGateway
from chalicelib.kernel.errors import (
    InvalidInput,
    Unauthenticated,
    UpstreamBadResponse,
    UpstreamUnavailable,
)
from scripts import standins
from scripts.localhttp import LocalHTTPServer
from scripts.standins import alipay as alipay_standin
from scripts.standins import wechat as wechat_standin

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[standins.StandIns, LocalHTTPServer]]:
    stand_ins = standins.create()
    server = standins.server(stand_ins).start()
    yield stand_ins, server
    server.stop()


def _wechat(running: Any, **overrides: Any) -> WeChatGateway:
    stand_ins, server = running
    creds = {**stand_ins.app_credentials["wechat"], **overrides}
    return WeChatGateway(
        creds["appid"],
        creds["secret"],
        storage=MemoryStorage(),
        api_base_url=standins.urls(server.url)["YIMA_WECHAT_API_URL"],
    )


def _alipay(running: Any, clock: Any = None, **overrides: Any) -> AlipayGateway:
    stand_ins, server = running
    creds = {**stand_ins.app_credentials["alipay"], **overrides}
    return AlipayGateway(
        creds["appid"],
        creds["app_private_key"],
        creds["alipay_public_key"],
        base64.b64decode(creds["aes_key"]),
        clock=clock or (lambda: datetime.now(UTC)),
        gateway_url=standins.urls(server.url)["YIMA_ALIPAY_GATEWAY_URL"],
    )


# --- WeChat ------------------------------------------------------------------------------


def test_a_wechat_test_code_logs_in_as_its_name(running):
    gateway = _wechat(running)

    first = gateway.code_to_session("wx-alice")
    again = gateway.code_to_session("wx-alice")
    other = gateway.code_to_session("wx-bob")

    assert first.openid == again.openid != other.openid
    assert first.openid == wechat_standin.openid_for(gateway.appid, "alice")
    assert len(first.openid) == 28
    assert len(base64.b64decode(first.session_key)) == 16


@pytest.mark.parametrize("code", ["081abc", "wx-", "wx-a b", "phone-13812345678"])
def test_other_wechat_codes_are_refused_as_wechat_refuses_them(running, code):
    with pytest.raises(Unauthenticated) as refused:
        _wechat(running).code_to_session(code)

    assert refused.value.code == "wechat_code_invalid"


def test_a_wechat_phone_code_releases_its_number_with_our_watermark(running):
    gateway = _wechat(running)

    assert gateway.phone_from_code("phone-13912345678") == ("86", "13912345678")
    with pytest.raises(InvalidInput):
        gateway.phone_from_code("phone-1391234567")


def test_the_wechat_access_token_is_fetched_and_checked(running):
    stand_ins, server = running
    api = standins.urls(server.url)["YIMA_WECHAT_API_URL"]
    creds = stand_ins.app_credentials["wechat"]
    token = requests.get(
        f"{api}cgi-bin/token",
        params={"grant_type": "client_credential", **creds},
        timeout=10,
    ).json()
    forged = requests.post(
        f"{api}wxa/business/getuserphonenumber?access_token=forged",
        json={"code": "phone-13912345678"},
        timeout=10,
    ).json()
    good = requests.post(
        f"{api}wxa/business/getuserphonenumber?access_token={token['access_token']}",
        json={"code": "phone-13912345678"},
        timeout=10,
    ).json()

    assert token["expires_in"] == 7200
    assert forged["errcode"] == 40001
    assert good["errcode"] == 0 and good["phone_info"]["watermark"]["appid"] == creds["appid"]


def test_wrong_wechat_credentials_are_refused(running):
    with pytest.raises(UpstreamUnavailable) as refused:
        _wechat(running, secret="0" * 32).code_to_session("wx-alice")

    assert refused.value.code == "wechat_misconfigured"


# --- Alipay ------------------------------------------------------------------------------


def test_an_alipay_test_code_logs_in_as_its_name_with_a_verified_answer(running):
    gateway = _alipay(running)

    first = gateway.oauth_token("ali-carol")
    again = gateway.oauth_token("ali-carol")

    assert first == again
    assert (first.user_id, first.open_id) == alipay_standin.user_for("carol")
    assert first.user_id is not None and first.user_id.startswith("2088")
    assert len(first.user_id) == 16


def test_other_alipay_codes_are_refused_as_alipay_refuses_them(running):
    with pytest.raises(Unauthenticated) as refused:
        _alipay(running).oauth_token("4b203fe6c11548bcabd8da5bb087a83b")

    assert refused.value.code == "alipay_code_invalid"


def test_the_alipay_answer_is_signed_by_the_stand_in_key(running):
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = stranger.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()

    with pytest.raises(UpstreamBadResponse) as refused:
        _alipay(running, alipay_public_key=pem).oauth_token("ali-carol")

    assert refused.value.code == "alipay_bad_signature"


def test_only_an_ali_id_test_user_has_a_certified_real_name(running):
    from tests.helpers import make_id_number

    number = make_id_number("11010519491231002")
    gateway = _alipay(running)
    certified = gateway.oauth_token(f"ali-id-{number}")
    plain = gateway.oauth_token("ali-carol")

    assert certified.access_token and plain.access_token
    assert gateway.certified_id_number(certified.access_token) == number
    assert gateway.certified_id_number(plain.access_token) is None
    assert gateway.certified_id_number("authusrB-forged") is None  # 20001, not a crash


def _gateway_call(running: Any, **params: str) -> dict[str, Any]:
    _, server = running
    url = standins.urls(server.url)["YIMA_ALIPAY_GATEWAY_URL"]
    answer = requests.get(f"{url}?{urlencode(params)}", timeout=10).json()
    return dict(answer)


def test_the_alipay_gateway_checks_the_request_signature_app_and_time(running):
    stand_ins, _ = running
    appid = stand_ins.app_credentials["alipay"]["appid"]
    stamp = datetime.now(UTC).astimezone(alipay_standin.BEIJING)
    base = {
        "app_id": appid,
        "method": "alipay.system.oauth.token",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": stamp.strftime("%Y-%m-%d %H:%M:%S"),
        "version": "1.0",
        "grant_type": "authorization_code",
        "code": "ali-carol",
    }

    unsigned = _gateway_call(running, **base, sign="bm90IGEgc2lnbmF0dXJl")
    wrong_app = _gateway_call(running, **{**base, "app_id": "2021000000000000"}, sign="x")

    assert unsigned["error_response"]["sub_code"] == "isv.invalid-signature"
    assert wrong_app["error_response"]["sub_code"] == "isv.invalid-app-id"
    assert "sign" in unsigned  # Alipay signs its errors too


def test_an_alipay_request_an_hour_old_is_refused(running):
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)

    with pytest.raises(Unauthenticated):  # 40002 isv.invalid-timestamp
        _alipay(running, clock=lambda: an_hour_ago).oauth_token("ali-carol")


def test_the_alipay_phone_proof_binds_through_the_app_s_checks(running):
    _, server = running
    proof = requests.post(
        f"{server.url}/alipay/phone", data=json.dumps({"mobile": "13712345678"}), timeout=10
    ).json()
    gateway = _alipay(running)

    assert gateway.phone_from_response(proof["response"], proof["sign"], "RSA2") == "13712345678"
    with pytest.raises(InvalidInput):
        gateway.phone_from_response(proof["response"], proof["sign"][:-4] + "AAAA", "RSA2")
    refused = requests.post(f"{server.url}/alipay/phone", data=b'{"mobile": "123"}', timeout=10)
    assert refused.status_code == 400


def test_provisioned_credentials_parse_as_the_app_s_secret():
    from chalicelib.kernel.secrets import parse_secret

    stand_ins = standins.create()
    document = {
        "hash_key": base64.b64encode(b"k" * 32).decode(),
        "session_keys": {"s1": base64.b64encode(b"s" * 32).decode()},
        "session_active": "s1",
        **stand_ins.app_credentials,
    }

    secrets = parse_secret(json.dumps(document))

    assert secrets.wechat is not None and secrets.wechat.appid == stand_ins.wechat.appid
    assert secrets.alipay is not None and secrets.alipay.appid == stand_ins.alipay.appid
