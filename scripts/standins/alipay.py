"""A stand-in for Alipay's open platform gateway (``openapi.alipay.com/gateway.do``).

It speaks the wire format Alipay's gateway speaks (and ``chalicelib/identity/alipay.py``
sends and parses), with ``cryptography`` (a development requirement) on its side, so
the app's RSA2 and the stand-in's are two implementations checking each other:

- the request is ``GET gateway.do?app_id=&method=&format=JSON&charset=utf-8&sign_type=RSA2&
  timestamp=&version=1.0&...&sign=``; the stand-in checks the app
  id and the RSA2 signature (SHA256withRSA over the other parameters sorted by
  name, ``k=v`` joined with ``&``, verified with the app's public key) and the
  timestamp (Beijing time, within 15 minutes), as Alipay does;
- the answer is ``{"alipay_system_oauth_token_response": {...}, "sign": "..."}``
  where ``sign`` is SHA256withRSA, by "Alipay's" private key, over the exact
  text of the response object; failures are ``{"error_response": {"code",
  "msg", "sub_code", "sub_msg"}, "sign": ...}`` with Alipay's codes
  (``40002`` / ``isv.code-invalid`` for a code that is not a test code).

Test codes (README, "Logging in locally"): ``ali-<name>`` logs in as the
Alipay user that ``<name>`` always maps to, one whose real name Alipay has not
certified; ``ali-id-<ID number>`` logs in as the user Alipay certified with that
18-character ID-card number. ``alipay.user.info.share`` (with the
``auth_token`` the login's ``access_token`` gave) answers the certified fields
(``is_certified``, ``cert_type`` ``0``, ``cert_no``) for the second kind only.

``POST /alipay/phone {"mobile": "13712345678"}`` plays the mini-program's
``my.getPhoneNumber``: it answers ``{"response", "sign", "sign_type": "RSA2"}``
(the fields of the mini-program's answer that ``POST /v1/me/phone`` takes),
the phone data AES-encrypted with the app's content key (AES-CBC, zero IV,
PKCS#7) and signed by Alipay over ``"<response>"``, ready for
``POST /v1/me/phone`` with ``"channel": "alipay"``.

https://opendocs.alipay.com/open/02ailc (alipay.system.oauth.token)
https://opendocs.alipay.com/common/02mse7 (signing), https://opendocs.alipay.com/common/02mse3 (AES)
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from scripts.localhttp import Reply, Request, json_reply

PREFIX = "/alipay/"
GATEWAY = PREFIX + "gateway.do"  # YIMA_ALIPAY_GATEWAY_URL points here
LOGIN_CODE = re.compile(r"^ali-([A-Za-z0-9_.-]{1,64})$")
CERTIFIED_NAME = re.compile(r"^id-(\d{17}[\dX])$")
PHONE = re.compile(r"^1[3-9]\d{9}$")
BEIJING = timezone(timedelta(hours=8))
_CLOCK_SKEW = timedelta(minutes=15)


def user_for(name: str) -> tuple[str, str]:
    """The (user_id, open_id) a test name logs in as: an Alipay-shaped 2088... id."""
    digest = hashlib.sha256(f"alipay:{name}".encode()).digest()
    user_id = "2088" + str(int.from_bytes(digest[:8], "big") % 10**12).zfill(12)
    open_id = "0" + base64.b32encode(digest[8:28]).decode().lower()[:29]
    return user_id, open_id


def sign(key: RSAPrivateKey, content: str) -> str:
    signature = key.sign(content.encode("utf-8"), rsa_padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


class AlipayStandIn:
    """A :data:`scripts.localhttp.Handler` for ``/alipay/...``."""

    def __init__(
        self,
        appid: str,
        app_public_key: RSAPublicKey,
        alipay_private_key: RSAPrivateKey,
        aes_key: bytes,
    ) -> None:
        self.appid = appid
        self._app_public = app_public_key
        self._key = alipay_private_key
        self._aes_key = aes_key
        self._tokens: dict[str, str] = {}  # access_token -> test name

    @property
    def alipay_public_key_pem(self) -> str:
        return (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def __call__(self, request: Request) -> Reply | None:
        if not request.path.startswith(PREFIX):
            return None
        if request.path == GATEWAY and request.method in ("GET", "POST"):
            return self._gateway(request)
        if request.path == PREFIX + "phone" and request.method == "POST":
            return self._phone(request)
        return json_reply(404, {"error": "no such stand-in path"})

    # -- the gateway ----------------------------------------------------------------

    def _gateway(self, request: Request) -> Reply:
        params = {k: v[0] for k, v in request.query.items()}
        if request.method == "POST" and request.body:  # the form-encoded variant
            from urllib.parse import parse_qs

            form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
            params.update({k: v[0] for k, v in form.items()})
        method = params.get("method", "")
        node = method.replace(".", "_") + "_response" if method else "error_response"
        if params.get("app_id") != self.appid:
            return self._refuse("isv.invalid-app-id", "无效的AppID参数")
        if params.get("sign_type") != "RSA2" or not self._signed(params):
            return self._refuse("isv.invalid-signature", "验签出错")
        if not self._fresh(params.get("timestamp", "")):
            return self._refuse("isv.invalid-timestamp", "非法的时间戳参数")
        if method == "alipay.user.info.share":
            return self._user_info(node, params.get("auth_token", ""))
        if method != "alipay.system.oauth.token":
            return self._refuse("isv.invalid-method", "不存在的方法名", code="40004")
        if params.get("grant_type") != "authorization_code":
            return self._refuse("isv.grant-type-invalid", "grant_type参数不正确")
        match = LOGIN_CODE.match(params.get("code", ""))
        if match is None:
            return self._refuse("isv.code-invalid", "授权码code无效")
        user_id, open_id = user_for(match.group(1))
        now = datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        access_token = "authusrB" + secrets.token_hex(16)
        self._tokens[access_token] = match.group(1)
        return self._answer(
            node,
            {
                "user_id": user_id,
                "open_id": open_id,
                "access_token": access_token,
                "expires_in": 1296000,
                "refresh_token": "authusrB" + secrets.token_hex(16),
                "re_expires_in": 2592000,
                "auth_start": now,
            },
        )

    def _user_info(self, node: str, auth_token: str) -> Reply:
        name = self._tokens.get(auth_token)
        if name is None:
            return self._refuse("aop.invalid-auth-token", "无效的访问令牌", code="20001")
        user_id, _ = user_for(name)
        info: dict[str, object] = {"code": "10000", "msg": "Success", "user_id": user_id}
        certified = CERTIFIED_NAME.match(name)
        if certified is not None:
            info.update(is_certified="T", cert_type="0", cert_no=certified.group(1))
        return self._answer(node, info)

    def _signed(self, params: dict[str, str]) -> bool:
        signature = params.get("sign", "")
        content = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v)
        try:
            self._app_public.verify(
                base64.b64decode(signature),
                content.encode("utf-8"),
                rsa_padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    @staticmethod
    def _fresh(stamp: str) -> bool:
        try:
            sent = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
        except ValueError:
            return False
        return abs(datetime.now(BEIJING) - sent) <= _CLOCK_SKEW

    def _answer(self, node: str, content: Mapping[str, object]) -> Reply:
        # The signed text is the response object exactly as it appears in the answer.
        inner = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        raw = f'{{"{node}":{inner},"sign":"{sign(self._key, inner)}"}}'
        return Reply(200, raw.encode("utf-8"), [("Content-Type", "text/html;charset=utf-8")])

    def _refuse(self, sub_code: str, sub_msg: str, *, code: str = "40002") -> Reply:
        messages = {
            "20001": "Insufficient Token Permissions",
            "40002": "Invalid Arguments",
            "40004": "Business Failed",
        }
        error = {"code": code, "msg": messages[code], "sub_code": sub_code, "sub_msg": sub_msg}
        return self._answer("error_response", error)

    # -- my.getPhoneNumber, played for a mini-program -------------------------------

    def _phone(self, request: Request) -> Reply:
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            payload = None
        mobile = payload.get("mobile") if isinstance(payload, dict) else None
        if not isinstance(mobile, str) or not PHONE.match(mobile):
            return json_reply(400, {"error": 'send {"mobile": "<11-digit mainland number>"}'})
        plain = json.dumps({"code": "10000", "msg": "Success", "mobile": mobile}).encode()
        padder = padding.PKCS7(128).padder()
        data = padder.update(plain) + padder.finalize()
        encryptor = Cipher(algorithms.AES(self._aes_key), modes.CBC(b"\0" * 16)).encryptor()
        response = base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()
        return json_reply(
            200,
            {
                "response": response,
                "sign": sign(self._key, f'"{response}"'),
                "sign_type": "RSA2",
            },
        )
