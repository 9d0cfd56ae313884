"""The officials' routes: status marks (one official asks, a second approves), appeals, and
the audit trail.

Each view parses the request, calls one service and shapes the answer
(``chalicelib.kernel.api`` does the rest).
"""

from __future__ import annotations

from typing import Any

from chalicelib.kernel import contract
from chalicelib.kernel.api import Call, Routes, paging
from chalicelib.kernel.contract import PAGING
from chalicelib.kernel.roles import (
    ADMIN,
    CITIZEN,
    OFFICIAL,
    REVIEWER,
)
from chalicelib.officials import schemas as views
from chalicelib.officials.schemas import (
    APPEAL,
    APPEAL_ANSWER,
    APPEAL_ANSWERED,
    APPEAL_ITEM,
    APPEAL_REQUEST,
    AUDIT_EVENT,
    MARK,
    MARK_ITEM,
    MARK_REQUESTED,
    STATUS_APPROVAL,
    STATUS_REQUEST,
)

routes = Routes(__name__)


# --- official status marks ----------------------------------------------------------


@routes.route(
    "/v1/admin/status",
    limit="staff_read",
    method="POST",
    roles=OFFICIAL,
    tags=("officials",),
    body=STATUS_REQUEST,
    response=MARK_REQUESTED,
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


@routes.route(
    "/v1/admin/status",
    limit="staff_read",
    roles=OFFICIAL,
    tags=("officials",),
    query=PAGING,
    response=contract.page_of(MARK_ITEM),
    summary="The officials' queue: marks awaiting a second official (including those a "
    "positive lab result opened), oldest first",
)
def status_queue(call: Call) -> dict[str, Any]:
    return contract.page(call.services.status.queue(**paging(call)), views.mark_item)


@routes.route(
    "/v1/admin/status/{mark_id}/approve",
    method="POST",
    roles=OFFICIAL,
    tags=("officials",),
    body=STATUS_APPROVAL,
    body_optional=True,
    response=MARK,
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


@routes.route(
    "/v1/me/appeals",
    method="POST",
    roles=CITIZEN,
    tags=("appeals",),
    body=APPEAL_REQUEST,
    response=APPEAL,
    status=201,
    errors=(409,),
    summary="Contest the current colour; a reviewer answers",
)
def appeal_file(call: Call) -> dict[str, Any]:
    return views.appeal(call.services.appeals.file(call.who, call.body["reason"]))


@routes.route(
    "/v1/me/appeals",
    roles=CITIZEN,
    tags=("appeals",),
    query=PAGING,
    response=contract.page_of(APPEAL),
    summary="The caller's own appeals and their answers, newest first",
)
def appeal_own(call: Call) -> dict[str, Any]:
    return contract.page(call.services.appeals.own(call.who, **paging(call)), views.appeal)


@routes.route(
    "/v1/admin/appeals",
    limit="staff_read",
    roles=REVIEWER,
    tags=("appeals",),
    query=PAGING,
    response=contract.page_of(APPEAL_ITEM),
    summary="Open appeals, oldest first, each with the person (masked), their latest "
    "answers and current reasons",
)
def appeal_queue(call: Call) -> dict[str, Any]:
    return contract.page(call.services.appeals.queue(**paging(call)), views.appeal_item)


@routes.route(
    "/v1/admin/appeals/{appeal_id}",
    method="POST",
    roles=REVIEWER,
    tags=("appeals",),
    body=APPEAL_ANSWER,
    response=APPEAL_ANSWERED,
    errors=(404, 409),
    summary="Answer an appeal: upheld or dismissed, with the answer the citizen reads; an "
    "upheld one may withdraw risk facts the person declared by mistake",
)
def appeal_answer(call: Call) -> dict[str, Any]:
    answered = call.services.appeals.answer(
        call.who,
        call.params["appeal_id"],
        outcome=call.body["outcome"],
        answer=call.body["answer"],
        withdraw=call.body.get("withdraw"),
    )
    return views.answered(answered)


@routes.route(
    "/v1/admin/audit",
    limit="staff_read",
    roles=ADMIN,
    tags=("audit",),
    query={
        **PAGING,
        "subject": {"type": "string", "minLength": 1, "maxLength": 80},
        "day": {"type": "string", "minLength": 10, "maxLength": 10},
    },
    response=contract.page_of(AUDIT_EVENT),
    summary="Who did what to whom, when and why: by subject, or by day (newest first)",
)
def audit_trail(call: Call) -> dict[str, Any]:
    result = call.services.audit.query(
        subject=call.query.get("subject"), day=call.query.get("day"), **paging(call)
    )
    return contract.page(result, views.audit_event)
