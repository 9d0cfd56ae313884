"""Yima's HTTP routes and scheduled functions: parse → one service call → view.

Nothing is built here at import time: the container (settings, AWS clients,
services) is created by ``chalicelib.bootstrap`` on the first request.
"""

from __future__ import annotations

from typing import Any

from chalice import Chalice

from chalicelib import bootstrap
from chalicelib.domain.roles import Role
from chalicelib.services.auth import PhoneProof
from chalicelib.web import contract, views
from chalicelib.web.api import Api, Call

app = Chalice(app_name="yima")
api = Api(app, container=bootstrap.get_container)


@api.route(
    "/v1/openapi.json",
    summary="This API's OpenAPI 3.1 document",
    tags=("meta",),
    response=contract.OPENAPI_DOC,
)
def openapi(call: Call) -> dict[str, Any]:
    from chalicelib.web.openapi import build_document

    return build_document(api.operations)


@api.route(
    "/v1/auth/dev",
    method="POST",
    tags=("auth",),
    body=contract.DEV_LOGIN,
    response=contract.SESSION,
    errors=(404,),
    summary="Local-stage login for any role; `phone` binds that phone as verified. "
    "404 on every other stage.",
)
def dev_login(call: Call) -> dict[str, Any]:
    result = call.services.auth.dev_login(
        subject=call.body["subject"],
        role=Role(call.body.get("role", Role.CITIZEN.value)),
        phone=call.body.get("phone"),
    )
    return views.session(result)


@api.route(
    "/v1/auth/wechat",
    method="POST",
    tags=("auth",),
    body=contract.WECHAT_LOGIN,
    response=contract.SESSION,
    errors=(502,),
    summary="WeChat mini-program login: code2session; the session_key stays on the server",
)
def wechat_login(call: Call) -> dict[str, Any]:
    return views.session(call.services.auth.wechat_login(call.body["code"]))


@api.route(
    "/v1/auth/alipay",
    method="POST",
    tags=("auth",),
    body=contract.ALIPAY_LOGIN,
    response=contract.SESSION,
    errors=(502,),
    summary="Alipay mini-program login: alipay.system.oauth.token (RSA2, verified answer)",
)
def alipay_login(call: Call) -> dict[str, Any]:
    return views.session(call.services.auth.alipay_login(call.body["auth_code"]))


@api.route(
    "/v1/me/phone",
    method="POST",
    roles=frozenset({Role.CITIZEN}),
    tags=("me",),
    body=contract.BIND_PHONE,
    response=contract.ME,
    errors=(404, 502),
    summary="Bind a verified phone from the WeChat or Alipay phone proof; answers masked",
)
def bind_phone(call: Call) -> dict[str, Any]:
    user, new_session = call.services.auth.bind_phone(call.who, PhoneProof(**call.body))
    return views.me(user, call.who.role, new_session)


@api.route(
    "/v1/me",
    roles=frozenset({Role.CITIZEN}),
    tags=("me",),
    response=contract.ME,
    errors=(404,),
    summary="The caller's own profile, masked",
)
def me(call: Call) -> dict[str, Any]:
    user = call.services.auth.profile(call.who.subject)
    return views.me(user, call.who.role)
