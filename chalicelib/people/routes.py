"""The people routes: the persons an account shows (its own and its dependants), unlinking
one, and care requests.

Each view parses the request, calls one service and shapes the answer
(``chalicelib.kernel.api`` does the rest).
"""

from __future__ import annotations

from typing import Any

from chalicelib.kernel.api import Call, Routes
from chalicelib.kernel.roles import CITIZEN
from chalicelib.people import schemas as views
from chalicelib.people.schemas import (
    CARE_ANSWER,
    CARE_REQUEST,
    CARE_REQUESTS,
    CARER_ENDED,
    CARERS,
    PEOPLE,
    UNLINKED,
)

routes = Routes(__name__)


@routes.route(
    "/v1/people",
    roles=CITIZEN,
    tags=("people",),
    response=PEOPLE,
    summary="Self and up to 5 dependants, masked, each with the colour everyone who shows "
    "them sees",
)
def people_list(call: Call) -> dict[str, Any]:
    return views.people(call.services.people.listing(call.who))


@routes.route(
    "/v1/people/{person_id}",
    method="DELETE",
    roles=CITIZEN,
    tags=("people",),
    response=UNLINKED,
    errors=(404, 409),
    summary="End a care link: the account stops seeing the dependant at once",
)
def people_unlink(call: Call) -> dict[str, Any]:
    link = call.services.people.unlink(call.who, call.params["person_id"])
    return {"id": link.person_id, "relation": link.relation, "linked": False}


@routes.route(
    "/v1/me/care-requests",
    roles=CITIZEN,
    tags=("people",),
    response=CARE_REQUESTS,
    summary="Requests to care for the caller's own person (a child adding a parent who "
    "has an account of their own), oldest first; unanswered ones lapse after 7 days",
)
def care_requests(call: Call) -> dict[str, Any]:
    entries = call.services.people.requests_for(call.who)
    return {"items": [views.care_request(e.request, e.requester_name_masked) for e in entries]}


@routes.route(
    "/v1/me/care-requests/{request_id}",
    method="POST",
    roles=CITIZEN,
    tags=("people",),
    body=CARE_ANSWER,
    response=CARE_REQUEST,
    errors=(404, 409),
    summary="Accept (the requester then shows your code, with the one colour you have) or "
    "refuse a request to care for you",
)
def care_request_answer(call: Call) -> dict[str, Any]:
    entry = call.services.people.answer(call.who, call.params["request_id"], call.body["decision"])
    return views.care_request(entry.request, entry.requester_name_masked)


@routes.route(
    "/v1/me/carers",
    roles=CITIZEN,
    tags=("people",),
    response=CARERS,
    summary="Who may act for me (masked), since when, on what basis and what they may do",
)
def carers(call: Call) -> dict[str, Any]:
    return {"items": [views.carer(e) for e in call.services.people.carers(call.who)]}


@routes.route(
    "/v1/me/carers/{link_id}",
    method="DELETE",
    roles=CITIZEN,
    tags=("people",),
    response=CARER_ENDED,
    errors=(404, 409),
    summary="Withdraw consent: the carer stops acting for me at once (a child's guardian "
    "stays: 409 guardian_of_child)",
)
def carer_end(call: Call) -> dict[str, Any]:
    entry = call.services.people.end_carer(call.who, call.params["link_id"])
    return {"id": entry.link_id, "relation": entry.link.relation, "ended": True}
