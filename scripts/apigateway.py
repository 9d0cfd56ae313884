"""The Chalice app behind :mod:`scripts.localhttp`, answering as API Gateway would.

Requests become Lambda proxy events through Chalice's own local gateway
(``chalice.local.LocalGateway``: the same event shape, base64 handling and
route matching as ``chalice local`` and ``chalice.test.Client``). Where API
Gateway, as ``infra/`` configures it, answers differently from ``chalice
local``, this answers as API Gateway does:

- an unknown path, whatever the method: 404 ``not_found`` in the app's error
  shape (``chalice local`` gave AWS's SigV4 text in a 403; ``infra/`` maps API
  Gateway's "Missing Authentication Token" to the same 404);
- a known path with a method it does not have (TRACE, PATCH, ...): the app's 405
  ``method_not_allowed`` with ``Allow`` (``chalice local`` gave an HTML 501).

The app is switched to Chalice's ``LocalChalice`` class, as ``chalice local``
does, so that ``app.current_request`` is per thread: the server (waitress) answers
from a pool of threads.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from scripts.localhttp import Reply, Request, error_reply

ROOT = Path(__file__).resolve().parents[1]


class ApiGateway:
    """A :data:`localhttp.Handler` serving a Chalice app (always answers)."""

    def __init__(self, app: Any, stage: str) -> None:
        from chalice.config import Config
        from chalice.local import LocalChalice, LocalGateway, RouteMatcher

        if not isinstance(app, LocalChalice):
            # what chalice.local.create_local_server does: thread-local current_request
            app.__class__ = type("ThreadLocalChalice", (LocalChalice, app.__class__), {})
        config = Config(
            chalice_stage=stage,
            config_from_disk=json.loads((ROOT / ".chalice" / "config.json").read_text()),
        )
        self._gateway = LocalGateway(app, config)
        self._routes = RouteMatcher(list(app.routes))

    def __call__(self, request: Request) -> Reply:
        from chalice.local import LocalGatewayException

        try:
            self._routes.match_route(request.target)
        except ValueError:
            return error_reply(404, "not_found", "no route matches this method and path")
        headers = dict(request.headers)
        try:
            response = self._gateway.handle_request(
                method=request.method,
                path=request.target,
                headers=headers,
                body=request.body or None,
            )
        except LocalGatewayException as refused:  # an authorizer's answer (we have none)
            return Reply(refused.CODE, refused.body or b"", list(refused.headers.items()))
        return _reply(response)


def _reply(response: dict[str, Any]) -> Reply:
    pairs: list[tuple[str, str]] = []
    for name, value in (response.get("headers") or {}).items():
        pairs.append((name, str(value)))
    for name, values in (response.get("multiValueHeaders") or {}).items():
        pairs += [(name, str(v)) for v in values]
    body = response.get("body")
    if body is None:
        raw = b""
    elif response.get("isBase64Encoded"):
        raw = base64.b64decode(body)
    else:
        raw = body if isinstance(body, bytes) else str(body).encode("utf-8")
    return Reply(int(response["statusCode"]), raw, pairs)
