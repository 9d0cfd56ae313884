"""The venue routes: venue codes and their posters, check-ins, and vaccination records.

Each view parses the request, calls one service and shapes the answer
(``chalicelib.kernel.api`` does the rest).
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.codes.schemas import IMAGE
from chalicelib.itinerary.schemas import CARRIER_MAX_BODY
from chalicelib.kernel import contract
from chalicelib.kernel.api import Call, Routes, paging
from chalicelib.kernel.contract import PAGING
from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.roles import (
    CITIZEN,
    OFFICIAL,
    VACCINATOR,
)
from chalicelib.people.schemas import PERSON_QUERY
from chalicelib.venues import schemas as views
from chalicelib.venues.schemas import (
    ASSIGNMENT,
    ASSIGNMENT_ENDED,
    ASSIGNMENT_REQUEST,
    ASSIGNMENTS,
    ASSIGNMENTS_QUERY,
    CHECKIN_ANSWER,
    CHECKIN_ITEM,
    CHECKIN_REQUEST,
    VACCINATION_BATCH,
    VACCINATION_RESULT,
    VACCINATIONS,
    VENUE,
    VENUE_REGISTRATION,
)

routes = Routes(__name__)


@routes.route(
    "/v1/admin/venues",
    method="POST",
    roles=OFFICIAL,
    tags=("venues",),
    body=VENUE_REGISTRATION,
    response=VENUE,
    status=201,
    summary="Register a venue; its poster carries a signed venue token (YV1:)",
)
def venue_register(call: Call) -> dict[str, Any]:
    return views.venue(call.services.venues.register(call.who, call.body))


@routes.route(
    "/v1/admin/venues/{venue_id}/reissue",
    method="POST",
    roles=OFFICIAL,
    tags=("venues",),
    response=VENUE,
    errors=(404, 409),
    summary="Reissue a venue's poster: a new token; check-ins with the old one are refused",
)
def venue_reissue(call: Call) -> dict[str, Any]:
    return views.venue(call.services.venues.reissue(call.who, call.params["venue_id"]))


@routes.route(
    "/v1/admin/assignments",
    method="POST",
    roles=OFFICIAL,
    tags=("venues",),
    body=ASSIGNMENT_REQUEST,
    response=ASSIGNMENT,
    status=201,
    errors=(404, 409),
    summary="Post a checkpoint account at a registered venue ({user_id, venue_id}): its "
    "scans happen there; {user_id, site_id} (a sampler) arrives with mass testing",
)
def assignment_create(call: Call) -> dict[str, Any]:
    return views.assignment(call.services.assignments.assign(call.who, call.body))


@routes.route(
    "/v1/admin/assignments",
    roles=OFFICIAL,
    tags=("venues",),
    query=ASSIGNMENTS_QUERY,
    response=ASSIGNMENTS,
    summary="The venues a checkpoint account is posted at (?user_id= required)",
)
def assignment_list(call: Call) -> dict[str, Any]:
    user_id = call.query.get("user_id")
    if not user_id:
        raise InvalidInput("user_id is required: whose posts to list", field="user_id")
    items = call.services.assignments.of_user(user_id)
    return {"items": [views.assignment(a) for a in items], "cursor": None}


@routes.route(
    "/v1/admin/assignments/{assignment_id}",
    method="DELETE",
    roles=OFFICIAL,
    tags=("venues",),
    response=ASSIGNMENT_ENDED,
    errors=(404,),
    summary="End a checkpoint account's post: its scans stop happening at that venue",
)
def assignment_end(call: Call) -> dict[str, Any]:
    ended = call.services.assignments.end(call.who, call.params["assignment_id"])
    return {"id": ended.assignment_id, "user_id": ended.user_id, "venue_id": ended.venue_id,
            "ended": True}  # fmt: skip


def _poster(call: Call, kind: str) -> Response:
    from chalicelib.venues import poster

    venue = call.services.venues.get(call.params["venue_id"])
    d = venue.details
    body: str | bytes
    if kind == "svg":
        body, content_type = (
            poster.svg(venue.token, d.name, d.address, venue.venue_id),
            "image/svg+xml",
        )
    elif kind == "png":
        body, content_type = poster.png_image(venue.token), "image/png"
    else:
        body = poster.pdf(venue.token, d.name, d.address, venue.venue_id)
        content_type = "application/pdf"
    return Response(
        body=body,
        status_code=200,
        headers={"Content-Type": content_type, "Cache-Control": "no-cache"},
    )


@routes.route(
    "/v1/venues/{venue_id}/poster.png",
    tags=("venues",),
    response=IMAGE,
    produces="image/png",
    errors=(404,),
    summary="The venue's poster QR as a PNG (send Accept: image/png)",
)
def venue_poster_png(call: Call) -> Response:
    return _poster(call, "png")


@routes.route(
    "/v1/venues/{venue_id}/poster.svg",
    tags=("venues",),
    response=IMAGE,
    produces="image/svg+xml",
    errors=(404,),
    summary="The venue's printable poster as an SVG: QR, name, address",
)
def venue_poster_svg(call: Call) -> Response:
    return _poster(call, "svg")


@routes.route(
    "/v1/venues/{venue_id}/poster.pdf",
    tags=("venues",),
    response=IMAGE,
    produces="application/pdf",
    errors=(404,),
    summary="The venue's printable poster as a one-page A5 PDF (send Accept: application/pdf)",
)
def venue_poster_pdf(call: Call) -> Response:
    return _poster(call, "pdf")


@routes.route(
    "/v1/checkins",
    method="POST",
    limit="code",
    roles=CITIZEN,
    tags=("venues",),
    body=CHECKIN_REQUEST,
    response=CHECKIN_ANSWER,
    status=201,
    errors=(403, 404),
    summary="Check in at a venue (扫场所码), for yourself or a dependant: the answer is what "
    "the staff see (colour, masked name, time, latest test, vaccination, pending action)",
)
def checkin(call: Call) -> dict[str, Any]:
    answer = call.services.venues.check_in(
        call.who, call.body["venue_token"], call.body.get("person")
    )
    return views.checkin_answer(answer)


@routes.route(
    "/v1/checkins",
    roles=CITIZEN,
    tags=("venues",),
    query={**PAGING, **PERSON_QUERY},
    response=contract.page_of(CHECKIN_ITEM),
    errors=(404,),
    summary="Your own check-ins, whoever made them (you, or a carer for you), newest first, "
    "14 days; ?person= for a dependant's",
)
def my_checkins(call: Call) -> dict[str, Any]:
    page = call.services.venues.mine(call.who, person=call.query.get("person"), **paging(call))
    return contract.page(page, views.checkin_item)


@routes.route(
    "/v1/feeds/vaccinations",
    method="POST",
    roles=VACCINATOR,
    tags=("feeds",),
    body=VACCINATION_BATCH,
    response=VACCINATION_RESULT,
    errors=(403, 409),
    max_body=CARRIER_MAX_BODY,
    summary="A vaccinator's batch of records (up to 5,000), checked row by row; idempotent "
    "by record_id; only the client that sent a record may correct it",
)
def vaccination_feed(call: Call) -> dict[str, Any]:
    return dict(call.services.vaccinations.ingest(call.who, call.body))


@routes.route(
    "/v1/vaccinations",
    roles=CITIZEN,
    tags=("vaccinations",),
    response=VACCINATIONS,
    summary="The caller's own vaccination records, newest first, with the dose count",
)
def my_vaccinations(call: Call) -> dict[str, Any]:
    records, summary = call.services.vaccinations.mine(call.who)
    return views.vaccinations(records, summary)
