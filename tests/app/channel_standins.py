"""WeChat and Alipay as the channel tests see them, nothing leaving the machine.

WeChat's HTTP goes through ``requests`` and is answered by the ``responses``
library with replies shaped like WeChat's (its URLs and helpers to queue a
``jscode2session`` reply and log in); the Alipay gateway is handed
``AlipayStandIn``, a transport (``urlopen``'s place) that checks our request's
signature with the app's public key and signs its answers like Alipay does,
with key pairs made for the test. The fixtures that install them, ``wechat``,
``alipay`` and ``alipay_keys``, are in tests/app/conftest.py.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlparse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from chalicelib.identity.alipay import AlipayGateway
from tests.helpers import body, make_id_number, post

APPID = "wx0123456789abcdef"
TOKEN_URL = "https://api.weixin.qq.com/cgi-bin/token"
SESSION_URL = "https://api.weixin.qq.com/sns/jscode2session"
PHONE_URL = "https://api.weixin.qq.com/wxa/business/getuserphonenumber"
SESSION_KEY = base64.b64encode(b"0123456789abcdef").decode()


def _session_reply(mock, openid="oAbc123", unionid=None, **extra):
    payload = {"openid": openid, "session_key": SESSION_KEY, **extra}
    if unionid:
        payload["unionid"] = unionid
    mock.get(SESSION_URL, json=payload)


def _calls(mock, url):
    return [c for c in mock.calls if c.request.url.startswith(url)]


def _wechat_login(client, wechat, openid="oAbc123") -> str:
    _session_reply(wechat, openid=openid)
    return str(body(post(client, "/v1/auth/wechat", {"code": "c"}))["token"])


def _wechat_encrypt(payload: dict[str, Any], iv: bytes) -> str:
    padder = padding.PKCS7(128).padder()
    data = padder.update(json.dumps(payload).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(base64.b64decode(SESSION_KEY)), modes.CBC(iv)).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


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
