"""Alipay's gateway protocol as ``chalicelib/identity/alipay.py`` speaks it without the
SDK: the RSA2 signature (held to OpenSSL's, through ``cryptography``, the tests' second
implementation), the string it signs, the signed request, the exact span of the answer
that Alipay signed, and what happens to an answer that does not verify."""

from __future__ import annotations

import base64
import http.client
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import parse_qsl, urlparse

import pytest
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.identity.alipay import (
    AlipayGateway,
    member_text,
    rsa2_sign,
    rsa2_verify,
    signing_string,
)
from chalicelib.kernel.errors import Unauthenticated, UpstreamBadResponse, UpstreamUnavailable

ROOT = Path(__file__).resolve().parents[2]
APPID = "2021000000000001"
NODE = "alipay_system_oauth_token_response"
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    app = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    alipay = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = serialization.Encoding.PEM
    return {
        "app": app,
        "alipay": alipay,
        "app_pem": app.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        "alipay_public_pem": alipay.public_key()
        .public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
    }


def _openssl_sign(key: rsa.RSAPrivateKey, content: str) -> str:
    signature = key.sign(content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


class Gateway:
    """Answers one call with ``raw`` (the HTTP body), recording the URL asked."""

    def __init__(self, raw: str | bytes | BaseException) -> None:
        self.raw = raw
        self.urls: list[str] = []

    def __call__(self, url: str, timeout: float) -> Any:
        self.urls.append(url)
        raw = self.raw
        if isinstance(raw, BaseException):
            raise raw

        class Reply:
            def read(self) -> bytes:
                return raw if isinstance(raw, bytes) else raw.encode("utf-8")

        return Reply()


def _gateway(keys: dict[str, Any], transport: Gateway) -> AlipayGateway:
    return AlipayGateway(
        APPID,
        keys["app_pem"],
        keys["alipay_public_pem"],
        b"0" * 16,
        clock=lambda: NOW,
        transport=transport,
    )


def _signed_answer(keys: dict[str, Any], inner: str, node: str = NODE) -> str:
    return f'{{"{node}":{inner},"sign":"{_openssl_sign(keys["alipay"], inner)}"}}'


# --- the signature --------------------------------------------------------------------


def test_rsa2_is_openssls_sha256_with_rsa_pkcs1_v1_5(keys):
    ours = RSA.import_key(keys["app_pem"])
    content = 'app_id=2021000000000001&biz_content={"名":"张三"}&method=alipay.x'

    signature = rsa2_sign(ours, content)

    assert "\n" not in signature
    assert signature == _openssl_sign(keys["app"], content)  # PKCS#1 v1.5 is deterministic
    keys["app"].public_key().verify(
        base64.b64decode(signature), content.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    pkcs1_15.new(ours.public_key()).verify(
        SHA256.new(content.encode()), base64.b64decode(signature)
    )


def test_rsa2_verify_takes_openssls_signature_and_refuses_any_change(keys):
    public = RSA.import_key(keys["alipay_public_pem"])
    content = '{"user_id":"2088102104794936"}'
    signature = _openssl_sign(keys["alipay"], content)

    assert rsa2_verify(public, content, signature)
    assert not rsa2_verify(public, content.replace("4936", "4937"), signature)
    raw = bytearray(base64.b64decode(signature))
    raw[100] ^= 0x01
    assert not rsa2_verify(public, content, base64.b64encode(bytes(raw)).decode())
    assert not rsa2_verify(public, content, _openssl_sign(keys["app"], content))  # wrong key
    for junk in ("", "not base64!", "QUJD", "=" * 7):
        assert not rsa2_verify(public, content, junk)


# --- what is signed -------------------------------------------------------------------


def test_the_signing_string_is_the_non_empty_parameters_sorted_and_not_url_encoded():
    params = {
        "timestamp": "2026-11-20 10:00:00",
        "method": "alipay.system.oauth.token",
        "sign": "whatever was there",
        "app_id": APPID,
        "code": "4b20+3fe6/c1=&x",
        "refresh_token": "",
        "biz_content": '{"b":1,"a":"张"}',
        "charset": "utf-8",
    }

    assert signing_string(params) == (
        'app_id=2021000000000001&biz_content={"b":1,"a":"张"}&charset=utf-8'
        "&code=4b20+3fe6/c1=&x&method=alipay.system.oauth.token"
        "&timestamp=2026-11-20 10:00:00"
    )


def test_a_request_carries_the_common_parameters_and_the_signature_over_them(keys):
    url = _gateway(keys, Gateway("")).request_url(
        "alipay.system.oauth.token", grant_type="authorization_code", code="4b20 张+/"
    )

    assert url.startswith("https://openapi.alipay.com/gateway.do?")
    sent = dict(parse_qsl(urlparse(url).query, keep_blank_values=True))
    sign = sent.pop("sign")
    assert sent == {
        "app_id": APPID,
        "method": "alipay.system.oauth.token",
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": "2026-11-20 10:00:00",
        "version": "1.0",
        "grant_type": "authorization_code",
        "code": "4b20 张+/",
    }
    content = (
        "app_id=2021000000000001&charset=utf-8&code=4b20 张+/&format=JSON"
        "&grant_type=authorization_code&method=alipay.system.oauth.token&sign_type=RSA2"
        "&timestamp=2026-11-20 10:00:00&version=1.0"
    )
    keys["app"].public_key().verify(
        base64.b64decode(sign), content.encode(), padding.PKCS1v15(), hashes.SHA256()
    )


def test_an_empty_parameter_is_neither_sent_nor_signed(keys):
    url = _gateway(keys, Gateway("")).request_url("alipay.user.info.share", auth_token="")

    assert "auth_token" not in dict(parse_qsl(urlparse(url).query, keep_blank_values=True))


def test_a_public_key_in_place_of_the_apps_private_key_is_refused_at_once(keys):
    with pytest.raises(ValueError, match="private"):
        AlipayGateway(
            APPID,
            keys["alipay_public_pem"],
            keys["alipay_public_pem"],
            b"0" * 16,
            clock=lambda: NOW,
        )


# --- the signed span of an answer -----------------------------------------------------


@pytest.mark.parametrize(
    "inner",
    [
        '{"user_id":"2088","nested":{"a":{"b":[1,{"c":"}"}]}}}',
        '{"msg":"}{ \\" {{"}',  # braces and an escaped quote inside a string
        '{"user_name":"张三","city":"\\u897f\\u5b89"}',  # raw and escaped unicode
        '{ "spaced" : [ 1 , 2 ] ,\n\t"x" : null }',
        '{"url":"https:\\/\\/example.invalid\\/"}',  # an escape json.dumps never writes
        "{}",
    ],
)
def test_the_span_is_the_members_text_exactly_as_sent(inner):
    raw = f' {{ "other" : {{"{NODE}":"a decoy"}}, "{NODE}" : {inner} , "sign":"x" }} '

    assert member_text(raw, NODE) == inner
    assert json.loads(member_text(raw, NODE)) == json.loads(raw)[NODE]
    assert member_text(raw, "sign") == '"x"'
    assert member_text(raw, "absent") is None


@pytest.mark.parametrize(
    "raw",
    [
        f'{{"{NODE}":{{"a":1}},"{NODE}":{{"a":2}}}}',  # which one would a parser read?
        f'{{"{NODE}":{{"a":1}}}} trailing',
        f'[{{"{NODE}":{{}}}}]',
        f'{{"{NODE}":{{"a":1}},}}',
        f'{{"{NODE}" {{"a":1}}}}',
        f'{{"{NODE}":{{"a":1}}',
        "",
    ],
)
def test_a_text_that_is_not_one_object_naming_the_member_once_is_refused(raw):
    with pytest.raises(ValueError):
        member_text(raw, NODE)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)


@given(
    st.dictionaries(st.text(), _JSON, max_size=4),
    _JSON,
    st.booleans(),
    st.sampled_from([None, 1]),
)
def test_the_span_parses_to_what_a_json_parser_reads_there(others, value, ascii_only, indent):
    document = {k: v for k, v in others.items() if k != NODE} | {NODE: value}
    raw = json.dumps(document, ensure_ascii=ascii_only, indent=indent)

    text = member_text(raw, NODE)

    assert text is not None and json.loads(text) == value
    assert text in raw


# --- answers, trusted or not ----------------------------------------------------------


def test_a_signed_answer_is_read_from_its_signed_span(keys):
    inner = '{"user_id":"2088102104794936","open_id":"074a","access_token":"authbseB","n":"}{"}'
    gateway = _gateway(keys, Gateway(_signed_answer(keys, inner)))

    user = gateway.oauth_token("4b203fe6")

    assert (user.user_id, user.open_id, user.access_token) == (
        "2088102104794936",
        "074a",
        "authbseB",
    )


USER = '{"user_id":"2088102104794936","access_token":"authbseB"}'
OTHER = USER.replace("4936", "0666")


def _sig(keys: dict[str, Any], inner: str) -> str:
    return _openssl_sign(keys["alipay"], inner)


BAD_SIGNATURE, UNREADABLE = "alipay_bad_signature", "alipay_bad_response"


@pytest.mark.parametrize(
    ("tampered", "code"),
    [
        (lambda k: _signed_answer(k, USER).replace('4936"', '4937"'), BAD_SIGNATURE),
        (lambda k: _signed_answer(k, USER).replace('"user_id"', ' "user_id"'), BAD_SIGNATURE),
        (lambda k: _signed_answer(k, USER).replace('"sign":"', '"sign":"AAAA'), BAD_SIGNATURE),
        # The signature is over another member; ours is not what Alipay signed.
        (lambda k: f'{{"decoy":{USER},"{NODE}":{OTHER},"sign":"{_sig(k, USER)}"}}', BAD_SIGNATURE),
        # The signed member twice: the verified copy is not the one a parser keeps.
        (lambda k: f'{{"{NODE}":{USER},"{NODE}":{OTHER},"sign":"{_sig(k, USER)}"}}', UNREADABLE),
    ],
)
def test_a_tampered_answer_is_refused_as_untrusted(keys, tampered, code):
    with pytest.raises(UpstreamBadResponse) as refused:
        _gateway(keys, Gateway(tampered(keys))).oauth_token("4b203fe6")

    assert refused.value.code == code


def test_an_answer_signed_by_another_key_is_refused(keys):
    inner = '{"user_id":"2088102104794936"}'
    raw = f'{{"{NODE}":{inner},"sign":"{_openssl_sign(keys["app"], inner)}"}}'

    with pytest.raises(UpstreamBadResponse) as refused:
        _gateway(keys, Gateway(raw)).oauth_token("4b203fe6")

    assert refused.value.code == "alipay_bad_signature"


def test_an_unsigned_answer_that_is_not_a_refusal_is_untrusted(keys):
    raw = f'{{"{NODE}":{{"user_id":"2088102104794936","access_token":"authbseB"}}}}'

    with pytest.raises(UpstreamBadResponse) as refused:
        _gateway(keys, Gateway(raw)).oauth_token("4b203fe6")

    assert refused.value.code == "alipay_bad_signature"


@pytest.mark.parametrize(
    ("error", "expected", "code"),
    [
        ({"code": "40002", "sub_code": "isv.code-invalid"}, Unauthenticated, "alipay_code_invalid"),
        ({"code": "40004", "sub_code": "isv.code-used"}, Unauthenticated, "alipay_code_invalid"),
        (
            {"code": "20000", "sub_code": "isp.unknow-error"},
            UpstreamUnavailable,
            "alipay_unavailable",
        ),
        (
            {"code": "20001", "sub_code": "aop.invalid-auth-token"},
            UpstreamUnavailable,
            "alipay_unavailable",
        ),
    ],
)
# A signed refusal in the method's own node is the method's answer, which the method
# reads (alipay.user.info.share's code, below) rather than a failed call.
@pytest.mark.parametrize(
    ("node", "signed"), [("error_response", True), ("error_response", False), (NODE, False)]
)
def test_alipays_refusals_map_to_our_errors_signed_or_not(
    keys, error, expected, code, node, signed
):
    inner = json.dumps(error)
    raw = _signed_answer(keys, inner, node) if signed else f'{{"{node}":{inner}}}'

    with pytest.raises(expected) as refused:
        _gateway(keys, Gateway(raw)).oauth_token("4b203fe6")

    assert refused.value.code == code


@pytest.mark.parametrize(
    "raw",
    [
        b"<html>502 Bad Gateway</html>",
        b"\xff\xfe not utf-8",
        b"[]",
        b'{"sign":"x"}',  # signed, but no answer to our method
        b'{"error_response":"busy"}',
        b'{"something_else":{}}',
    ],
)
def test_an_answer_we_cannot_read_is_502(keys, raw):
    with pytest.raises(UpstreamBadResponse) as refused:
        _gateway(keys, Gateway(raw)).oauth_token("4b203fe6")

    assert refused.value.code == "alipay_bad_response"


def test_a_signed_answer_without_a_user_is_502(keys):
    gateway = _gateway(keys, Gateway(_signed_answer(keys, '{"code":"10000"}')))

    with pytest.raises(UpstreamBadResponse) as refused:
        gateway.oauth_token("4b203fe6")

    assert refused.value.code == "alipay_bad_response"


@pytest.mark.parametrize(
    "error",
    [
        TimeoutError("timed out"),
        ConnectionResetError(),
        OSError("no route to host"),
        URLError("name or service not known"),
        http.client.IncompleteRead(b"{"),
    ],
)
def test_alipay_out_of_reach_is_503(keys, error):
    with pytest.raises(UpstreamUnavailable) as refused:
        _gateway(keys, Gateway(error)).oauth_token("4b203fe6")

    assert refused.value.code == "alipay_unavailable"


# --- python-alipay-sdk is not needed -----------------------------------------------------

WITHOUT_SDK = """
import sys
for name in ("alipay", "OpenSSL", "cryptography"):
    sys.modules[name] = None  # any import of them now raises ImportError
from datetime import datetime, timezone
from Crypto.PublicKey import RSA
from chalicelib.identity.alipay import AlipayGateway
app, ali = RSA.generate(2048), RSA.generate(2048)
gateway = AlipayGateway("2021", app.export_key().decode(), ali.public_key().export_key().decode(),
                        b"0" * 16, clock=lambda: datetime(2026, 11, 20, tzinfo=timezone.utc))
assert "sign=" in gateway.request_url("alipay.system.oauth.token", code="x")
loaded = {m.split(".")[0] for m in sys.modules if sys.modules[m] is not None}
assert not loaded & {"alipay", "OpenSSL", "cryptography"}, loaded
print("ok")
"""


def test_the_adapter_imports_and_signs_without_the_sdk_pyopenssl_or_cryptography():
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_SDK],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
