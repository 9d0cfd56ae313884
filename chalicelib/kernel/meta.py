"""The API's own description: its OpenAPI 3.1 document, built from every registered route.

Each view parses the request, calls one service and shapes the answer
(``chalicelib.kernel.api`` does the rest).
"""

from __future__ import annotations

from typing import Any

from chalicelib.kernel.api import Call, Routes
from chalicelib.kernel.contract import OPENAPI_DOC

routes = Routes(__name__)


@routes.route(
    "/v1/openapi.json",
    summary="This API's OpenAPI 3.1 document",
    tags=("meta",),
    response=OPENAPI_DOC,
)
def openapi(call: Call) -> dict[str, Any]:
    from chalicelib.kernel.openapi import build_document

    local = call.services.settings.is_local
    return build_document([op for op in call.operations if local or not op.local_only])
