"""The mutual-recognition routes (互通互认): the trust list, converting a partner region's
code, and partner statuses.

Each view parses the request, calls one service and shapes the answer
(``chalicelib.kernel.api`` does the rest).
"""

from __future__ import annotations

from typing import Any

from chalicelib.federation import schemas as views
from chalicelib.federation.schemas import (
    CONVERT,
    CONVERTED,
    PARTNER_STATUS_BATCH,
    PARTNER_STATUS_MAX_BODY,
    PARTNER_STATUS_RESULT,
    PUBLISHED_TRUST_LIST,
    TRUST_LIST_LOADED,
    TRUST_LIST_MAX_BODY,
    TRUST_LIST_UPLOAD,
)
from chalicelib.kernel.api import KEYS_MAX_AGE, Call, Routes
from chalicelib.kernel.roles import (
    ADMIN,
    CITIZEN,
    Role,
)

routes = Routes(__name__)


# --- mutual recognition across regions (互通互认; docs/federation.md) ---------------------


@routes.route(
    "/v1/trust-list",
    cache=KEYS_MAX_AGE,
    tags=("federation",),
    response=PUBLISHED_TRUST_LIST,
    summary="Our keys and the trusted partner / national keys, signed with our own key, "
    "with the national root's list: what a checkpoint caches to verify offline",
)
def trust_list(call: Call) -> dict[str, Any]:
    return call.services.federation.published()


@routes.route(
    "/v1/admin/trust-list",
    method="PUT",
    roles=ADMIN,
    tags=("federation",),
    body=TRUST_LIST_UPLOAD,
    response=TRUST_LIST_LOADED,
    errors=(409,),
    max_body=TRUST_LIST_MAX_BODY,
    summary="Load the national trust list: verified against the pinned national root; only "
    "a newer version replaces the one in force; revoked keys stop verifying at once",
)
def trust_list_upload(call: Call) -> dict[str, Any]:
    report = call.services.federation.upload_trust_list(call.who, call.body["document"])
    return views.trust_list_loaded(report)


@routes.route(
    "/v1/federation/convert",
    limit="code",
    method="POST",
    roles=CITIZEN,
    tags=("federation",),
    body=CONVERT,
    response=CONVERTED,
    status=201,
    summary="Convert a partner region's or the national code into one of ours: same "
    "colour, our signature, the shorter expiry; the conversion is recorded",
)
def federation_convert(call: Call) -> dict[str, Any]:
    return views.converted(call.services.federation.convert(call.who, call.body["token"]))


@routes.route(
    "/v1/federation/status",
    method="POST",
    roles=frozenset({Role.PARTNER}),
    tags=("federation",),
    body=PARTNER_STATUS_BATCH,
    response=PARTNER_STATUS_RESULT,
    errors=(409,),
    max_body=PARTNER_STATUS_MAX_BODY,
    summary="A partner region's signed batch of attestations (federation hash, colour, "
    "reason codes, valid_until; no personal data); matched people are recoloured",
)
def federation_status(call: Call) -> dict[str, Any]:
    return call.services.federation.receive_status(call.who, call.body)
