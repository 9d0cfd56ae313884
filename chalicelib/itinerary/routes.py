"""The itinerary routes: carriers' batches of stays in, the itinerary card out.

Each view parses the request, calls one service and shapes the answer
(``chalicelib.kernel.api`` does the rest).
"""

from __future__ import annotations

from typing import Any

from chalicelib.itinerary import schemas as views
from chalicelib.itinerary.schemas import CARRIER_BATCH, CARRIER_MAX_BODY, CARRIER_RESULT, ITINERARY
from chalicelib.kernel.api import Call, Routes
from chalicelib.kernel.roles import (
    CITIZEN,
    Role,
)

routes = Routes(__name__)


# --- carrier feeds and the itinerary card ------------------------------------------------


@routes.route(
    "/v1/feeds/carrier",
    method="POST",
    roles=frozenset({Role.CARRIER}),
    tags=("feeds",),
    body=CARRIER_BATCH,
    response=CARRIER_RESULT,
    errors=(409,),
    max_body=CARRIER_MAX_BODY,
    summary="A carrier's batch of stays (up to 10,000); idempotent by batch_id; a bad row "
    "rejects the batch naming stays[i].field",
)
def carrier_feed(call: Call) -> dict[str, Any]:
    return dict(call.services.itinerary.ingest(call.who, call.body))


@routes.route(
    "/v1/itinerary",
    roles=CITIZEN,
    tags=("itinerary",),
    response=ITINERARY,
    errors=(409,),
    summary="The itinerary card of the verified phone: cities over 4 h and countries, 14 days",
)
def itinerary(call: Call) -> dict[str, Any]:
    service = call.services.itinerary
    return views.itinerary(service.card(call.who), service.divisions(), service.country_names)
