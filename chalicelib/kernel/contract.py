"""The schema pieces every capability's contract uses (the error shape, times, paging) and
their views. No storage record passes through a view."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.kernel.paging import Page
from chalicelib.kernel.schema import Schema
from chalicelib.kernel.times import rfc3339

ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
        }
    },
}

PHONE: Schema = {
    "type": "string",
    "minLength": 11,
    "maxLength": 16,
    "description": "an 11-digit mainland mobile number",
}

# A time in an answer: RFC 3339, UTC, whole seconds, Z (chalicelib.kernel.times).
TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
TIMESTAMP: Schema = {"type": "string", "format": "date-time", "pattern": TIME_PATTERN}
# A time a client sends: ISO 8601 with an offset, checked by the parsers (parse_time).
TIME_TEXT: Schema = {"type": "string", "minLength": 10, "maxLength": 40}

OPENAPI_DOC: Schema = {
    "type": "object",
    "required": ["openapi", "info", "paths"],
    "properties": {
        "openapi": {"type": "string"},
        "info": {"type": "object"},
        "paths": {"type": "object"},
    },
}


# --- declarations, colours, review, marks, appeals, audit ---------------------------

PAGING: dict[str, Schema] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 100},
    "cursor": {"type": "string", "minLength": 1, "maxLength": 1024},
}


def page_of(item: Schema) -> Schema:
    return {
        "type": "object",
        "required": ["items", "cursor"],
        "properties": {
            "items": {"type": "array", "items": item},
            "cursor": {"type": ["string", "null"]},
        },
    }


BATCH_DUPLICATE: Schema = {
    "type": "boolean",
    "description": "true: this batch_id was already taken; nothing changed",
}

REGION_CODE: Schema = {
    "type": "string",
    "pattern": "^[0-9]{6}$",
    "description": "6-digit division code; 100000 is the national code",
}

# Every time in an answer: UTC, to the second, with a Z (chalicelib.kernel.times).
iso = rfc3339


def maybe_iso(moment: datetime | None) -> str | None:
    return iso(moment) if moment else None


def page(result: Page[Any], convert: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    return {"items": [convert(item) for item in result.items], "cursor": result.cursor}


CODE_QUERY: dict[str, Schema] = {"person": {"type": "string", "minLength": 1, "maxLength": 64}}


# Whom a staff queue item is about, as the reviewer or official sees them: masked.
PERSON_SEEN: Schema = {
    "type": "object",
    "required": ["id", "name_masked", "id_masked"],
    "properties": {
        "id": {"type": "string", "description": "pseudonymous"},
        "name_masked": {"type": ["string", "null"]},
        "id_masked": {"type": ["string", "null"]},
    },
}


def person_seen(person_id: str, person: Any) -> dict[str, Any]:
    """``person`` is a ``kernel.person.Person`` or None (not filed, or gone)."""
    return {
        "id": person_id,
        "name_masked": person.name_masked if person else None,
        "id_masked": person.id_masked if person else None,
    }
