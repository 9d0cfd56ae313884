"""Yima's HTTP routes and scheduled functions: parse → one service call → view.

Nothing is built here at import time: the container (settings, AWS clients,
services) is created by ``chalicelib.bootstrap`` on the first request.
"""

from __future__ import annotations

from typing import Any

from chalice import Chalice, Cron, Rate, Response

from chalicelib import bootstrap
from chalicelib.identity.service import PhoneProof
from chalicelib.kernel.api import KEYS_MAX_AGE, REGION_MAX_AGE, TEST_SITES_MAX_AGE, Api, Call
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.roles import Role
from chalicelib.pages import files as web_pages
from chalicelib.pages import service as pages
from chalicelib.web import contract, contract_people, views, views_people

app = Chalice(app_name="yima", configure_logs=False)  # powertools writes the JSON log lines
app.api.binary_types.append("application/pdf")  # venue posters (Chalice lists images only)
api = Api(app, container=bootstrap.get_container)


@api.route(
    "/v1/openapi.json",
    summary="This API's OpenAPI 3.1 document",
    tags=("meta",),
    response=contract.OPENAPI_DOC,
)
def openapi(call: Call) -> dict[str, Any]:
    from chalicelib.kernel.openapi import build_document

    local = call.services.settings.is_local
    return build_document([op for op in api.operations if local or not op.local_only])


@api.route(
    "/v1/auth/dev",
    limit="login",
    method="POST",
    tags=("auth",),
    body=contract.DEV_LOGIN,
    response=contract.SESSION,
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


@api.route(
    "/v1/auth/wechat",
    limit="login",
    method="POST",
    tags=("auth",),
    body=contract.WECHAT_LOGIN,
    response=contract.SESSION,
    errors=(401, 403, 502),  # 401 a code WeChat refuses, 403 an account WeChat blocks
    summary="WeChat mini-program login: code2session; the session_key stays on the server",
)
def wechat_login(call: Call) -> dict[str, Any]:
    return views.session(call.services.auth.wechat_login(call.body["code"]))


@api.route(
    "/v1/auth/alipay",
    limit="login",
    method="POST",
    tags=("auth",),
    body=contract.ALIPAY_LOGIN,
    response=contract.SESSION,
    errors=(401, 502),  # 401 a code Alipay refuses
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
    "/v1/me/real-name",
    limit="login",
    method="POST",
    roles=frozenset({Role.CITIZEN}),
    tags=("me",),
    body=contract_people.REAL_NAME,
    response=contract_people.REAL_NAME_RESULT,
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


# --- declarations and review ----------------------------------------------------

CITIZEN = frozenset({Role.CITIZEN})
REVIEWER = frozenset({Role.REVIEWER})
OFFICIAL = frozenset({Role.OFFICIAL})
ADMIN = frozenset({Role.ADMIN})


def _paging(call: Call) -> dict[str, Any]:
    return {"limit": call.query.get("limit", 20), "cursor": call.query.get("cursor")}


@api.route(
    "/v1/declarations",
    method="POST",
    limit="declare",
    roles=CITIZEN,
    tags=("declarations",),
    body=contract.DECLARE,
    response=contract.DECLARED,
    status=201,
    errors=(409,),
    summary="Declare health; rules approve clear cases, others wait for a reviewer",
)
def declare(call: Call) -> dict[str, Any]:
    return views.declared(call.services.declarations.declare(call.who, call.body))


@api.route(
    "/v1/declarations",
    roles=CITIZEN,
    tags=("declarations",),
    query=contract.PAGING,
    response=contract.page_of(contract.DECLARATION),
    summary="The caller's own declarations, newest first",
)
def my_declarations(call: Call) -> dict[str, Any]:
    result = call.services.declarations.own(call.who, **_paging(call))
    return views.page(result, views.declaration)


@api.route(
    "/v1/admin/reviews",
    limit="staff_read",
    roles=REVIEWER,
    tags=("review",),
    query=contract.PAGING,
    response=contract.page_of(contract.REVIEW_ITEM),
    summary="Declarations waiting for a reviewer, oldest first",
)
def review_queue(call: Call) -> dict[str, Any]:
    return views.page(call.services.reviews.queue(**_paging(call)), views.review_item)


@api.route(
    "/v1/admin/reviews/{declaration_id}",
    method="POST",
    roles=REVIEWER,
    tags=("review",),
    body=contract.REVIEW_DECISION,
    response=contract.REVIEWED,
    errors=(404, 409),
    summary="Approve or reject a pending declaration, with a note; recolours at once",
)
def review_decide(call: Call) -> dict[str, Any]:
    outcome = call.services.reviews.decide(
        call.who,
        call.params["declaration_id"],
        decision=call.body["decision"],
        note=call.body["note"],
    )
    return views.reviewed(outcome)


# --- official status marks ----------------------------------------------------------


@api.route(
    "/v1/admin/status",
    limit="staff_read",
    method="POST",
    roles=OFFICIAL,
    tags=("officials",),
    body=contract.STATUS_REQUEST,
    response=contract.MARK,
    status=201,
    summary="Request a status mark for a person by ID number; a second official approves",
)
def status_request(call: Call) -> dict[str, Any]:
    mark = call.services.status.request(
        call.who,
        id_number=call.body["id_number"],
        status=call.body["status"],
        category=call.body["category"],
        note=call.body["note"],
        contact_date=call.body.get("contact_date"),
    )
    return views.mark(mark)


@api.route(
    "/v1/admin/status",
    limit="staff_read",
    roles=OFFICIAL,
    tags=("officials",),
    query=contract.PAGING,
    response=contract.page_of(contract.MARK_ITEM),
    summary="The officials' queue: marks awaiting a second official (including those a "
    "positive lab result opened), oldest first",
)
def status_queue(call: Call) -> dict[str, Any]:
    return views.page(call.services.status.queue(**_paging(call)), views.mark_item)


@api.route(
    "/v1/admin/status/{mark_id}/approve",
    method="POST",
    roles=OFFICIAL,
    tags=("officials",),
    body=contract.STATUS_APPROVAL,
    body_optional=True,
    response=contract.MARK,
    errors=(404, 409),
    summary="A second, different official approves; the person is recoloured at once",
)
def status_approve(call: Call) -> dict[str, Any]:
    return views.mark_outcome(
        call.services.status.approve(
            call.who,
            call.params["mark_id"],
            category=call.body.get("category"),
            note=call.body.get("note"),
        )
    )


# --- appeals and audit -----------------------------------------------------------------


@api.route(
    "/v1/me/appeals",
    method="POST",
    roles=CITIZEN,
    tags=("appeals",),
    body=contract.APPEAL_REQUEST,
    response=contract.APPEAL,
    status=201,
    errors=(409,),
    summary="Contest the current colour; a reviewer answers",
)
def appeal_file(call: Call) -> dict[str, Any]:
    return views.appeal(call.services.appeals.file(call.who, call.body["reason"]))


@api.route(
    "/v1/me/appeals",
    roles=CITIZEN,
    tags=("appeals",),
    query=contract.PAGING,
    response=contract.page_of(contract.APPEAL),
    summary="The caller's own appeals and their answers, newest first",
)
def appeal_own(call: Call) -> dict[str, Any]:
    return views.page(call.services.appeals.own(call.who, **_paging(call)), views.appeal)


@api.route(
    "/v1/admin/appeals",
    limit="staff_read",
    roles=REVIEWER,
    tags=("appeals",),
    query=contract.PAGING,
    response=contract.page_of(contract.APPEAL),
    summary="Open appeals, oldest first",
)
def appeal_queue(call: Call) -> dict[str, Any]:
    return views.page(call.services.appeals.queue(**_paging(call)), views.appeal)


@api.route(
    "/v1/admin/appeals/{appeal_id}",
    method="POST",
    roles=REVIEWER,
    tags=("appeals",),
    body=contract.APPEAL_ANSWER,
    response=contract.APPEAL,
    errors=(404, 409),
    summary="Answer an appeal: upheld or dismissed, with the answer the citizen reads",
)
def appeal_answer(call: Call) -> dict[str, Any]:
    answered = call.services.appeals.answer(
        call.who, call.params["appeal_id"], outcome=call.body["outcome"], answer=call.body["answer"]
    )
    return views.appeal(answered)


@api.route(
    "/v1/admin/audit",
    limit="staff_read",
    roles=ADMIN,
    tags=("audit",),
    query={
        **contract.PAGING,
        "subject": {"type": "string", "minLength": 1, "maxLength": 80},
        "day": {"type": "string", "minLength": 10, "maxLength": 10},
    },
    response=contract.page_of(contract.AUDIT_EVENT),
    summary="Who did what to whom, when and why: by subject, or by day (newest first)",
)
def audit_trail(call: Call) -> dict[str, Any]:
    result = call.services.audit.query(
        subject=call.query.get("subject"), day=call.query.get("day"), **_paging(call)
    )
    return views.page(result, views.audit_event)


# --- the health code --------------------------------------------------------------------


@api.route(
    "/v1/code",
    limit="code",
    roles=CITIZEN,
    tags=("code",),
    query=contract.CODE_QUERY,
    response=contract.CODE,
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


@api.route(
    "/v1/code.svg",
    limit="code",
    roles=CITIZEN,
    tags=("code",),
    query=contract.CODE_QUERY,
    response=contract.IMAGE,
    produces="image/svg+xml",
    errors=(404,),
    summary="The code as an SVG in its colour, captioned with the issue time",
)
def code_svg(call: Call) -> Response:
    return _image(call, "svg")


@api.route(
    "/v1/code.png",
    limit="code",
    roles=CITIZEN,
    tags=("code",),
    query=contract.CODE_QUERY,
    response=contract.IMAGE,
    produces="image/png",
    errors=(404,),
    summary="The code as a PNG in its colour (send Accept: image/png)",
)
def code_png(call: Call) -> Response:
    return _image(call, "png")


@api.route(
    "/v1/keys",
    cache=KEYS_MAX_AGE,
    tags=("code",),
    response=contract.KEYS,
    summary="Public keys that verify codes offline; old keys stay until not_after",
)
def keys(call: Call) -> dict[str, Any]:
    return {"keys": [views.public_key(k) for k in call.services.codes.public_keys()]}


@api.route(
    "/v1/verify",
    limit="scan",
    method="POST",
    roles=frozenset({Role.CHECKPOINT}),
    tags=("code",),
    body=contract.VERIFY,
    response=contract.VERIFIED,
    summary="A checkpoint checks a code: validity, current colour, masked holder; logs the scan",
)
def verify(call: Call) -> dict[str, Any]:
    result = call.services.codes.verify(call.who, call.body["token"], call.body.get("venue_id"))
    return views.verification(result)


@api.route(
    "/v1/pass",
    limit="code",
    roles=CITIZEN,
    tags=("code",),
    query=contract.CODE_QUERY,
    response=contract.PASS,
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
            views.itinerary(service.card(call.who), service.divisions(), service.country_names)
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


# --- carrier feeds and the itinerary card ------------------------------------------------


@api.route(
    "/v1/feeds/carrier",
    method="POST",
    roles=frozenset({Role.CARRIER}),
    tags=("feeds",),
    body=contract.CARRIER_BATCH,
    response=contract.CARRIER_RESULT,
    errors=(409,),
    max_body=contract.CARRIER_MAX_BODY,
    summary="A carrier's batch of stays (up to 10,000); idempotent by batch_id; a bad row "
    "rejects the batch naming stays[i].field",
)
def carrier_feed(call: Call) -> dict[str, Any]:
    return dict(call.services.itinerary.ingest(call.who, call.body))


@api.route(
    "/v1/itinerary",
    roles=CITIZEN,
    tags=("itinerary",),
    response=contract.ITINERARY,
    errors=(409,),
    summary="The itinerary card of the verified phone: cities over 4 h and countries, 14 days",
)
def itinerary(call: Call) -> dict[str, Any]:
    service = call.services.itinerary
    return views.itinerary(service.card(call.who), service.divisions(), service.country_names)


# --- lab results and test sites -----------------------------------------------------------


@api.route(
    "/v1/feeds/tests",
    method="POST",
    roles=frozenset({Role.LAB}),
    tags=("feeds",),
    body=contract.LAB_BATCH,
    response=contract.LAB_RESULT,
    errors=(403, 409),
    max_body=contract.CARRIER_MAX_BODY,
    summary="A lab's batch of nucleic-acid results (up to 5,000); a resent result changes "
    "nothing, a new one for the same (lab, sample_id) replaces it and is audited",
)
def lab_feed(call: Call) -> dict[str, Any]:
    return dict(call.services.labs.ingest(call.who, call.body))


@api.route(
    "/v1/tests",
    roles=CITIZEN,
    tags=("tests",),
    query=contract.CODE_QUERY,
    response=contract.TEST_REPORTS,
    errors=(404,),
    summary="The caller's own nucleic-acid results (or a dependant's: ?person=), newest "
    "first, with badges",
)
def my_tests(call: Call) -> dict[str, Any]:
    reports = call.services.labs.mine(call.who, call.query.get("person"))
    return {"items": [views.test_report(r) for r in reports]}


@api.route(
    "/v1/test-sites",
    cache=TEST_SITES_MAX_AGE,
    tags=("city",),
    query=contract.TEST_SITES_QUERY,
    response=contract.TEST_SITES,
    summary="The nearest nucleic-acid test sites within radius_km (default 10), closest first",
)
def test_sites(call: Call) -> dict[str, Any]:
    found = call.services.test_sites.nearest(
        lat=call.query.get("lat"),
        lng=call.query.get("lng"),
        limit=call.query.get("limit"),
        radius_km=call.query.get("radius_km"),
    )
    return {"items": [views.test_site(n) for n in found]}


# --- risk areas and recolouring -----------------------------------------------------------


@api.route(
    "/v1/feeds/risk-areas",
    method="POST",
    roles=OFFICIAL,
    tags=("feeds",),
    body=contract.RISK_FEED,
    response=contract.REFRESH_REPORT,
    errors=(409,),
    max_body=contract.CARRIER_MAX_BODY,
    summary="Push a risk-area snapshot and refresh at once; an older one, or one lifting "
    "more than half of the active areas, is held until an official confirms",
)
def risk_feed_push(call: Call) -> dict[str, Any]:
    return call.services.risk.push(call.who, call.body)


@api.route(
    "/v1/feeds/risk-areas/{feed_id}/confirm",
    method="POST",
    roles=OFFICIAL,
    tags=("feeds",),
    body=contract.FEED_CONFIRM,
    response=contract.REFRESH_REPORT,
    errors=(404, 409),
    summary="Confirm a held snapshot with the official's reason: it becomes active, the "
    "refresh runs and the reason goes into the audit log",
)
def risk_feed_confirm(call: Call) -> dict[str, Any]:
    return call.services.risk.confirm(call.who, call.params["feed_id"], reason=call.body["reason"])


@api.route(
    "/v1/admin/risk-feeds",
    limit="staff_read",
    roles=OFFICIAL,
    tags=("feeds",),
    query=contract.HELD_QUERY,
    response=contract.page_of(contract.HELD_FEED),
    summary="The held risk snapshots, oldest first, each with why it was held and what "
    "confirming it now would change",
)
def held_risk_feeds(call: Call) -> dict[str, Any]:
    page, reviews = call.services.risk.held(**_paging(call))
    return views.held_feeds(page, reviews)


@app.schedule(Rate(10, unit=Rate.MINUTES))
def refresh_risk_areas(event: Any) -> dict[str, Any]:
    """Pull the feed object from S3 and recolour the people it affects."""
    return bootstrap.get_container().risk.refresh_scheduled()


@app.on_sqs_message(queue="yima-recolour", batch_size=1)
def recolour(event: Any) -> None:
    """Recompute the people in each message; a failure makes SQS redeliver the chunk."""
    import json

    container = bootstrap.get_container()
    for record in event:
        counts = container.risk.process(json.loads(record.body))
        if counts.get("failed"):
            raise RuntimeError(f"{counts['failed']} people failed; SQS will redeliver")


@app.schedule(Rate(10, unit=Rate.MINUTES))
def expire_due(event: Any) -> dict[str, Any]:
    """Recolour the people whose colour can change now (valid_until has passed)."""
    container = bootstrap.get_container()
    return container.risk.expire_due(container.colours.colours)


@app.schedule(Cron(5, 16, "*", "*", "?", "*"))
def expire_due_at_midnight(event: Any) -> dict[str, Any]:
    """00:05 Asia/Shanghai (16:05 UTC): day-counted reasons end at local midnight."""
    container = bootstrap.get_container()
    return container.risk.expire_due(container.colours.colours)


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
    areas = [{**a, "since": views.iso(a["since"])} for a in region["risk_areas"]]
    return {**region, "risk_areas": areas}


@api.route(
    "/v1/regions/{code}",
    cache=REGION_MAX_AGE,
    tags=("city",),
    response=REGION,
    errors=(404,),
    summary="A division's name, risk level (highest inside it), areas and policy",
)
def region(call: Call) -> dict[str, Any]:
    return _region_view(call.services.regions.describe(call.params["code"]))


@api.route(
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


# --- mutual recognition across regions (互通互认; docs/federation.md) ---------------------


@api.route(
    "/v1/trust-list",
    cache=KEYS_MAX_AGE,
    tags=("federation",),
    response=contract.PUBLISHED_TRUST_LIST,
    summary="Our keys and the trusted partner / national keys, signed with our own key, "
    "with the national root's list: what a checkpoint caches to verify offline",
)
def trust_list(call: Call) -> dict[str, Any]:
    return call.services.federation.published()


@api.route(
    "/v1/admin/trust-list",
    method="PUT",
    roles=ADMIN,
    tags=("federation",),
    body=contract.TRUST_LIST_UPLOAD,
    response=contract.TRUST_LIST_LOADED,
    errors=(409,),
    max_body=contract.TRUST_LIST_MAX_BODY,
    summary="Load the national trust list: verified against the pinned national root; only "
    "a newer version replaces the one in force; revoked keys stop verifying at once",
)
def trust_list_upload(call: Call) -> dict[str, Any]:
    report = call.services.federation.upload_trust_list(call.who, call.body["document"])
    return views.trust_list_loaded(report)


@api.route(
    "/v1/federation/convert",
    limit="code",
    method="POST",
    roles=CITIZEN,
    tags=("federation",),
    body=contract.CONVERT,
    response=contract.CONVERTED,
    status=201,
    summary="Convert a partner region's or the national code into one of ours: same "
    "colour, our signature, the shorter expiry; the conversion is recorded",
)
def federation_convert(call: Call) -> dict[str, Any]:
    return views.converted(call.services.federation.convert(call.who, call.body["token"]))


@api.route(
    "/v1/federation/status",
    method="POST",
    roles=frozenset({Role.PARTNER}),
    tags=("federation",),
    body=contract.PARTNER_STATUS_BATCH,
    response=contract.PARTNER_STATUS_RESULT,
    errors=(409,),
    max_body=contract.PARTNER_STATUS_MAX_BODY,
    summary="A partner region's signed batch of attestations (federation hash, colour, "
    "reason codes, valid_until; no personal data); matched people are recoloured",
)
def federation_status(call: Call) -> dict[str, Any]:
    return call.services.federation.receive_status(call.who, call.body)


# --- venue codes (场所码), check-ins, vaccinations (issue 17; docs/venues.md) -------------

VACCINATOR = frozenset({Role.VACCINATOR})


@api.route(
    "/v1/admin/venues",
    method="POST",
    roles=OFFICIAL,
    tags=("venues",),
    body=contract.VENUE_REGISTRATION,
    response=contract.VENUE,
    status=201,
    summary="Register a venue; its poster carries a signed venue token (YV1:)",
)
def venue_register(call: Call) -> dict[str, Any]:
    return views.venue(call.services.venues.register(call.who, call.body))


@api.route(
    "/v1/admin/venues/{venue_id}/reissue",
    method="POST",
    roles=OFFICIAL,
    tags=("venues",),
    response=contract.VENUE,
    errors=(404, 409),
    summary="Reissue a venue's poster: a new token; check-ins with the old one are refused",
)
def venue_reissue(call: Call) -> dict[str, Any]:
    return views.venue(call.services.venues.reissue(call.who, call.params["venue_id"]))


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


@api.route(
    "/v1/venues/{venue_id}/poster.png",
    tags=("venues",),
    response=contract.IMAGE,
    produces="image/png",
    errors=(404,),
    summary="The venue's poster QR as a PNG (send Accept: image/png)",
)
def venue_poster_png(call: Call) -> Response:
    return _poster(call, "png")


@api.route(
    "/v1/venues/{venue_id}/poster.svg",
    tags=("venues",),
    response=contract.IMAGE,
    produces="image/svg+xml",
    errors=(404,),
    summary="The venue's printable poster as an SVG: QR, name, address",
)
def venue_poster_svg(call: Call) -> Response:
    return _poster(call, "svg")


@api.route(
    "/v1/venues/{venue_id}/poster.pdf",
    tags=("venues",),
    response=contract.IMAGE,
    produces="application/pdf",
    errors=(404,),
    summary="The venue's printable poster as a one-page A5 PDF (send Accept: application/pdf)",
)
def venue_poster_pdf(call: Call) -> Response:
    return _poster(call, "pdf")


@api.route(
    "/v1/checkins",
    method="POST",
    limit="code",
    roles=CITIZEN,
    tags=("venues",),
    body=contract.CHECKIN_REQUEST,
    response=contract.CHECKIN_ANSWER,
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


@api.route(
    "/v1/checkins",
    roles=CITIZEN,
    tags=("venues",),
    query=contract.PAGING,
    response=contract.page_of(contract.CHECKIN_ITEM),
    summary="The account's own check-ins (itself and its dependants), newest first, 14 days",
)
def my_checkins(call: Call) -> dict[str, Any]:
    return views.page(call.services.venues.mine(call.who, **_paging(call)), views.checkin_item)


@api.route(
    "/v1/feeds/vaccinations",
    method="POST",
    roles=VACCINATOR,
    tags=("feeds",),
    body=contract.VACCINATION_BATCH,
    response=contract.VACCINATION_RESULT,
    errors=(403, 409),
    max_body=contract.CARRIER_MAX_BODY,
    summary="A vaccinator's batch of records (up to 5,000), checked row by row; idempotent "
    "by record_id; only the client that sent a record may correct it",
)
def vaccination_feed(call: Call) -> dict[str, Any]:
    return dict(call.services.vaccinations.ingest(call.who, call.body))


@api.route(
    "/v1/vaccinations",
    roles=CITIZEN,
    tags=("vaccinations",),
    response=contract.VACCINATIONS,
    summary="The caller's own vaccination records, newest first, with the dose count",
)
def my_vaccinations(call: Call) -> dict[str, Any]:
    records, summary = call.services.vaccinations.mine(call.who)
    return views.vaccinations(records, summary)


# --- dependants, printed codes, the ID card at the gate, identity disputes (issue 16) ----
# docs/people.md. Every route that takes a person resolves it through
# PeopleService.person_for (chalicelib/people/service.py), the one ownership check.

CITIZEN_OR_OFFICIAL = frozenset({Role.CITIZEN, Role.OFFICIAL})


@api.route(
    "/v1/people",
    roles=CITIZEN,
    tags=("people",),
    response=contract_people.PEOPLE,
    summary="Self and up to 5 dependants, masked, each with the colour everyone who shows "
    "them sees",
)
def people_list(call: Call) -> dict[str, Any]:
    return views_people.people(call.services.people.listing(call.who))


@api.route(
    "/v1/people/{person_id}",
    method="DELETE",
    roles=CITIZEN,
    tags=("people",),
    response=contract_people.UNLINKED,
    errors=(404, 409),
    summary="End a care link: the account stops seeing the dependant at once",
)
def people_unlink(call: Call) -> dict[str, Any]:
    link = call.services.people.unlink(call.who, call.params["person_id"])
    return {"id": link.person_id, "relation": link.relation, "linked": False}


@api.route(
    "/v1/me/care-requests",
    roles=CITIZEN,
    tags=("people",),
    response=contract_people.CARE_REQUESTS,
    summary="Requests to care for the caller's own person (a child adding a parent who "
    "has an account of their own), oldest first; unanswered ones lapse after 7 days",
)
def care_requests(call: Call) -> dict[str, Any]:
    entries = call.services.people.requests_for(call.who)
    return {
        "items": [views_people.care_request(e.request, e.requester_name_masked) for e in entries]
    }


@api.route(
    "/v1/me/care-requests/{request_id}",
    method="POST",
    roles=CITIZEN,
    tags=("people",),
    body=contract_people.CARE_ANSWER,
    response=contract_people.CARE_REQUEST,
    errors=(404, 409),
    summary="Accept (the requester then shows your code, with the one colour you have) or "
    "refuse a request to care for you",
)
def care_request_answer(call: Call) -> dict[str, Any]:
    entry = call.services.people.answer(call.who, call.params["request_id"], call.body["decision"])
    return views_people.care_request(entry.request, entry.requester_name_masked)


@api.route(
    "/v1/people/{person_id}/printed-code",
    method="POST",
    roles=CITIZEN_OR_OFFICIAL,
    tags=("people",),
    body=contract_people.PRINTED_REQUEST,
    response=contract_people.PRINTED,
    status=201,
    errors=(404,),
    summary="A printed code (its own kind, up to 30 days) and its A6 PDF card; the holder "
    "for self or a dependant, an official for anyone; revokes the previous one",
)
def printed_code(call: Call) -> dict[str, Any]:
    card = call.services.gate.issue_printed(
        call.who, call.params["person_id"], days=call.body.get("days")
    )
    return views_people.printed(card)


@api.route(
    "/v1/verify/id",
    limit="scan",
    method="POST",
    roles=frozenset({Role.CHECKPOINT}),
    tags=("code",),
    body=contract_people.VERIFY_ID,
    response=contract.VERIFIED,
    summary="The ID-card check at the gate: the /v1/verify answer without a token; an "
    "unknown number is valid: false, reason: unknown_person; logs the scan",
)
def verify_id(call: Call) -> dict[str, Any]:
    result = call.services.gate.verify_id(
        call.who, call.body["id_number"], call.body.get("venue_id")
    )
    return views.verification(result)


@api.route(
    "/v1/admin/disputes",
    limit="staff_read",
    roles=REVIEWER,
    tags=("review",),
    query=contract.PAGING,
    response=contract_people.DISPUTES,
    summary="Identity disputes waiting for a reviewer, oldest first: masks and whether "
    "each side's channel vouches for the name, never who they are",
)
def dispute_queue(call: Call) -> dict[str, Any]:
    return views.page(call.services.disputes.queue(**_paging(call)), views_people.dispute)


@api.route(
    "/v1/admin/disputes/{dispute_id}",
    method="POST",
    roles=REVIEWER,
    tags=("review",),
    body=contract_people.DISPUTE_DECISION,
    response=contract_people.DISPUTE_ITEM,
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
    return views_people.dispute(item)


# --- the pages people look at (issue 18; docs/pages.md) ----------------------------------
# The citizen page, the checkpoint scanner and the officials' console, and the one-time
# code that brings a session to them without a long-lived token in a URL.


@api.route(
    "/v1/auth/page-code",
    limit="login",
    method="POST",
    roles=pages.SIGN_IN_ROLES,
    tags=("pages",),
    body=web_pages.PAGE_CODE_REQUEST,
    response=web_pages.PAGE_CODE,
    status=201,
    summary="A one-time code (60 s, single use) that opens a page as the caller: put it "
    "in the page URL's fragment (#code=…), never in its path or query",
)
def page_code(call: Call) -> dict[str, Any]:
    issued = call.services.pages.issue(call.who, call.body["page"])
    return web_pages.page_code_view(issued)


@api.route(
    "/v1/auth/page-session",
    limit="login",
    method="POST",
    tags=("pages",),
    body=web_pages.PAGE_SESSION_REQUEST,
    response=web_pages.PAGE_SESSION,
    errors=(401,),
    summary="Exchange a page code once for a session of the same subject and role, ending "
    "no later than the one that asked for it; a used or late code is a 401",
)
def page_session(call: Call) -> dict[str, Any]:
    return web_pages.page_session_view(call.services.pages.exchange(call.body["code"]))


@api.route(
    "/v1/pages/{name}",
    tags=("pages",),
    response=web_pages.PAGE_FILE,
    produces=web_pages.PRODUCES,
    summary="The pages' files (citizen.html, scanner.html, console.html and their scripts, "
    "styles and service worker), with a strict Content-Security-Policy",
)
def page_file(call: Call) -> Response:
    return web_pages.serve(call.params["name"])
