"""WeChat mini-program login and phone binding, through wechatpy.

wechatpy's client adds an app ``access_token`` to every call, code2session
included, and fetches one when its session storage has none. Each Lambda
container fetching its own token would make WeChat invalidate the others'
(and burn the daily quota), so the token lives in DynamoDB
(:class:`DynamoTokenStorage`), shared by every container; each container
keeps it in memory until shortly before it expires, and only one container
at a time fetches a new one.

WeChat's answers become domain errors: a bad or used code → 401
``wechat_code_invalid``; busy, rate limited, unreachable or timing out → 503
``wechat_unavailable``; a credential WeChat refuses → 503
``wechat_misconfigured`` (an operator problem, logged).

On the local and test stages ``api_base_url`` (``YIMA_WECHAT_API_URL``) sends
what wechatpy addresses to ``https://api.weixin.qq.com/`` to a stand-in instead
(``scripts/standins/wechat.py``), through a requests transport adapter: the
same calls, bodies and parsing, another host.
"""

from __future__ import annotations

import binascii
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from pynamodb.exceptions import DoesNotExist
from wechatpy import WeChatClient
from wechatpy.crypto import WeChatWxaCrypto
from wechatpy.exceptions import APILimitedException, InvalidAppIdException, WeChatClientException
from wechatpy.session import SessionStorage

from chalicelib.identity.rules import WeChatSession
from chalicelib.kernel.dynamo.errors import translate
from chalicelib.kernel.dynamo.lease import DynamoLease
from chalicelib.kernel.dynamo.runtime import RuntimeRecord
from chalicelib.kernel.errors import Forbidden, InvalidInput, Unauthenticated, UpstreamUnavailable

# https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html
_BAD_CODE = {40029, 40163}  # invalid code, code already used
_BLOCKED = {40226}  # a high-risk user WeChat blocks from logging in
_BUSY = {-1, 45011, 45009}  # system busy, rate limit, daily quota
_NOT_GRANTED = {48001}  # the app has not been granted this API (real-name check, say)
_MARGIN = timedelta(minutes=5)  # refresh before WeChat's 2 h expiry
_ORIGIN = "https://api.weixin.qq.com/"  # every URL wechatpy calls for a mini-program


class _Rebase(requests.adapters.HTTPAdapter):
    """Sends requests for ``https://api.weixin.qq.com/...`` to ``base/...``."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self._base = base.rstrip("/") + "/"

    def send(  # the same arguments, passed through
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        url = request.url or ""
        if url.startswith(_ORIGIN):
            request.url = self._base + url[len(_ORIGIN) :]
        return super().send(request, *args, **kwargs)


# How long a container trusts its copy of the shared token before it looks at the table
# again. Well under the 5 minutes WeChat keeps an old token valid after a new one is
# fetched, so a copy another container has replaced never reaches WeChat expired.
RECHECK = timedelta(seconds=60)
REFRESH_LEASE = timedelta(seconds=10)  # one container fetches; the lease lapses if it dies
REFRESH_WAITS = (0.1, 0.2, 0.3)  # seconds the others wait for its token, then a 503


@dataclass(frozen=True)
class _Copy:
    value: Any
    expires: datetime | None  # when the stored token stops being used (expiry - _MARGIN)
    read_at: datetime


class DynamoTokenStorage(SessionStorage):
    """wechatpy session storage on the ``runtime`` table, shared by all containers.

    - A per-container copy answers ``get`` until the token's stored expiry (5 minutes
      before WeChat's) and for at most ``recheck`` after it was read: at the morning peak
      one item read on every login would take 56 times what a partition serves
      (docs/capacity.md); read once a minute per container it takes a fraction of one.
    - ``get`` hides an expired token itself (DynamoDB's TTL deletes lazily), so wechatpy
      fetches a fresh one instead of using a stale one.
    - One refresh at a time: a container that finds no valid token takes a lease
      (a conditional write in the runtime table) before it lets wechatpy fetch one, and
      ``set`` releases it. The others wait briefly for that token and answer 503
      ``wechat_unavailable`` (with Retry-After) if it does not come.
    """

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        recheck: timedelta = RECHECK,
        waits: tuple[float, ...] = REFRESH_WAITS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._recheck = recheck
        self._waits = waits
        self._sleep = sleep
        self._copies: dict[str, _Copy] = {}
        self._lease = DynamoLease()
        self._owner = uuid.uuid4().hex
        self.reads = 0  # GetItems of the table, for tests and the capacity model

    def get(self, key: str, default: Any = None) -> Any:
        now = self._clock()
        copy = self._copies.get(key)
        if copy is not None and _usable(copy, now) and now < copy.read_at + self._recheck:
            return copy.value
        copy = self._read(key, now)
        if copy is not None:
            return copy.value
        if not key.endswith("_access_token"):
            return default
        until = now + REFRESH_LEASE
        if self._lease.acquire(self._lease_name(key), owner=self._owner, until=until, now=now):
            return default  # wechatpy fetches a token now, and set() stores it
        for pause in self._waits:  # another container is fetching: wait for its token
            self._sleep(pause)
            copy = self._read(key, self._clock())
            if copy is not None:
                return copy.value
        raise UpstreamUnavailable(
            "WeChat's access token is being renewed; try again shortly",
            code="wechat_unavailable",
            retry_after=1,
        )

    def _read(self, key: str, now: datetime) -> _Copy | None:
        """The stored value if it is still in use (kept as this container's copy)."""
        self.reads += 1
        self._copies.pop(key, None)
        with translate():
            try:
                record = RuntimeRecord.get(f"wechat:{key}", consistent_read=True)
            except DoesNotExist:
                return None
        if not record.value:
            return None
        copy = _Copy(json.loads(record.value), record.expires, now)
        if not _usable(copy, now):
            return None
        self._copies[key] = copy
        return copy

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        now = self._clock()
        expires = now + timedelta(seconds=ttl or 7200) - _MARGIN
        with translate():
            RuntimeRecord(f"wechat:{key}", value=json.dumps(value), expires=expires).save()
        self._copies[key] = _Copy(value, expires, now)
        self._lease.release(self._lease_name(key), owner=self._owner)

    def delete(self, key: str) -> None:
        self._copies.pop(key, None)
        with translate():
            RuntimeRecord(f"wechat:{key}").delete()

    @staticmethod
    def _lease_name(key: str) -> str:
        return f"wechat-refresh:{key}"


def _usable(copy: _Copy, now: datetime) -> bool:
    return copy.expires is None or now < copy.expires


def _errcode(exc: WeChatClientException) -> int | None:
    code = getattr(exc, "errcode", None)
    try:
        return int(code) if code is not None else None
    except (TypeError, ValueError):
        return None


class WeChatGateway:
    def __init__(
        self,
        appid: str,
        secret: str,
        *,
        storage: SessionStorage,
        timeout: float = 3.0,
        api_base_url: str | None = None,
    ) -> None:
        self.appid = appid
        self._client = WeChatClient(appid, secret, session=storage, timeout=timeout)
        if api_base_url:
            self._client._http.mount(_ORIGIN, _Rebase(api_base_url))

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        from chalicelib.kernel.logs import get_logger

        try:
            return call()
        except APILimitedException:
            raise UpstreamUnavailable(
                "WeChat is rate limiting us; try again shortly", code="wechat_unavailable"
            ) from None
        except WeChatClientException as exc:
            code = _errcode(exc)
            if code in _BAD_CODE:
                raise Unauthenticated(
                    f"WeChat rejected the {what} code", code="wechat_code_invalid", field="code"
                ) from None
            if code in _BLOCKED:
                raise Forbidden(
                    "WeChat blocks this account from logging in", code="wechat_user_blocked"
                ) from None
            if code in _NOT_GRANTED:
                raise UpstreamUnavailable(
                    f"this mini-program is not granted WeChat's {what} API",
                    code="wechat_api_not_granted",
                ) from None
            if code is None or code in _BUSY:
                raise UpstreamUnavailable(
                    "WeChat is unavailable; try again shortly", code="wechat_unavailable"
                ) from None
            get_logger().error("wechat refused our credentials", extra={"errcode": code})
            raise UpstreamUnavailable(
                "WeChat login is not available right now", code="wechat_misconfigured"
            ) from None
        except (requests.RequestException, ValueError):
            # timeouts, connection errors, and replies that are not JSON
            raise UpstreamUnavailable(
                "WeChat is unreachable; try again shortly", code="wechat_unavailable"
            ) from None

    def code_to_session(self, code: str) -> WeChatSession:
        result = self._call("login", lambda: self._client.wxa.code_to_session(code))
        if not isinstance(result, dict):
            result = {}
        openid, session_key = result.get("openid"), result.get("session_key")
        if not openid or not session_key:
            raise UpstreamUnavailable(
                "WeChat answered without an openid", code="wechat_unavailable"
            )
        return WeChatSession(
            openid=str(openid),
            session_key=str(session_key),
            unionid=str(result["unionid"]) if result.get("unionid") else None,
        )

    def phone_from_code(self, code: str) -> tuple[str, str]:
        # https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-info/phone-number/getPhoneNumber.html
        try:
            result = self._call(
                "phone",
                lambda: self._client.post(
                    "wxa/business/getuserphonenumber",
                    data={"code": code},
                    api_base_url="https://api.weixin.qq.com/",
                ),
            )
        except Unauthenticated as exc:  # a bad phone code is bad input, not a bad login
            raise InvalidInput(exc.message, code=exc.code, field="code") from None
        info = result.get("phone_info") if isinstance(result, dict) else None
        if not isinstance(info, dict) or not info.get("purePhoneNumber"):
            raise UpstreamUnavailable(
                "WeChat answered without a phone number", code="wechat_unavailable"
            )
        self._check_watermark(info)
        return str(info.get("countryCode", "")), str(info["purePhoneNumber"])

    def check_real_name(self, *, openid: str, name: str, id_number: str, code: str) -> str:
        """WeChat's city-service real-name check (实名信息校验, ``intp/realname/
        checkrealnameinfo``): does the name and ID-card number the user entered match the
        real name they gave WeChat Pay? ``code`` comes back from WeChat's own consent page
        (the city-service mini-program ``wx308bd2aeb83d3345``, path
        ``subPages/city/wxpay-auth/main``) and is good once. Only apps of the categories
        WeChat opens it to (government, public health among them) may call it.

        ``match`` (``V_OP_NM_MA`` and ``V_NM_ID_MA``), ``not_real_named``
        (``V_OP_NA``) or ``mismatch``.
        """
        try:
            result = self._call(
                "real-name",
                lambda: self._client.post(
                    "intp/realname/checkrealnameinfo",
                    data={
                        "openid": openid,
                        "real_name": name,
                        "cred_id": id_number,
                        "cred_type": "1",
                        "code": code,
                    },
                    api_base_url="https://api.weixin.qq.com/",
                ),
            )
        except Unauthenticated as exc:  # a bad or used consent code is bad input
            raise InvalidInput(exc.message, code=exc.code, field="code") from None
        if not isinstance(result, dict):
            raise UpstreamUnavailable(
                "WeChat answered something we cannot read", code="wechat_unavailable"
            )
        who, card = result.get("verify_openid"), result.get("verify_real_name")
        if who == "V_OP_NA":
            return "not_real_named"
        if who == "V_OP_NM_MA" and card == "V_NM_ID_MA":
            return "match"
        if who in ("V_OP_NM_MA", "V_OP_NM_UM") or card in ("V_NM_ID_MA", "V_NM_ID_UM"):
            return "mismatch"
        raise UpstreamUnavailable(
            "WeChat answered something we cannot read", code="wechat_unavailable"
        )

    def phone_from_encrypted(
        self, session_key: str, encrypted_data: str, iv: str
    ) -> tuple[str, str]:
        bad = InvalidInput(
            "encrypted_data does not decrypt with this login's session key; log in again and retry",
            field="encrypted_data",
            code="wechat_decrypt_failed",
        )
        try:
            data = WeChatWxaCrypto(session_key, iv, self.appid).decrypt_message(encrypted_data)
        except InvalidAppIdException:
            raise bad from None
        except (ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError, binascii.Error):
            raise bad from None
        if not isinstance(data, dict) or not data.get("purePhoneNumber"):
            raise bad
        return str(data.get("countryCode", "")), str(data["purePhoneNumber"])

    def _check_watermark(self, info: dict[str, Any]) -> None:
        watermark = info.get("watermark")
        if isinstance(watermark, dict) and watermark.get("appid") not in (None, self.appid):
            raise UpstreamUnavailable("WeChat answered for another app", code="wechat_unavailable")
