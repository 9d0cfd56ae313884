"""The pages' routes: a one-time code that brings a session to a page, its exchange, and
the pages' files.

Each view parses the request, calls one service and shapes the answer
(``chalicelib.kernel.api`` does the rest).
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.kernel.api import Call, Routes
from chalicelib.pages import files as web_pages
from chalicelib.pages import service as pages

routes = Routes(__name__)


# --- the pages people look at (issue 18; docs/pages.md) ----------------------------------
# The citizen page, the checkpoint scanner and the officials' console, and the one-time
# code that brings a session to them without a long-lived token in a URL.


@routes.route(
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


@routes.route(
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


@routes.route(
    "/v1/pages/{name}",
    tags=("pages",),
    response=web_pages.PAGE_FILE,
    produces=web_pages.PRODUCES,
    summary="The pages' files (citizen.html, scanner.html, console.html and their scripts, "
    "styles and service worker), with a strict Content-Security-Policy",
)
def page_file(call: Call) -> Response:
    return web_pages.serve(call.params["name"])
