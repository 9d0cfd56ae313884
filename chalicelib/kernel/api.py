"""Chalice glue: one route decorator that parses, authenticates, calls, and maps errors.

Every route is declared through :meth:`Api.route`, which records an
:class:`Operation` (the source of the OpenAPI document) and wraps the view so
that:

- the body is checked (size, content type, UTF-8 JSON, no duplicate keys,
  the request schema) before the view runs;
- the bearer token is verified and the role checked;
- query parameters are checked against their schemas;
- the route's abuse limit (``limit=``, a group in ``chalicelib/kernel/limits.py``)
  is counted per caller and per source address, and past it the answer is
  429 with ``Retry-After``;
- any :class:`DomainError` becomes the SPEC's error shape with its status,
  and anything unexpected becomes a logged 500 in the same shape (never
  Chalice's own body, never a traceback);
- a route declared ``cache=N`` (public data: keys, trust list, regions, test
  sites) answers with an ``ETag`` (a hash of the body) and ``Cache-Control:
  public, max-age=N``, and ``304 Not Modified`` with no body to an
  ``If-None-Match`` that names it; every other answer is ``no-store``;
- past ``max_in_flight`` requests at once in this container the answer is a
  503 ``overloaded`` with ``Retry-After`` before any work is done (load
  shedding: a saturated container answers fast instead of queueing).

The HTTP middleware adds a request id, writes one structured log line per
request (:func:`request_line`: method, route template, status, duration, the
caller's role, and an error's code and field; never the body, the path as sent
or the query string), writes the request's metrics (``Requests`` and ``Latency`` by
route template and status class, ``ServerErrors``, and ``RequestsShed`` when the shedder
answers; with whatever the services emitted while serving it: docs/metrics.md), and
rewrites the few errors Chalice produces before a view runs (405, 415) into the same
shape.

Routes that produce a binary type (the PNG code) are answered by the middleware
itself: Chalice refuses a binary answer unless the Accept header names a binary
type, so ``Accept: image/*``, no Accept header at all, or an ``<img>`` tag's
would get a 400 where the path already says which format is wanted. The image
goes back whatever the Accept header says; Chalice still base64-encodes it for
API Gateway, whose binary media types must then be ``*/*`` (API Gateway looks
only at the first type a browser lists).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from chalice import Response

from chalicelib.kernel import metrics
from chalicelib.kernel.errors import (
    ConfigError,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)
from chalicelib.kernel.roles import Role
from chalicelib.kernel.schema import Schema, validate
from chalicelib.kernel.text import check_clean

if TYPE_CHECKING:
    from chalice import Chalice
    from chalice.app import Request

    from chalicelib.container import Container
    from chalicelib.kernel.session import SessionClaims
from chalicelib.kernel.http import (
    cacheable_response,
    error_body,
    error_response,
    json_response,
    normalise_chalice_error,
    not_configured,
    parse_json,
    source_ip,
)
from chalicelib.kernel.requestlog import _NOTED, logger, note, noted_id, request_line
from chalicelib.kernel.shedding import Shedder

# How long caches (a CDN, API Gateway's cache, a checkpoint) may keep the public answers.
# The keys change only on rotation and stay published until their codes expire; a region's
# risk level may be this much older than the feed (plus YIMA_RISK_CACHE_SECONDS).
KEYS_MAX_AGE = 300  # /v1/keys and /v1/trust-list
REGION_MAX_AGE = 60  # /v1/regions/{code}
TEST_SITES_MAX_AGE = 600  # /v1/test-sites: loaded by an operator, rarely
_PATH_PARAM = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")


@dataclass(frozen=True)
class Operation:
    """One documented route: what it takes, who may call it, what it returns."""

    path: str
    method: str
    summary: str
    roles: frozenset[Role] | None  # None: anyone, no token needed
    body: Schema | None
    response: Schema
    body_optional: bool = False  # the body may be left out (a route the SPEC gives none)
    status: int = 200
    query: Mapping[str, Schema] = field(default_factory=dict)
    produces: str = "application/json"
    tags: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()
    max_body: int | None = None  # None: the stage's limit (64 KiB by default)
    local_only: bool = False  # absent (404, undocumented) outside the local and test stages
    limit: str | None = None  # the abuse-limit group counted per caller and source address
    cache: int | None = None  # public data: max-age seconds, an ETag, 304 to If-None-Match

    @property
    def operation_id(self) -> str:
        parts = [p.strip("{}") for p in self.path.split("/") if p and p != "v1"]
        cleaned = "_".join(p.replace(".", "_").replace("-", "_") for p in parts)
        return f"{self.method.lower()}_{cleaned or 'root'}"

    @property
    def path_params(self) -> list[str]:
        return [p[1:-1] for p in self.path.split("/") if p.startswith("{") and p.endswith("}")]


@dataclass
class Call:
    """What a view receives: parsed input, the caller, and the services."""

    services: Container
    body: dict[str, Any]
    query: dict[str, Any]
    params: dict[str, str]
    caller: SessionClaims | None
    request: Request
    operations: Sequence[Operation] = ()

    @property
    def who(self) -> SessionClaims:
        if self.caller is None:  # a view that needs a caller is declared with roles
            raise Unauthenticated("this route needs a session token", code="missing_credentials")
        return self.caller


View = Callable[[Call], Any]


class Api:
    def __init__(self, app: Chalice, container: Callable[[], Container]) -> None:
        self.app = app
        self.operations: list[Operation] = []
        self._container = container
        # (resource path, method) → handler, for the routes that answer a binary type
        self._binary: dict[tuple[str, str], Callable[..., Response]] = {}
        self._shedder: Shedder | None = None
        self._templates: set[tuple[str, str]] | None = None  # (path, method) of every route
        app.register_middleware(self._middleware, "http")

    def register(self, routes: Routes) -> None:
        """Register a capability's routes as one Chalice Blueprint, each view wrapped in
        the pipeline (parse, authenticate, limit, call, map errors)."""
        from chalice import Blueprint

        blueprint = Blueprint(routes.import_name)
        for path, declared, view in routes.declared:
            handler = self._handler(path, declared, view)
            # A route without a body ignores Content-Type: Alipay's my.request sends
            # application/x-www-form-urlencoded on every GET, which must not be a 415.
            accepted = ["application/json"] if declared.get("body") is not None else ["*/*"]
            blueprint.route(path, methods=[handler.op.method], content_types=accepted)(handler)
        self.app.register_blueprint(blueprint)

    def _handler(self, path: str, declared: Mapping[str, Any], view: View) -> _Handler:
        fields = {"method": "GET", "roles": None, "body": None, **declared}
        op = Operation(path=path, **{**fields, "query": dict(fields.get("query") or {})})
        handler = _Handler(self, op, view)
        self.operations.append(op)
        if op.produces in self.app.api.binary_types:
            self._binary[path, op.method] = handler
        return handler

    # -- per request ----------------------------------------------------------

    def _shed(self, services: Container) -> Shedder | None:
        settings = services.settings
        if self._shedder is None:
            if not (settings.throttle_rate or settings.max_in_flight):
                return None
            self._shedder = Shedder(
                rate=settings.throttle_rate,
                burst=settings.throttle_burst,
                max_in_flight=settings.max_in_flight,
            )
        return self._shedder

    def _handle(self, op: Operation, view: View, params: dict[str, str]) -> Response:
        try:
            services = self._container()
            shedder = self._shed(services)
            if shedder is not None:
                try:
                    shedder.admit()
                except DomainError as exc:  # throttled (429) or overloaded (503)
                    metrics.emit("RequestsShed", reason=exc.code)
                    raise
        except DomainError as exc:
            return error_response(exc)
        except ConfigError as exc:
            logger().error("configuration error", extra={**noted_id(), "error": str(exc)})
            return not_configured()
        except Exception:  # the stage's AWS is unreachable while the container is built
            logger().exception("container not built", extra={**noted_id(), "route": op.path})
            return not_configured()
        try:
            return self._serve(op, view, params, services)
        finally:
            if shedder is not None:
                shedder.done()

    def _serve(
        self, op: Operation, view: View, params: dict[str, str], services: Container
    ) -> Response:
        request = self.app.current_request
        assert request is not None
        try:
            if op.local_only and not services.settings.is_local:
                raise NotFound("no such route", code="not_found")
            caller = self._authenticate(op, request, services)
            for name, value in params.items():
                # API Gateway hands path parameters over percent-encoded or not, by stage
                # type: decoding first finds %00 and a raw NUL alike (no id holds a %)
                check_clean(unquote(value), field=name)
                if not _PATH_PARAM.match(value):  # no such id can exist: never reach the table
                    raise NotFound("no such resource", code="not_found")
            body = self._parse_body(op, request, op.max_body or services.settings.max_body_bytes)
            query = _parse_query(op, request.query_params or {})
            if op.limit is not None:
                services.limiter.check(
                    op.limit,
                    subject=caller.subject if caller else None,
                    ip=source_ip(request),
                    role=caller.role if caller else None,
                )
            result = view(
                Call(
                    services=services,
                    body=body,
                    query=query,
                    params=params,
                    caller=caller,
                    request=request,
                    operations=self.operations,
                )
            )
        except DomainError as exc:
            return error_response(exc)
        except ConfigError as exc:
            logger().error("configuration error", extra={**noted_id(), "error": str(exc)})
            return not_configured()
        except Exception:  # the last line of defence: never Chalice's 500 body
            logger().exception("unhandled error", extra={**noted_id(), "route": op.path})
            return json_response(error_body("internal_error", "an internal error occurred"), 500)
        if isinstance(result, Response):
            return result
        if op.cache is not None:
            return cacheable_response(
                result, op.status, op.cache, request.headers.get("if-none-match")
            )
        return json_response(result, op.status)

    @staticmethod
    def _authenticate(op: Operation, request: Request, services: Container) -> SessionClaims | None:
        if op.roles is None:
            return None
        header = request.headers.get("authorization")
        if not header:
            raise Unauthenticated(
                "send Authorization: Bearer <token>",
                code="missing_credentials",
                field="Authorization",
            )
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(
                "the Authorization header must be 'Bearer <token>'",
                code="invalid_authorization_header",
                field="Authorization",
            )
        try:
            claims = services.auth.authenticate(token.strip())
        except Unauthenticated as exc:  # the token is what the header carries: name it
            exc.field = exc.field or "Authorization"
            raise
        note(role=claims.role.value)  # a wrong role is logged too
        if claims.role not in op.roles:
            raise Forbidden(
                f"the {claims.role.value} role may not call this route", code="wrong_role"
            )
        return claims

    @staticmethod
    def _parse_body(op: Operation, request: Request, limit: int) -> dict[str, Any]:
        raw_body = request.raw_body or b""
        raw = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
        if len(raw) > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes")
        if op.body is None:
            if raw.strip() not in (b"", b"{}"):
                raise InvalidInput("this route takes no body", code="unexpected_body")
            return {}
        if op.body_optional and raw.strip() in (b"", b"{}"):
            return {}
        content_type = (request.headers.get("content-type") or "application/json").lower()
        if content_type.split(";")[0].strip() != "application/json":
            raise UnsupportedMediaType("send the body as application/json", field="Content-Type")
        if not raw.strip():
            raise InvalidInput("a JSON body is required", code="missing_body")
        value = parse_json(raw)
        validate(value, op.body)
        assert isinstance(value, dict)
        return value

    # -- middleware -----------------------------------------------------------

    def _middleware(self, event: Any, get_response: Callable[[Any], Response]) -> Response:
        with metrics.scope():  # this request's metrics, written as it ends
            started = time.perf_counter()
            context = getattr(event, "context", None) or {}
            request_id = str(context.get("requestId") or uuid.uuid4())
            route = (str(context.get("resourcePath")), str(getattr(event, "method", "")))
            noted: dict[str, Any] = {"request_id": request_id, "role": None}
            token = _NOTED.set(noted)
            try:
                binary = self._binary.get(route)
                if binary is not None:  # see the module's docstring: any Accept gets the image
                    response = binary(**(getattr(event, "uri_params", None) or {}))
                else:
                    response = get_response(event)
                response = normalise_chalice_error(response)
            except Exception:  # past the views' own guard: still our shape, still one line
                logger().exception(
                    "unhandled error", extra={"request_id": request_id, "route": route[0]}
                )
                response = json_response(
                    error_body("internal_error", "an internal error occurred"), 500
                )
            finally:
                _NOTED.reset(token)
            response.headers["X-Request-Id"] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            logger().info(
                "request",
                extra=request_line(
                    request_id=request_id,
                    method=route[1] or None,
                    route=context.get("resourcePath"),
                    response=response,
                    duration_ms=duration_ms,
                    role=noted["role"],
                ),
            )
            self._measure(route, response.status_code, duration_ms)
            return response

    def _measure(self, route: tuple[str, str], status: int, duration_ms: float) -> None:
        """The request's metrics: ``Requests``, ``Latency``, and ``ServerErrors`` for a 5xx,
        by route template. A path that matched no declared route is ``other``: the
        dimension never holds what a caller typed."""
        if self._templates is None or len(self._templates) != len(self.operations):
            self._templates = {(op.path, op.method) for op in self.operations}
        path, method = route
        name = f"{method} {path}" if (path, method) in self._templates else metrics.OTHER
        metrics.emit("Requests", route=name, status=metrics.status_class(status))
        metrics.emit("Latency", duration_ms, route=name)
        if status >= 500:
            metrics.emit("ServerErrors", route=name)


class _Handler:
    """What Chalice calls for one route: the Api's pipeline around the view."""

    def __init__(self, api: Api, op: Operation, view: View) -> None:
        self.api, self.op, self.view = api, op, view
        self.__name__ = op.operation_id  # Chalice names the route's handler by it

    def __call__(self, **params: str) -> Response:
        return self.api._handle(self.op, self.view, params)


class Routes:
    """A capability's routes (its Blueprint): declared with :meth:`route` in the
    capability's ``routes.py``, registered by ``app.py`` through :meth:`Api.register`.

    ``route`` takes what :class:`Operation` records: ``method``, ``summary``, ``roles``,
    ``body``, ``response``, ``status``, ``query``, ``produces``, ``tags``, ``errors``,
    ``max_body``, ``local_only``, ``limit``, ``cache``, ``body_optional``."""

    def __init__(self, import_name: str) -> None:
        self.import_name = import_name
        self.declared: list[tuple[str, dict[str, Any], View]] = []

    def route(self, path: str, **declared: Any) -> Callable[[View], View]:
        def decorate(view: View) -> View:
            self.declared.append((path, declared, view))
            return view

        return decorate


def paging(call: Call) -> dict[str, Any]:
    """A listing's ``limit`` (20 unless asked) and ``cursor`` from the query."""
    return {"limit": call.query.get("limit", 20), "cursor": call.query.get("cursor")}


def _parse_query(op: Operation, raw: Mapping[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, text in raw.items():
        schema = op.query.get(name)
        if schema is None:
            raise InvalidInput(f"unknown query parameter {name}", field=name, code="unknown_field")
        value: Any = text
        kind = schema.get("type")
        if kind in ("integer", "number"):
            try:
                value = int(text) if kind == "integer" else float(text)
            except ValueError:
                raise InvalidInput(
                    f"{name} must be a {kind}", field=name, code="wrong_type"
                ) from None
            if kind == "number" and value != value:  # NaN
                raise InvalidInput(f"{name} must be a number", field=name, code="wrong_type")
        validate(value, schema, name)
        result[name] = value
    return result
