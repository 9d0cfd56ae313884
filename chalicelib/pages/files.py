"""Serving the pages people look at (``chalicelib/pages/``) with strict security headers.

The citizen page, the checkpoint scanner and the officials' console are plain
HTML, CSS and JavaScript with no build step, served by the same Lambda as the
API under ``/v1/pages/<file>`` (docs/pages.md says why not S3 + CloudFront).
Only the files in that folder with a known extension are served; every other
name is a 404 in the API's error shape. Files are read on first use and kept
for the container's life.

The headers forbid what the pages never need: no inline script or style, no
third-party origin, no framing (a mini-program ``web-view`` is a top-level
browser, not a frame), no referrer, no sniffing.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from chalice import Response

from chalicelib.kernel.contract import iso
from chalicelib.kernel.errors import NotFound
from chalicelib.kernel.schema import Schema
from chalicelib.pages.service import PageCode, PageSession

PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
}
# What the OpenAPI document lists for GET /v1/pages/{name}.
PRODUCES = ",".join(sorted({t.split(";")[0] for t in CONTENT_TYPES.values()}))

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "media-src 'self' blob: mediastream:",
        "manifest-src 'self'",
        "worker-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000",
    # revalidated on every load; the scanner's service worker keeps a copy for offline use
    "Cache-Control": "no-cache",
}


@cache
def _files() -> dict[str, Path]:
    return {p.name: p for p in PAGES_DIR.iterdir() if p.is_file() and p.suffix in CONTENT_TYPES}


@cache
def _read(name: str) -> str:
    return _files()[name].read_text(encoding="utf-8")


def names() -> list[str]:
    return sorted(_files())


def serve(name: str) -> Response:
    """The file's response, or NotFound for any name that is not one of the pages' files."""
    if name not in _files():
        raise NotFound("no such page", code="not_found")
    path = _files()[name]
    headers: dict[str, str | list[str]] = {
        "Content-Type": CONTENT_TYPES[path.suffix],
        **SECURITY_HEADERS,
    }
    if name == "sw.js":
        headers["Service-Worker-Allowed"] = "./"
    return Response(body=_read(name), status_code=200, headers=headers)


# --- the sign-in routes' schemas -------------------------------------------------------

PAGE_NAMES = ["citizen", "scanner", "console"]

PAGE_CODE_REQUEST: Schema = {
    "type": "object",
    "required": ["page"],
    "additionalProperties": False,
    "properties": {"page": {"type": "string", "enum": PAGE_NAMES}},
}

PAGE_CODE: Schema = {
    "type": "object",
    "required": ["code", "page", "path", "expires_at"],
    "properties": {
        "code": {"type": "string"},
        "page": {"type": "string", "enum": PAGE_NAMES},
        "path": {"type": "string", "description": "open this path with the code as fragment"},
        "expires_at": {"type": "string", "format": "date-time"},
    },
}

PAGE_SESSION_REQUEST: Schema = {
    "type": "object",
    "required": ["code"],
    "additionalProperties": False,
    "properties": {"code": {"type": "string", "minLength": 1, "maxLength": 64}},
}

PAGE_SESSION: Schema = {
    "type": "object",
    "required": ["token", "expires_at", "role", "page"],
    "properties": {
        "token": {"type": "string"},
        "expires_at": {"type": "string", "format": "date-time"},
        "role": {"type": "string"},
        "page": {"type": "string", "enum": PAGE_NAMES},
    },
}

PAGE_FILE: Schema = {"type": "string", "description": "the file's text"}


def page_code_view(issued: PageCode) -> dict[str, Any]:
    return {
        "code": issued.code,
        "page": issued.page,
        "path": f"/v1/pages/{issued.page}.html#code={issued.code}",
        "expires_at": iso(issued.expires_at),
    }


def page_session_view(opened: PageSession) -> dict[str, Any]:
    return {
        "token": opened.token,
        "expires_at": iso(opened.claims.expires_at),
        "role": opened.claims.role.value,
        "page": opened.page,
    }
