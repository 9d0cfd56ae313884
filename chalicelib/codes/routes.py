"""The health-code routes: the code and its images, the public keys, a checkpoint's scan,
the one-screen pass, printed codes and the ID-card check.

Each view parses the request, calls one service and shapes the answer
(``chalicelib.kernel.api`` does the rest).
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.codes import schemas as views
from chalicelib.codes.schemas import (
    CODE,
    IMAGE,
    KEYS,
    PASS,
    PRINTED,
    PRINTED_REQUEST,
    VERIFIED,
    VERIFY,
    VERIFY_ID,
)
from chalicelib.itinerary import schemas as itinerary_views
from chalicelib.kernel.api import KEYS_MAX_AGE, Call, Routes
from chalicelib.kernel.contract import CODE_QUERY
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.roles import (
    CITIZEN,
    CITIZEN_OR_OFFICIAL,
    Role,
)

routes = Routes(__name__)


# --- the health code --------------------------------------------------------------------


@routes.route(
    "/v1/code",
    limit="code",
    roles=CITIZEN,
    tags=("code",),
    query=CODE_QUERY,
    response=CODE,
    errors=(404,),
    summary="The caller's health code: colour, reasons, signed token (refresh before expiry)",
)
def code(call: Call) -> dict[str, Any]:
    return views.code(call.services.codes.show(call.who, call.query.get("person")))


def _image(call: Call, kind: str) -> Response:
    from chalicelib.kernel import qr
    from chalicelib.kernel.times import local_time

    shown = call.services.codes.show(call.who, call.query.get("person"))
    colour = shown.stored.assessment.colour.value
    issued = local_time(shown.claims.issued_at)
    body: str | bytes
    if kind == "svg":
        caption = issued.strftime("%Y-%m-%d %H:%M:%S") + " 签发"
        body, content_type = qr.svg(shown.token, colour, caption), "image/svg+xml"
    else:
        body = qr.png_image(shown.token, colour, issued.strftime("%m-%d %H:%M"))
        content_type = "image/png"
    return Response(
        body=body,
        status_code=200,
        headers={"Content-Type": content_type, "Cache-Control": "no-store"},
    )


@routes.route(
    "/v1/code.svg",
    limit="code",
    roles=CITIZEN,
    tags=("code",),
    query=CODE_QUERY,
    response=IMAGE,
    produces="image/svg+xml",
    errors=(404,),
    summary="The code as an SVG in its colour, captioned with the issue time",
)
def code_svg(call: Call) -> Response:
    return _image(call, "svg")


@routes.route(
    "/v1/code.png",
    limit="code",
    roles=CITIZEN,
    tags=("code",),
    query=CODE_QUERY,
    response=IMAGE,
    produces="image/png",
    errors=(404,),
    summary="The code as a PNG in its colour (send Accept: image/png)",
)
def code_png(call: Call) -> Response:
    return _image(call, "png")


@routes.route(
    "/v1/keys",
    cache=KEYS_MAX_AGE,
    tags=("code",),
    response=KEYS,
    summary="Public keys that verify codes offline; old keys stay until not_after",
)
def keys(call: Call) -> dict[str, Any]:
    return {"keys": [views.public_key(k) for k in call.services.codes.public_keys()]}


@routes.route(
    "/v1/verify",
    limit="scan",
    method="POST",
    roles=frozenset({Role.CHECKPOINT}),
    tags=("code",),
    body=VERIFY,
    response=VERIFIED,
    summary="A checkpoint checks a code: validity, current colour, masked holder; logs the scan",
)
def verify(call: Call) -> dict[str, Any]:
    result = call.services.codes.verify(call.who, call.body["token"], call.body.get("venue_id"))
    return views.verification(result)


@routes.route(
    "/v1/pass",
    limit="code",
    roles=CITIZEN,
    tags=("code",),
    query=CODE_QUERY,
    response=PASS,
    errors=(404,),
    summary="One screen: the code, the itinerary card and the latest test result; "
    "?person= for a dependant (whose pass has no itinerary card: that is the phone's)",
)
def one_pass(call: Call) -> dict[str, Any]:
    person = call.query.get("person")
    shown = views.code(call.services.codes.show(call.who, person))
    service = call.services.itinerary
    own = call.services.people.self_of(call.who.subject)
    try:
        card = (
            itinerary_views.itinerary(
                service.card(call.who), service.divisions(), service.country_names
            )
            if person is None or (own is not None and own.person_id == person)
            else None
        )
    except Conflict:  # no verified phone: no card, which the pass shows as null
        card = None
    return {
        "code": shown,
        "itinerary": card,
        "latest_test": shown["latest_test"],
        "required_action": shown["required_action"],
        "vaccination": shown["vaccination"],
    }


@routes.route(
    "/v1/people/{person_id}/printed-code",
    method="POST",
    roles=CITIZEN_OR_OFFICIAL,
    tags=("people",),
    body=PRINTED_REQUEST,
    body_optional=True,  # its only field is optional: no body is the default lifetime
    response=PRINTED,
    status=201,
    errors=(404,),
    summary="A printed code (its own kind, up to 30 days) and its A6 PDF card; the holder "
    "for self or a dependant, an official for anyone; revokes the previous one",
)
def printed_code(call: Call) -> dict[str, Any]:
    card = call.services.gate.issue_printed(
        call.who, call.params["person_id"], days=call.body.get("days")
    )
    return views.printed(card)


@routes.route(
    "/v1/verify/id",
    limit="scan",
    method="POST",
    roles=frozenset({Role.CHECKPOINT}),
    tags=("code",),
    body=VERIFY_ID,
    response=VERIFIED,
    summary="The ID-card check at the gate: the /v1/verify answer without a token; an "
    "unknown number is valid: false, reason: unknown_person; logs the scan",
)
def verify_id(call: Call) -> dict[str, Any]:
    result = call.services.gate.verify_id(
        call.who, call.body["id_number"], call.body.get("venue_id")
    )
    return views.verification(result)
