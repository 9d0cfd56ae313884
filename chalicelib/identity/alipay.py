"""Alipay mini-program login and phone binding, over Alipay's open-platform gateway.

We speak the gateway's protocol ourselves, with pycryptodome's RSA, instead of
through python-alipay-sdk, whose import pulls pyOpenSSL and ``cryptography`` (4.7 MB
of the Lambda zip) for nothing we use (docs/codecs.md, *The Alipay gateway*):

- a call is one ``GET gateway.do?…`` carrying the common parameters (``app_id``,
  ``method``, ``format=JSON``, ``charset=utf-8``, ``sign_type=RSA2``, ``timestamp``
  in Beijing time, ``version=1.0``), the method's own parameters and ``sign``:
  SHA256withRSA (PKCS#1 v1.5) by the app's key over every other non-empty parameter,
  sorted by name, joined ``k=v&k=v`` unencoded (:func:`signing_string`);
- the answer is ``{"<method, dots as underscores>_response": {...}, "sign": "..."}``,
  its ``sign`` by Alipay's key over the exact text of that object as it appears in
  the answer (:func:`member_text`), which is why we never re-serialise it.

Failures map as they did with the SDK:

- ``error_response`` (or an answer with no ``sign``): a bad, used or expired
  ``auth_code`` (``40002``, ``isv.code-*``) → 401 ``alipay_code_invalid``; anything
  else, e.g. Alipay busy (``20000``/``20001``) → 503 ``alipay_unavailable``;
- unreachable or slow → 503 ``alipay_unavailable``;
- an answer whose signature does not verify → 502 ``alipay_bad_signature``; one we
  cannot read → 502 ``alipay_bad_response``.

After the login, ``alipay.user.info.share`` tells whether Alipay certified the
user's real name and for which ID-card number (:meth:`AlipayGateway.certified_id_number`);
only a keyed hash of that number is kept, and a failure there never fails the login.

Phone numbers arrive AES-encrypted by Alipay (``my.getPhoneNumber``): we
verify Alipay's RSA2 signature over the ciphertext first (the signed content
is the ciphertext in double quotes), then decrypt with the app's AES key
(AES-CBC, zero IV, PKCS#7), as Alipay's 敏感信息加解密 method prescribes.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import urlopen

from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15

from chalicelib.identity.rules import AlipayUser
from chalicelib.kernel.errors import (
    InvalidInput,
    Unauthenticated,
    UpstreamBadResponse,
    UpstreamUnavailable,
)
from chalicelib.kernel.logs import get_logger
from chalicelib.kernel.reference_data import parse_id_number
from chalicelib.kernel.times import local_day, local_time

GATEWAY_URL = "https://openapi.alipay.com/gateway.do"
_BAD_CODE = {
    "isv.code-invalid",
    "isv.code-expired",
    "isv.code-used",
    "isv.invalid-code",
    "isv.auth-code-invalid",
}
_DECODER = json.JSONDecoder()

# What answers for Alipay: ``transport(url, timeout=seconds)`` returns something with
# ``.read() -> bytes`` (urllib's ``urlopen`` in Lambda; tests pass a stand-in).
Transport = Callable[..., Any]


def _key(key: str) -> RSA.RsaKey:
    """Accept a PEM key, or the bare base64 (DER) the Alipay console hands out."""
    text = key.strip()
    if text.startswith("-----BEGIN"):
        return RSA.import_key(text)
    return RSA.import_key(base64.b64decode("".join(text.split())))


def signing_string(params: Mapping[str, str]) -> str:
    """What RSA2 signs: every parameter but ``sign`` with a value, sorted by name,
    ``k=v`` joined with ``&``, nothing URL-encoded."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v)


def rsa2_sign(key: RSA.RsaKey, content: str) -> str:
    """SHA256withRSA, PKCS#1 v1.5, over the UTF-8 bytes; base64, one line."""
    signature = pkcs1_15.new(key).sign(SHA256.new(content.encode("utf-8")))
    return base64.b64encode(signature).decode("ascii")


def rsa2_verify(key: RSA.RsaKey, content: str, signature: str) -> bool:
    """Whether ``signature`` (base64) is ``key``'s RSA2 signature over ``content``."""
    try:
        raw = base64.b64decode(signature)
        pkcs1_15.new(key).verify(SHA256.new(content.encode("utf-8")), raw)
    except (ValueError, TypeError, binascii.Error):
        return False
    return True


def _skip(raw: str, pos: int) -> int:
    """The first position at or after ``pos`` that is not JSON whitespace."""
    while raw[pos : pos + 1] in (" ", "\t", "\n", "\r"):
        pos += 1
    return pos


def member_text(raw: str, name: str) -> str | None:
    """The exact text of the value of the top-level member ``name`` of the JSON object
    ``raw`` (what Alipay signed), or None when there is none.

    It walks the object with the JSON decoder itself, so braces and quotes inside
    strings, nested objects, unicode and escapes are spanned exactly as sent.
    ValueError when ``raw`` is not one JSON object, or names ``name`` twice (a
    parser keeping the first would read another value than one keeping the last).
    """
    pos = _skip(raw, 0)
    if raw[pos : pos + 1] != "{":
        raise ValueError("not a JSON object")
    pos = _skip(raw, pos + 1)
    found: str | None = None
    if raw[pos : pos + 1] == "}":
        pos += 1
    else:
        while True:
            if raw[pos : pos + 1] != '"':
                raise ValueError("expected a member name")
            key, pos = _DECODER.raw_decode(raw, pos)
            pos = _skip(raw, pos)
            if raw[pos : pos + 1] != ":":
                raise ValueError("expected ':'")
            start = _skip(raw, pos + 1)
            _, end = _DECODER.raw_decode(raw, start)
            if key == name:
                if found is not None:
                    raise ValueError(f"{name} appears twice")
                found = raw[start:end]
            pos = _skip(raw, end)
            separator = raw[pos : pos + 1]
            pos += 1
            if separator == "}":
                break
            if separator != ",":
                raise ValueError("expected ',' or '}'")
            pos = _skip(raw, pos)
    if _skip(raw, pos) != len(raw):
        raise ValueError("text after the object")
    return found


def _unreadable() -> UpstreamBadResponse:
    return UpstreamBadResponse(
        "Alipay answered something we cannot read", code="alipay_bad_response"
    )


class AlipayGateway:
    def __init__(
        self,
        appid: str,
        app_private_key: str,
        alipay_public_key: str,
        aes_key: bytes,
        *,
        clock: Callable[[], datetime],
        timeout: float = 3.0,
        gateway_url: str | None = None,
        transport: Transport = urlopen,
    ) -> None:
        self.appid = appid
        self._aes_key = aes_key
        self._clock = clock
        self._timeout = timeout
        self._gateway_url = gateway_url or GATEWAY_URL
        self._transport = transport
        self._app_key = _key(app_private_key)
        if not self._app_key.has_private():
            raise ValueError("the app's Alipay key must be a private key")
        self._alipay_key = _key(alipay_public_key)

    def request_url(self, method: str, **params: str) -> str:
        """The signed gateway URL of one call (the timestamp from our clock)."""
        stamp = local_time(self._clock()).strftime("%Y-%m-%d %H:%M:%S")
        common = {
            "app_id": self.appid,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": stamp,
            "version": "1.0",
        }
        signed = {k: v for k, v in {**common, **params}.items() if v}
        signed["sign"] = rsa2_sign(self._app_key, signing_string(signed))
        return self._gateway_url + "?" + urlencode(signed)

    def _call(self, method: str, **params: str) -> dict[str, Any]:
        """One signed gateway call, its failures mapped to our errors."""
        url = self.request_url(method, **params)
        try:
            raw = self._transport(url, timeout=self._timeout).read().decode("utf-8")
        except (URLError, TimeoutError, ConnectionError, OSError, http.client.HTTPException):
            raise UpstreamUnavailable(
                "Alipay is unreachable; try again shortly", code="alipay_unavailable"
            ) from None
        except UnicodeDecodeError:
            raise _unreadable() from None
        return self._verified(raw, method.replace(".", "_") + "_response")

    def _verified(self, raw: str, node: str) -> dict[str, Any]:
        """The method's answer, once Alipay's signature over it verifies."""
        try:
            answer = json.loads(raw)
        except ValueError:
            raise _unreadable() from None
        if not isinstance(answer, dict):
            raise _unreadable()
        if "sign" not in answer or "error_response" in answer:
            # Alipay's refusals. As with the SDK, unsigned ones count too (Alipay does
            # not sign every one): the worst a forged refusal can do is fail this call.
            error = answer.get(node) or answer.get("error_response")
            if not isinstance(error, dict):
                raise _unreadable()
            code = str(error.get("code", ""))
            if "error_response" not in answer and code in ("", "10000"):
                # Not a refusal but an unsigned answer: nothing in it can be trusted
                # (the SDK called this "unavailable").
                raise UpstreamBadResponse(
                    "Alipay's answer carries no signature", code="alipay_bad_signature"
                )
            if str(error.get("sub_code", "")) in _BAD_CODE or code == "40002":
                raise Unauthenticated(
                    "Alipay rejected the auth_code", code="alipay_code_invalid", field="auth_code"
                )
            raise UpstreamUnavailable(
                "Alipay is unavailable; try again shortly", code="alipay_unavailable"
            )
        try:
            text = member_text(raw, node)
        except ValueError:
            raise _unreadable() from None
        if text is None:
            raise _unreadable()
        sign = answer["sign"]
        if not isinstance(sign, str) or not rsa2_verify(self._alipay_key, text, sign):
            raise UpstreamBadResponse(
                "Alipay's answer failed its signature check", code="alipay_bad_signature"
            )
        result = json.loads(text)
        if not isinstance(result, dict):
            raise _unreadable()
        return result

    def oauth_token(self, auth_code: str) -> AlipayUser:
        result = self._call(
            "alipay.system.oauth.token", grant_type="authorization_code", code=auth_code
        )
        token = result.get("access_token")
        user = AlipayUser(
            user_id=result.get("user_id") or None,
            open_id=result.get("open_id") or None,
            access_token=token if isinstance(token, str) and token else None,
        )
        if not user.user_id and not user.open_id:
            raise UpstreamBadResponse(
                "Alipay answered without a user id", code="alipay_bad_response"
            )
        return user

    def certified_id_number(self, access_token: str) -> str | None:
        """alipay.user.info.share: the ID-card number of a user Alipay certified.

        Alipay answers ``cert_no`` (with ``cert_type`` ``0``, 身份证) only to an app
        granted the identity fields and only for a user who passed its real-name
        certification; ``is_certified`` is ``T`` where Alipay still sends it. Anything
        else (no scope, an uncertified user, another kind of document, a number that is
        not a valid GB 11643 number, Alipay down or slow) vouches for nothing: the login
        goes on, and a dispute waits for a reviewer instead of deciding at once.
        """
        try:
            result = self._call("alipay.user.info.share", auth_token=access_token)
        except (Unauthenticated, UpstreamUnavailable, UpstreamBadResponse) as exc:
            # 40006 (the app lacks the scope), 20001 (the token lacks it), Alipay down.
            _skipped(exc.code)
            return None
        if str(result.get("code", "10000")) != "10000":
            _skipped(str(result.get("sub_code") or "error"))
            return None
        if result.get("is_certified", "T") != "T" or str(result.get("cert_type", "")) != "0":
            return None
        try:
            return parse_id_number(result.get("cert_no"), today=local_day(self._clock()))
        except InvalidInput:
            _skipped("cert_no_invalid")  # never the number itself
            return None

    def phone_from_response(self, response: str, sign: str, sign_type: str) -> str:
        if sign_type != "RSA2":
            raise InvalidInput("only RSA2 signatures are accepted", field="sign_type")
        if not rsa2_verify(self._alipay_key, f'"{response}"', sign):
            raise InvalidInput(
                "the phone data's Alipay signature does not verify",
                field="sign",
                code="alipay_bad_signature",
            )
        plain = self._decrypt(response)
        if str(plain.get("code")) != "10000" or not plain.get("mobile"):
            raise InvalidInput(
                "Alipay did not release the phone number "
                f"({plain.get('sub_code') or plain.get('code')})",
                field="response",
                code="alipay_phone_refused",
            )
        return str(plain["mobile"])

    def _decrypt(self, response: str) -> dict[str, Any]:
        from Crypto.Cipher import AES
        from Crypto.Util.Padding import unpad

        bad = InvalidInput(
            "the phone data does not decrypt", field="response", code="alipay_decrypt_failed"
        )
        try:
            raw = base64.b64decode(response, validate=True)
            padded = AES.new(self._aes_key, AES.MODE_CBC, iv=b"\0" * 16).decrypt(raw)
            plain = json.loads(unpad(padded, AES.block_size).decode("utf-8"))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise bad from None
        if not isinstance(plain, dict):
            raise bad
        return plain


def _skipped(reason: str) -> None:
    """One JSON line (Alipay's error code, or ours) when a real-name check vouches for
    nothing; never the user's data."""
    get_logger().warning("alipay real-name check skipped", extra={"reason": reason})
