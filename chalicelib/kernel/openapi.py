"""The OpenAPI 3.1 document, generated from the routes the Api registered.

Because every route is declared through ``Api.route`` with its schemas, the
document cannot leave a route out; a test also checks the reverse (every
documented path is routed) against Chalice's own route table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.kernel.api import Operation
from chalicelib.kernel.contract import ERROR

_REASONS = {
    400: "Bad input: the field is named in `error.field`",
    401: "Missing, malformed, expired or foreign session token",
    403: "The caller's role or ownership does not allow this",
    404: "Not found",
    409: "Conflict or duplicate",
    413: "Body larger than the limit (64 KiB)",
    415: "Body is not application/json",
    429: "Rate limited; see Retry-After",
    502: "An upstream (WeChat, Alipay) answered something we cannot trust",
    503: "An upstream (database, WeChat, Alipay) is unavailable, or the service is shedding "
    "load; see Retry-After",
}


def _error_codes(op: Operation) -> list[int]:
    codes = set(op.errors) | {429, 503}
    if op.roles is not None:
        codes |= {401, 403}
    if op.body is not None:
        codes |= {400, 413, 415}
    if op.query or op.body is None:
        codes.add(400)  # unknown query parameters, or a body where none is taken
    if op.path_params:
        codes.add(404)
    return sorted(codes)


def _operation(op: Operation) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": list(op.tags),
        "responses": {},
    }
    if op.roles is not None:
        doc["security"] = [{"bearer": []}]
        doc["x-roles"] = sorted(r.value for r in op.roles)
    else:
        doc["security"] = []
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in op.path_params
    ]
    params += [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in op.query.items()
    ]
    if op.cache is not None:
        params.append(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "an ETag this route sent: 304 with no body while it still holds",
                "schema": {"type": "string"},
            }
        )
    if params:
        doc["parameters"] = params
    if op.body is not None:
        doc["requestBody"] = {
            "required": not op.body_optional,
            "content": {"application/json": {"schema": op.body}},
        }
    # a comma-separated ``produces`` lists every type the route answers with (the pages)
    content = {kind: {"schema": op.response} for kind in op.produces.split(",")}
    doc["responses"][str(op.status)] = {"description": "OK", "content": content}
    if op.cache is not None:
        validators = {
            "ETag": {
                "description": "a hash of the body: send it back as If-None-Match",
                "schema": {"type": "string"},
            },
            "Cache-Control": {
                "description": f"public, max-age={op.cache}: public data, cacheable by a "
                "CDN, API Gateway's cache and the client",
                "schema": {"type": "string"},
            },
        }
        doc["responses"][str(op.status)]["headers"] = validators
        doc["responses"]["304"] = {
            "description": "Not modified: the If-None-Match ETag is still current (no body)",
            "headers": validators,
        }
        doc["x-cache-max-age"] = op.cache
    for code in _error_codes(op):
        doc["responses"][str(code)] = {
            "description": _REASONS.get(code, "Error"),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return doc


def build_document(
    operations: Iterable[Operation], *, server_url: str | None = None
) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Yima health code and itinerary card API",
            "version": "1.0.0",
            "description": "Health code (健康码) and itinerary card (行程卡) backend. "
            "Every error has the shape {error: {code, message, field?}}.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {"Error": ERROR},
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Session token from /v1/auth/*",
                },
            },
        },
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc
