"""The one structured log line per request, and what a request notes for it (its id,
the caller's role) while it is served (the README's "Logs" section)."""

from __future__ import annotations

import json
import re
from contextvars import ContextVar
from typing import Any

from chalice import Response

# What the request's log lines say beyond the event and the answer: its id (for the
# error lines written below the middleware) and the caller's role, once its token is
# verified. The middleware sets a fresh dict for each request; a context variable, so
# each of the local server's request threads sees its own.
_NOTED: ContextVar[dict[str, Any] | None] = ContextVar("yima_request_noted", default=None)

# A field as our schemas name them (``stays[3].entered_at``, ``Authorization``). A field
# the caller named (an unknown key, a query parameter) that looks like anything else, a
# phone, an ID number, a name, a token, is logged as withheld.
_FIELD_NAME = re.compile(
    r"^[A-Za-z][A-Za-z0-9_-]{0,39}(\[\d{1,5}\]|\.[A-Za-z][A-Za-z0-9_-]{0,39})*$"
)


def note(**fields: Any) -> None:
    noted = _NOTED.get()
    if noted is not None:
        noted.update(fields)


def request_line(
    *,
    request_id: str,
    method: str | None,
    route: str | None,
    response: Response,
    duration_ms: float,
    role: str | None,
) -> dict[str, Any]:
    """The fields of the one log line per request (the README's "Logs" section).

    ``route`` is the route's template (``/v1/people/{person_id}``), never the path as
    sent, and there is no query string: ids, phones and tokens in a URL stay out of the
    log. ``role`` is ``"none"`` until a token is verified (the JSON formatter drops a
    null). An error answer adds its ``error_code``, and its ``error_field`` when it
    names one, read from the body the caller got."""
    line: dict[str, Any] = {
        "request_id": request_id,
        "method": method,
        "route": route,
        "status": response.status_code,
        "duration_ms": duration_ms,
        "role": role or "none",
    }
    if response.status_code >= 400:
        code, field_name = _error_of(response.body)
        line["error_code"] = code
        if field_name is not None:
            line["error_field"] = _loggable_field(field_name)
    return line


def noted_id() -> dict[str, Any]:
    """The request id, for a line logged while the request is served."""
    noted = _NOTED.get() or {}
    return {"request_id": noted.get("request_id")}


def _loggable_field(name: str) -> str:
    return name if len(name) <= 120 and _FIELD_NAME.match(name) else "withheld"


def _error_of(body: Any) -> tuple[str | None, str | None]:
    """The code and field of an answer in the SPEC's error shape; (None, None) otherwise."""
    try:
        payload = json.loads(body) if isinstance(body, str | bytes) else body
        error = payload["error"]
        code, field_name = error["code"], error.get("field")
    except (ValueError, TypeError, KeyError, AttributeError):
        return None, None
    return (
        str(code) if code is not None else None,
        str(field_name) if field_name is not None else None,
    )


def logger() -> Any:
    from chalicelib.kernel.logs import get_logger

    return get_logger()
