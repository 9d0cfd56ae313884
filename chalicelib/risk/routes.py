"""The risk routes: officials push and confirm risk-area feeds and list the held ones;
anyone reads a city's risk level and entry policy, which an official sets.

Each view parses the request, calls one service and shapes the answer
(``chalicelib.kernel.api`` does the rest).
"""

from __future__ import annotations

from typing import Any

from chalicelib.itinerary.schemas import CARRIER_MAX_BODY
from chalicelib.kernel import contract
from chalicelib.kernel.api import REGION_MAX_AGE, Call, Routes, paging
from chalicelib.kernel.roles import (
    OFFICIAL,
)
from chalicelib.risk import schemas as views
from chalicelib.risk.schemas import FEED_CONFIRM, HELD_FEED, HELD_QUERY, REFRESH_REPORT, RISK_FEED

routes = Routes(__name__)


# --- risk areas and recolouring -----------------------------------------------------------


@routes.route(
    "/v1/feeds/risk-areas",
    method="POST",
    roles=OFFICIAL,
    tags=("feeds",),
    body=RISK_FEED,
    response=REFRESH_REPORT,
    errors=(409,),
    max_body=CARRIER_MAX_BODY,
    summary="Push a risk-area snapshot and refresh at once; an older one, or one lifting "
    "more than half of the active areas, is held until an official confirms",
)
def risk_feed_push(call: Call) -> dict[str, Any]:
    return call.services.risk.push(call.who, call.body)


@routes.route(
    "/v1/feeds/risk-areas/{feed_id}/confirm",
    method="POST",
    roles=OFFICIAL,
    tags=("feeds",),
    body=FEED_CONFIRM,
    response=REFRESH_REPORT,
    errors=(404, 409),
    summary="Confirm a held snapshot with the official's reason: it becomes active, the "
    "refresh runs and the reason goes into the audit log",
)
def risk_feed_confirm(call: Call) -> dict[str, Any]:
    return call.services.risk.confirm(call.who, call.params["feed_id"], reason=call.body["reason"])


@routes.route(
    "/v1/admin/risk-feeds",
    limit="staff_read",
    roles=OFFICIAL,
    tags=("feeds",),
    query=HELD_QUERY,
    response=contract.page_of(HELD_FEED),
    summary="The held risk snapshots, oldest first, each with why it was held and what "
    "confirming it now would change",
)
def held_risk_feeds(call: Call) -> dict[str, Any]:
    page, reviews = call.services.risk.held(**paging(call))
    return views.held_feeds(page, reviews)


# --- city services ------------------------------------------------------------------------

REGION: dict[str, Any] = {
    "type": "object",
    "required": ["code", "name", "risk_level", "risk_areas", "policy"],
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "risk_level": {"type": "string", "enum": ["high", "medium", "low"]},
        "risk_areas": {"type": "array", "items": {"type": "object"}},
        "policy": {"type": "string"},
        "policy_updated_at": {"type": ["string", "null"]},
    },
}


def _region_view(region: dict[str, Any]) -> dict[str, Any]:
    areas = [{**a, "since": contract.iso(a["since"])} for a in region["risk_areas"]]
    return {**region, "risk_areas": areas}


DIVISION: dict[str, Any] = {
    "type": "object",
    "required": ["code", "name", "level"],
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "level": {"type": "string", "enum": ["province", "city", "county"]},
        "has_children": {"type": "boolean"},
    },
}
DIVISIONS: dict[str, Any] = {
    "type": "object",
    "required": ["parent", "items"],
    "properties": {
        "parent": {"oneOf": [DIVISION, {"type": "null"}]},
        "items": {"type": "array", "items": DIVISION},
    },
}


@routes.route(
    "/v1/regions",
    cache=REGION_MAX_AGE,
    tags=("city",),
    query={
        "parent": {
            "type": "string",
            "pattern": "^[0-9]{6}$",
            "description": "a province or city code; absent: the provinces",
        }
    },
    response=DIVISIONS,
    errors=(404,),
    summary="The division tree one level at a time, for region pickers: the provinces, "
    "a province's cities, a city's counties",
)
def regions(call: Call) -> dict[str, Any]:
    return call.services.regions.children(call.query.get("parent"))


@routes.route(
    "/v1/regions/{code}",
    cache=REGION_MAX_AGE,
    tags=("city",),
    response=REGION,
    errors=(404,),
    summary="A division's name, risk level (highest inside it), areas and policy",
)
def region(call: Call) -> dict[str, Any]:
    return _region_view(call.services.regions.describe(call.params["code"]))


@routes.route(
    "/v1/admin/regions/{code}/policy",
    method="PUT",
    roles=OFFICIAL,
    tags=("city",),
    body={
        "type": "object",
        "required": ["text"],
        "additionalProperties": False,
        "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 4000}},
    },
    response=REGION,
    errors=(404,),
    summary="Set a division's entry / return policy text (audited)",
)
def region_policy(call: Call) -> dict[str, Any]:
    region = call.services.regions.set_policy(call.who, call.params["code"], call.body["text"])
    return _region_view(region)
