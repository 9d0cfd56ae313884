"""A stand-in for the WeChat server API a mini-program backend calls.

It answers, on the wire format wechatpy parses (JSON, ``errcode`` / ``errmsg``
on failure), the four calls Yima makes:

- ``GET  cgi-bin/token?grant_type=client_credential&appid=&secret=``
  → ``{"access_token", "expires_in": 7200}``; a wrong appid is ``40013``, a
  wrong secret ``40125``;
- ``GET  sns/jscode2session?appid=&secret=&js_code=&grant_type=authorization_code``
  → ``{"openid", "session_key"}``; a code that is not a test code is ``40029``
  (invalid code);
- ``POST wxa/business/getuserphonenumber?access_token=`` ``{"code"}``
  → ``{"errcode": 0, "errmsg": "ok", "phone_info": {"phoneNumber",
  "purePhoneNumber", "countryCode", "watermark": {"timestamp", "appid"}}}``; an
  access token it did not issue is ``40001`` (wechatpy then fetches a new one
  and retries, as it does against WeChat), a code that is not a phone test
  code ``40029``;
- ``POST intp/realname/checkrealnameinfo?access_token=`` ``{"openid",
  "real_name", "cred_id", "cred_type", "code"}`` (the city service's real-name
  check) → ``{"errcode": 0, "verify_openid", "verify_real_name"}``.

Test codes (README, "Logging in locally"): ``wx-<name>`` logs in as the openid
that ``<name>`` always maps to, so the same name is the same WeChat user; a
phone code ``phone-<11 digits>`` releases that number; a real-name consent code
``realname-<ID number>`` stands for a user whose WeChat Pay real name holds that
ID-card number (any name sent matches it), ``realname-none`` for one who never
gave WeChat a real name. Unlike WeChat, a code may be used more than once.

https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html
https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-info/phone-number/getPhoneNumber.html
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time

from scripts.localhttp import Reply, Request, json_reply

PREFIX = "/wechat/"  # where this stand-in is mounted; YIMA_WECHAT_API_URL ends with it
LOGIN_CODE = re.compile(r"^wx-([A-Za-z0-9_.-]{1,64})$")
PHONE_CODE = re.compile(r"^phone-(1[3-9]\d{9})$")
REAL_NAME_CODE = re.compile(r"^realname-(\d{17}[\dX]|none)$")


def openid_for(appid: str, name: str) -> str:
    """The openid a test name logs in as: 28 characters, like WeChat's, fixed per app."""
    digest = hashlib.sha256(f"{appid}:{name}".encode()).digest()
    return "o" + base64.urlsafe_b64encode(digest).decode()[:27]


class WeChatStandIn:
    """A :data:`scripts.localhttp.Handler` for ``/wechat/...``."""

    def __init__(self, appid: str, secret: str) -> None:
        self.appid = appid
        self._secret = secret
        self._tokens: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Reply | None:
        if not request.path.startswith(PREFIX):
            return None
        route = (request.method, request.path[len(PREFIX) :])
        if route == ("GET", "cgi-bin/token"):
            return self._token(request)
        if route == ("GET", "sns/jscode2session"):
            return self._code2session(request)
        if route == ("POST", "wxa/business/getuserphonenumber"):
            return self._phone(request)
        if route == ("POST", "intp/realname/checkrealnameinfo"):
            return self._real_name(request)
        return _error(404, 40066, "invalid url")  # what WeChat says of an unknown path

    def _credentials_refused(self, request: Request) -> Reply | None:
        if request.arg("appid") != self.appid:
            return _error(200, 40013, "invalid appid")
        if request.arg("secret") != self._secret:
            return _error(200, 40125, "invalid appsecret")
        return None

    def _token(self, request: Request) -> Reply:
        if request.arg("grant_type") != "client_credential":
            return _error(200, 40002, "invalid grant_type")
        refused = self._credentials_refused(request)
        if refused is not None:
            return refused
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._tokens.add(token)
        return json_reply(200, {"access_token": token, "expires_in": 7200})

    def _code2session(self, request: Request) -> Reply:
        refused = self._credentials_refused(request)
        if refused is not None:
            return refused
        if request.arg("grant_type") != "authorization_code":
            return _error(200, 40002, "invalid grant_type")
        match = LOGIN_CODE.match(request.arg("js_code"))
        if match is None:
            return _error(200, 40029, "invalid code")
        # a fresh session_key per login, as WeChat's may change at every wx.login()
        session_key = base64.b64encode(secrets.token_bytes(16)).decode()
        return json_reply(
            200, {"openid": openid_for(self.appid, match.group(1)), "session_key": session_key}
        )

    def _payload(self, request: Request) -> dict[str, object] | Reply:
        with self._lock:
            known = request.arg("access_token") in self._tokens
        if not known:
            return _error(200, 40001, "invalid credential, access_token is invalid or not latest")
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            return _error(200, 47001, "data format error")
        return payload if isinstance(payload, dict) else _error(200, 47001, "data format error")

    def _real_name(self, request: Request) -> Reply:
        payload = self._payload(request)
        if isinstance(payload, Reply):
            return payload
        code = payload.get("code")
        match = REAL_NAME_CODE.match(code) if isinstance(code, str) else None
        if match is None:
            return _error(200, 40029, "invalid code")
        if match.group(1) == "none":
            return json_reply(200, {"errcode": 0, "errmsg": "ok", "verify_openid": "V_OP_NA"})
        card = "V_NM_ID_MA" if payload.get("cred_id") == match.group(1) else "V_NM_ID_UM"
        return json_reply(
            200,
            {
                "errcode": 0,
                "errmsg": "ok",
                "verify_openid": "V_OP_NM_MA",
                "verify_real_name": card,
            },
        )

    def _phone(self, request: Request) -> Reply:
        payload = self._payload(request)
        if isinstance(payload, Reply):
            return payload
        code = payload.get("code")
        match = PHONE_CODE.match(code) if isinstance(code, str) else None
        if match is None:
            return _error(200, 40029, "invalid code")
        phone = match.group(1)
        info = {
            "phoneNumber": phone,
            "purePhoneNumber": phone,
            "countryCode": "86",
            "watermark": {"timestamp": int(time.time()), "appid": self.appid},
        }
        return json_reply(200, {"errcode": 0, "errmsg": "ok", "phone_info": info})


def _error(status: int, errcode: int, errmsg: str) -> Reply:
    # WeChat answers its errors with HTTP 200 and the code in the body
    return json_reply(status, {"errcode": errcode, "errmsg": errmsg})
