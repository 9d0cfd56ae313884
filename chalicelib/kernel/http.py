"""HTTP answers in the SPEC's shapes: JSON bodies, the error shape and its statuses,
ETags for the public answers, strict JSON parsing, and Chalice's own errors rewritten."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.kernel.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthenticated,
    UnsupportedMediaType,
    UpstreamBadResponse,
    UpstreamUnavailable,
)

if TYPE_CHECKING:
    from chalice.app import Request


JSON_TYPE = "application/json; charset=utf-8"

STATUS: dict[type[DomainError], int] = {
    InvalidInput: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    RateLimited: 429,
    UpstreamBadResponse: 502,
    UpstreamUnavailable: 503,
}

# Chalice's own error bodies ({"Code": ..., "Message": ...}) → our codes.
_CHALICE_CODES = {
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "BadRequest": "bad_request",
    "BadRequestError": "bad_request",
    "NotFoundError": "not_found",
    "InternalServerError": "internal_error",
}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}


def json_text(body: Any) -> str:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate echoed from the request: escape it
        text = json.dumps(body, separators=(",", ":"))
    return text


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        body=json_text(body),
        status_code=status,
        headers={"Content-Type": JSON_TYPE, "Cache-Control": "no-store", **(headers or {})},
    )


def etag_of(text: str) -> str:
    """A strong validator: the same bytes give the same tag in every container."""
    return '"' + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + '"'


def etag_matches(header: str | None, etag: str) -> bool:
    """``If-None-Match``: ``*`` or a comma-separated list of (maybe weak) tags."""
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def cacheable_response(body: Any, status: int, max_age: int, if_none_match: str | None) -> Response:
    text = json_text(body)
    etag = etag_of(text)
    headers: dict[str, str | list[str]] = {
        "Cache-Control": f"public, max-age={max_age}",
        "ETag": etag,
    }
    if etag_matches(if_none_match, etag):
        return Response(body="", status_code=304, headers=headers)
    return Response(body=text, status_code=status, headers={"Content-Type": JSON_TYPE, **headers})


def error_response(exc: DomainError) -> Response:
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
    headers = {}
    if isinstance(exc, RateLimited | UpstreamUnavailable):  # 429 and 503 say when to retry
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="yima"'
    return json_response(error_body(exc.code, exc.message, exc.field), status, headers)


def not_configured() -> Response:
    return json_response(
        error_body("service_unavailable", "the service is not available; try later"),
        503,
        {"Retry-After": "5"},
    )


def source_ip(request: Request) -> str | None:
    """The caller's address as API Gateway saw it (never X-Forwarded-For, which the
    caller writes)."""
    identity = (request.context or {}).get("identity") or {}
    address = identity.get("sourceIp")
    return str(address) if address else None


def parse_json(raw: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN/Infinity, no duplicate keys; InvalidInput otherwise."""

    def no_constants(name: str) -> Any:
        raise InvalidInput(f"{name} is not valid JSON", code="invalid_json")

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise InvalidInput(
                    f"the field {key} appears twice", field=key, code="duplicate_field"
                )
            result[key] = value
        return result

    try:
        text = raw.decode("utf-8")
        value = json.loads(text, parse_constant=no_constants, object_pairs_hook=no_duplicates)
        # "\ud800" escapes decode to lone surrogates, which no store or encoder accepts.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
        return value
    except UnicodeEncodeError:
        raise InvalidInput(
            "the body holds an invalid unicode escape (a lone surrogate)", code="invalid_json"
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput("the body is not UTF-8", code="invalid_json") from None
    except RecursionError:
        raise InvalidInput("the body is nested too deeply", code="invalid_json") from None
    except ValueError as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}", code="invalid_json") from None


def normalise_chalice_error(response: Response) -> Response:
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    code = _CHALICE_CODES.get(str(body.get("Code")), "bad_request")
    message = str(body.get("Message") or code)
    if response.status_code >= 500:
        message = "an internal error occurred"
    fixed = json_response(error_body(code, message), response.status_code)
    for name, value in response.headers.items():
        if name.lower() != "content-type":
            fixed.headers[name] = value
    return fixed
