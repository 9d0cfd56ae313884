"""Alipay mini-program login and phone binding, through python-alipay-sdk.

``server_api`` signs the request with our app key (RSA2) and checks the
signature on Alipay's answer with Alipay's public key; we only add Beijing
time stamps (Alipay wants ``yyyy-MM-dd HH:mm:ss`` in UTC+8, and Lambda runs
in UTC) and map the failures:

- a bad, used or expired ``auth_code`` → 401 ``alipay_code_invalid``;
- Alipay busy (``20000``/``20001``), unreachable or slow → 503 ``alipay_unavailable``;
- an answer whose signature does not verify → 502 ``alipay_bad_signature``.

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
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.error import URLError

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig

from chalicelib.adapters.reference_data import parse_id_number
from chalicelib.domain.errors import (
    InvalidInput,
    Unauthenticated,
    UpstreamBadResponse,
    UpstreamUnavailable,
)
from chalicelib.domain.identity import AlipayUser
from chalicelib.logs import get_logger, quiet_libraries

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")  # China keeps no daylight saving
_BAD_CODE = {
    "isv.code-invalid",
    "isv.code-expired",
    "isv.code-used",
    "isv.invalid-code",
    "isv.auth-code-invalid",
}


def _der(key: str) -> bytes | str:
    """Accept a PEM key, or the bare base64 the Alipay console hands out."""
    text = key.strip()
    if text.startswith("-----BEGIN"):
        return text
    return base64.b64decode("".join(text.split()))


def _error_fields(exc: AliPayException) -> tuple[str, str]:
    code = str(getattr(exc, "_AliPayException__code", "") or "")
    raw = str(getattr(exc, "_AliPayException__message", "") or "")
    sub_code = ""
    try:
        body = json.loads(raw)
        for value in body.values() if isinstance(body, dict) else ():
            if isinstance(value, dict) and value.get("sub_code"):
                sub_code = str(value["sub_code"])
    except ValueError:
        pass
    return code, sub_code


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
    ) -> None:
        self.appid = appid
        self._aes_key = aes_key
        self._clock = clock
        self._alipay = AliPay(
            appid=appid,
            app_private_key_string=_der(app_private_key),
            alipay_public_key_string=_der(alipay_public_key),
            sign_type="RSA2",
            config=AliPayConfig(timeout=timeout),
        )
        if gateway_url:
            self._alipay._gateway = gateway_url
        quiet_libraries()  # importing the SDK set its own logger to DEBUG

    def _call(self, method: str, **params: str) -> dict[str, Any]:
        """One signed gateway call, its failures mapped to our errors."""
        stamp = self._clock().astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        try:
            result: Any = self._alipay.server_api(method, timestamp=stamp, **params)
        except AliPayValidationError:
            raise UpstreamBadResponse(
                "Alipay's answer failed its signature check", code="alipay_bad_signature"
            ) from None
        except AliPayException as exc:
            code, sub_code = _error_fields(exc)
            if sub_code in _BAD_CODE or code == "40002":
                raise Unauthenticated(
                    "Alipay rejected the auth_code", code="alipay_code_invalid", field="auth_code"
                ) from None
            raise UpstreamUnavailable(
                "Alipay is unavailable; try again shortly", code="alipay_unavailable"
            ) from None
        except (URLError, TimeoutError, ConnectionError, OSError):
            raise UpstreamUnavailable(
                "Alipay is unreachable; try again shortly", code="alipay_unavailable"
            ) from None
        except (ValueError, AttributeError, TypeError):
            raise UpstreamBadResponse(
                "Alipay answered something we cannot read", code="alipay_bad_response"
            ) from None
        if not isinstance(result, dict):
            raise UpstreamBadResponse(
                "Alipay answered something we cannot read", code="alipay_bad_response"
            )
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
            return parse_id_number(result.get("cert_no"), today=self._clock().date())
        except InvalidInput:
            _skipped("cert_no_invalid")  # never the number itself
            return None

    def phone_from_response(self, response: str, sign: str, sign_type: str) -> str:
        if sign_type != "RSA2":
            raise InvalidInput("only RSA2 signatures are accepted", field="sign_type")
        try:
            verified = self._alipay._verify(f'"{response}"', sign)
        except (ValueError, TypeError, binascii.Error):
            verified = False
        if not verified:
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
        from Cryptodome.Cipher import AES
        from Cryptodome.Util.Padding import unpad

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
