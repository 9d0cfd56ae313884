"""A WSGI face for a Chalice app, so schemathesis can call it in-process.

Chalice apps are not WSGI applications; ``chalice.test.Client`` drives them
through Chalice's local API Gateway emulation instead. This adapter turns a
WSGI call into ``client.http.request`` and back, so that schemathesis'
WSGI transport (``case.call(app=...)``) serialises every generated request
exactly as it would on the wire (percent-encoded path, raw query string,
headers, body bytes), and ``case.validate_response`` sees a real response.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

# Characters left unescaped in the path: RFC 3986 pchar and "/", less ";", which
# Chalice's local gateway (urlparse) would cut off as "path parameters", answering
# 403 "Missing Authentication Token" where API Gateway routes the request.
_PATH_SAFE = "/:@!$&'()*+,=-._~"


def chalice_wsgi(http: Any) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """``http`` is a ``chalice.test.Client().http``."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        # PEP 3333: PATH_INFO holds the decoded bytes as latin-1 text; put the escapes back.
        path = quote(environ.get("PATH_INFO", "").encode("latin-1"), safe=_PATH_SAFE)
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
            if environ.get(key):
                headers[name] = environ[key]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""

        response = http.request(environ["REQUEST_METHOD"], path, headers=headers, body=body)

        status = response.status_code
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        pairs: list[tuple[str, str]] = []
        for name, value in response.headers.items():
            values = value if isinstance(value, list) else [value]
            pairs += [(name, str(v)) for v in values]
        start_response(f"{status} {reason}", pairs)
        payload = response.body
        return [payload if isinstance(payload, bytes) else str(payload).encode()]

    return application
