"""The identity routes: logins (WeChat, Alipay, the local stage's dev login), the caller's
profile, phone binding, WeChat's real-name check, and the reviewers' identity disputes.

Each view parses the request, calls one service and shapes the answer
(``chalicelib.kernel.api`` does the rest).
"""

from __future__ import annotations

from typing import Any

from chalicelib.identity import schemas as views
from chalicelib.identity.schemas import (
    ALIPAY_LOGIN,
    BIND_PHONE,
    DEV_LOGIN,
    DISPUTE_DECISION,
    DISPUTE_ITEM,
    DISPUTES,
    ME,
    REAL_NAME,
    REAL_NAME_RESULT,
    SESSION,
    WECHAT_LOGIN,
)
from chalicelib.identity.service import PhoneProof
from chalicelib.kernel import contract
from chalicelib.kernel.api import Call, Routes, paging
from chalicelib.kernel.contract import PAGING
from chalicelib.kernel.roles import (
    REVIEWER,
    Role,
)

routes = Routes(__name__)


@routes.route(
    "/v1/auth/dev",
    limit="login",
    method="POST",
    tags=("auth",),
    body=DEV_LOGIN,
    response=SESSION,
    errors=(404,),
    local_only=True,
    summary="Local-stage login for any role; `phone` binds that phone as verified. "
    "404 on every other stage.",
)
def dev_login(call: Call) -> dict[str, Any]:
    result = call.services.auth.dev_login(
        subject=call.body["subject"],
        role=Role(call.body.get("role", Role.CITIZEN.value)),
        phone=call.body.get("phone"),
        vouched_id_number=call.body.get("vouched_id_number"),
    )
    return views.session(result)


@routes.route(
    "/v1/auth/wechat",
    limit="login",
    method="POST",
    tags=("auth",),
    body=WECHAT_LOGIN,
    response=SESSION,
    errors=(401, 403, 502),  # 401 a code WeChat refuses, 403 an account WeChat blocks
    summary="WeChat mini-program login: code2session; the session_key stays on the server",
)
def wechat_login(call: Call) -> dict[str, Any]:
    return views.session(call.services.auth.wechat_login(call.body["code"]))


@routes.route(
    "/v1/auth/alipay",
    limit="login",
    method="POST",
    tags=("auth",),
    body=ALIPAY_LOGIN,
    response=SESSION,
    errors=(401, 502),  # 401 a code Alipay refuses
    summary="Alipay mini-program login: alipay.system.oauth.token (RSA2, verified answer)",
)
def alipay_login(call: Call) -> dict[str, Any]:
    return views.session(call.services.auth.alipay_login(call.body["auth_code"]))


@routes.route(
    "/v1/me/phone",
    method="POST",
    roles=frozenset({Role.CITIZEN}),
    tags=("me",),
    body=BIND_PHONE,
    response=ME,
    errors=(404, 409, 502),  # 409 phone_contended: another account moved it meanwhile
    summary="Bind a verified phone from the WeChat or Alipay phone proof; answers masked",
)
def bind_phone(call: Call) -> dict[str, Any]:
    user, new_session = call.services.auth.bind_phone(call.who, PhoneProof(**call.body))
    return views.me(user, call.who.role, new_session)


@routes.route(
    "/v1/me/real-name",
    limit="login",
    method="POST",
    roles=frozenset({Role.CITIZEN}),
    tags=("me",),
    body=REAL_NAME,
    response=REAL_NAME_RESULT,
    errors=(404,),
    summary="WeChat's real-name check of the name and ID number the user entered; a match "
    "vouches for the account and decides its open identity dispute over that number",
)
def check_real_name(call: Call) -> dict[str, Any]:
    checked = call.services.auth.check_real_name(
        call.who, code=call.body["code"], name=call.body["name"], id_number=call.body["id_number"]
    )
    return {
        "result": checked.result,
        "vouched": checked.vouched,
        "dispute_settled": checked.dispute_settled,
    }


@routes.route(
    "/v1/me",
    roles=frozenset({Role.CITIZEN}),
    tags=("me",),
    response=ME,
    errors=(404,),
    summary="The caller's own profile, masked",
)
def me(call: Call) -> dict[str, Any]:
    user = call.services.auth.profile(call.who.subject)
    return views.me(user, call.who.role)


@routes.route(
    "/v1/admin/disputes",
    limit="staff_read",
    roles=REVIEWER,
    tags=("review",),
    query=PAGING,
    response=DISPUTES,
    summary="Identity disputes waiting for a reviewer, oldest first: masks and whether "
    "each side's channel vouches for the name, never who they are",
)
def dispute_queue(call: Call) -> dict[str, Any]:
    return contract.page(call.services.disputes.queue(**paging(call)), views.dispute)


@routes.route(
    "/v1/admin/disputes/{dispute_id}",
    method="POST",
    roles=REVIEWER,
    tags=("review",),
    body=DISPUTE_DECISION,
    response=DISPUTE_ITEM,
    errors=(404, 409),
    summary="Decide a dispute: move the person to the claimant (who then gets the code), "
    "keep them, or ask for proof; audited",
)
def dispute_decide(call: Call) -> dict[str, Any]:
    item = call.services.disputes.decide(
        call.who,
        call.params["dispute_id"],
        decision=call.body["decision"],
        note=call.body["note"],
    )
    return views.dispute(item)
