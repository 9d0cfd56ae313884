"""The declaration routes: a citizen declares, a reviewer decides what the rules could not.

Each view parses the request, calls one service and shapes the answer
(``chalicelib.kernel.api`` does the rest).
"""

from __future__ import annotations

from typing import Any

from chalicelib.declarations import schemas as views
from chalicelib.declarations.schemas import (
    DECLARATION,
    DECLARE,
    DECLARED,
    REVIEW_DECISION,
    REVIEW_ITEM,
    REVIEWED,
)
from chalicelib.kernel import contract
from chalicelib.kernel.api import Call, Routes, paging
from chalicelib.kernel.contract import PAGING
from chalicelib.kernel.roles import (
    CITIZEN,
    REVIEWER,
)

routes = Routes(__name__)


@routes.route(
    "/v1/declarations",
    method="POST",
    limit="declare",
    roles=CITIZEN,
    tags=("declarations",),
    body=DECLARE,
    response=DECLARED,
    status=201,
    errors=(409,),
    summary="Declare health; rules approve clear cases, others wait for a reviewer",
)
def declare(call: Call) -> dict[str, Any]:
    return views.declared(call.services.declarations.declare(call.who, call.body))


@routes.route(
    "/v1/declarations",
    roles=CITIZEN,
    tags=("declarations",),
    query=PAGING,
    response=contract.page_of(DECLARATION),
    summary="The caller's own declarations, newest first",
)
def my_declarations(call: Call) -> dict[str, Any]:
    result = call.services.declarations.own(call.who, **paging(call))
    return contract.page(result, views.declaration)


@routes.route(
    "/v1/admin/reviews",
    limit="staff_read",
    roles=REVIEWER,
    tags=("review",),
    query=PAGING,
    response=contract.page_of(REVIEW_ITEM),
    summary="Declarations waiting for a reviewer, oldest first",
)
def review_queue(call: Call) -> dict[str, Any]:
    return contract.page(call.services.reviews.queue(**paging(call)), views.review_item)


@routes.route(
    "/v1/admin/reviews/{declaration_id}",
    method="POST",
    roles=REVIEWER,
    tags=("review",),
    body=REVIEW_DECISION,
    response=REVIEWED,
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
