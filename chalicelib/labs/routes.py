"""The lab routes: labs' result batches in, a citizen's reports out, and the nearest test
sites.

Each view parses the request, calls one service and shapes the answer
(``chalicelib.kernel.api`` does the rest).
"""

from __future__ import annotations

from typing import Any

from chalicelib.itinerary.schemas import CARRIER_MAX_BODY
from chalicelib.kernel.api import TEST_SITES_MAX_AGE, Call, Routes
from chalicelib.kernel.contract import CODE_QUERY
from chalicelib.kernel.roles import (
    CITIZEN,
    Role,
)
from chalicelib.labs import schemas as views
from chalicelib.labs.schemas import (
    LAB_BATCH,
    LAB_RESULT,
    TEST_REPORTS,
    TEST_SITES,
    TEST_SITES_QUERY,
)

routes = Routes(__name__)


# --- lab results and test sites -----------------------------------------------------------


@routes.route(
    "/v1/feeds/tests",
    method="POST",
    roles=frozenset({Role.LAB}),
    tags=("feeds",),
    body=LAB_BATCH,
    response=LAB_RESULT,
    errors=(403, 409),
    max_body=CARRIER_MAX_BODY,
    summary="A lab's batch of nucleic-acid results (up to 5,000); a resent result changes "
    "nothing, a new one for the same (lab, sample_id) replaces it and is audited",
)
def lab_feed(call: Call) -> dict[str, Any]:
    return dict(call.services.labs.ingest(call.who, call.body))


@routes.route(
    "/v1/tests",
    roles=CITIZEN,
    tags=("tests",),
    query=CODE_QUERY,
    response=TEST_REPORTS,
    errors=(404,),
    summary="The caller's own nucleic-acid results (or a dependant's: ?person=), newest "
    "first, with badges",
)
def my_tests(call: Call) -> dict[str, Any]:
    reports = call.services.labs.mine(call.who, call.query.get("person"))
    return {"items": [views.test_report(r) for r in reports]}


@routes.route(
    "/v1/test-sites",
    cache=TEST_SITES_MAX_AGE,
    tags=("city",),
    query=TEST_SITES_QUERY,
    response=TEST_SITES,
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
