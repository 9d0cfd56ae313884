"""Request and response schemas of the risk-area feeds (both published shapes), the refresh
report and the held snapshots, with their views. No storage record passes through a
view."""

from __future__ import annotations

from typing import Any

from chalicelib.kernel.contract import PAGING, TIME_TEXT, TIMESTAMP, iso
from chalicelib.kernel.paging import Page
from chalicelib.kernel.schema import Schema
from chalicelib.risk.rules import FEED_ID_PATTERN, LEVELS, MAX_ROWS, MAX_TEXT, HeldSnapshot

FEED_CONFIRM: Schema = {
    "type": "object",
    "required": ["reason"],
    "additionalProperties": False,
    "properties": {
        "reason": {
            "type": "string",
            "minLength": 1,
            "maxLength": 1000,
            "description": "why the official lets the held snapshot through; kept in the audit log",
            "x-text": True,
        }
    },
}

# --- risk-area snapshots (docs/risk-feeds.md) -----------------------------------------
# As strict as chalicelib/risk/rules.py: what it ignores (unknown keys, a national
# row's missing names) passes, what it truncates (texts past MAX_TEXT) passes, and what
# needs the division table or a clock (a code in force, since <= published_at, a real
# date) is left to it. Stricter only where the parser reads a wrong type as empty (a
# number for a name, false for a list): from a client that is a bug worth a 400.
# tests/app/test_risk_feed_schema.py holds the two together.

_FEED_TEXT: Schema = {"type": ["string", "null"]}

OUR_RISK_AREA: Schema = {
    "type": "object",
    "required": ["level", "region_code", "since"],
    "properties": {
        "level": {"enum": list(LEVELS)},
        "region_code": {
            "type": "string",
            "pattern": "^[0-9]{6}$",
            "description": "a GB/T 2260 city or county code in force (6 digits)",
        },
        "since": {
            **TIME_TEXT,
            "description": "since when, with an offset; not after published_at",
        },
        "area": {
            **_FEED_TEXT,
            "description": f"the area's name (street, community); kept to {MAX_TEXT} characters",
        },
    },
}

OUR_RISK_FEED: Schema = {
    "type": "object",
    "required": ["feed_id", "published_at", "areas"],
    "properties": {
        "feed_id": {
            "type": "string",
            "pattern": FEED_ID_PATTERN,
            "description": "letters, digits and _ . : - (1 to 64)",
        },
        "published_at": {
            **TIME_TEXT,
            "description": "when published, with an offset; at most an hour ahead of the "
            "server's clock",
        },
        "areas": {
            "type": "array",
            "maxItems": MAX_ROWS,
            "items": OUR_RISK_AREA,
            "description": "every area in force: one that is missing has been lifted",
        },
    },
}

_NATIONAL_ROW: Schema = {
    "type": "object",
    "properties": {
        "province": {**_FEED_TEXT, "description": "the province's name"},
        "city": {**_FEED_TEXT, "description": "the city's name (or a shifted level)"},
        "county": {**_FEED_TEXT, "description": "the county's name (or a shifted level)"},
        "area_name": {**_FEED_TEXT, "description": "the names joined by spaces"},
        "communitys": {
            "type": ["array", "null"],
            "items": _FEED_TEXT,
            "description": "the areas' names; joined with 、 they name the area",
        },
    },
}


def _national_list(level: str) -> Schema:
    return {
        "type": ["array", "null"],
        "maxItems": MAX_ROWS,
        "items": _NATIONAL_ROW,
        "description": f"the {level}-risk rows; the three lists hold at most {MAX_ROWS} "
        "rows together",
    }


NATIONAL_RISK_FEED: Schema = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "code": {
            "type": ["integer", "string"],
            "enum": [0, "0"],
            "description": "0 when the list is good (any other code is an error report)",
        },
        "data": {
            "type": "object",
            "required": ["end_update_time"],
            "properties": {
                "end_update_time": {
                    "type": "string",
                    "pattern": r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{1,2}时\s*$",
                    "description": "the hour the list is stamped with, Beijing time, like "
                    '"2022-04-20 12时"',
                },
                "highlist": _national_list("high"),
                "middlelist": _national_list("medium"),
                "lowlist": _national_list("low"),
            },
        },
    },
}

# The parser's own test for the shape: a `data` object is the national list's.
RISK_FEED: Schema = {
    "type": "object",
    "description": "a snapshot in our shape ({feed_id, published_at, areas}) or, when "
    "`data` is an object, the national risk-level query's ({code, data: {end_update_time, "
    "highlist, middlelist, lowlist}}); docs/risk-feeds.md has both",
    "if": {"required": ["data"], "properties": {"data": {"type": "object"}}},
    "then": NATIONAL_RISK_FEED,
    "else": OUR_RISK_FEED,
}

REFRESH_REPORT: Schema = {
    "type": "object",
    "required": ["state"],
    "properties": {
        "feed_id": {"type": "string"},
        "state": {
            "type": "string",
            "enum": [
                "active",
                "held",
                "unchanged",
                "refused_stale",
                "missing",
                "invalid",
                "skipped",
            ],
        },
        "raised": {"type": "integer"},
        "lowered": {"type": "integer"},
        "lifted": {"type": "integer"},
        "unresolved": {"type": "integer", "description": "national rows no code matched"},
        "people_recoloured": {"type": "integer"},
        "people_queued": {"type": "integer"},
        "failed": {"type": "integer"},
        "duration_ms": {"type": "number"},
    },
}

HELD_FEED: Schema = {
    "type": "object",
    "required": [
        "feed_id",
        "source",
        "published_at",
        "stored_at",
        "areas",
        "unresolved",
        "why",
        "active_feed_id",
        "would_raise",
        "would_lower",
        "would_lift",
    ],
    "properties": {
        "feed_id": {"type": "string"},
        "source": {"type": "string", "enum": ["yima", "national"]},
        "published_at": TIMESTAMP,
        "stored_at": TIMESTAMP,
        "areas": {"type": "integer", "description": "areas the snapshot lists"},
        "unresolved": {"type": "integer", "description": "national rows no code matched"},
        "why": {
            "type": "string",
            "enum": ["older_than_active", "lifts_too_much"],
            "description": "why it was held (docs/risk-feeds.md)",
        },
        "active_feed_id": {"type": ["string", "null"]},
        "would_raise": {
            "type": "integer",
            "description": "areas confirming it now would add or raise, against the active one",
        },
        "would_lower": {"type": "integer"},
        "would_lift": {"type": "integer"},
    },
}

HELD_QUERY: Schema = {
    **PAGING,
    "state": {
        "type": "string",
        "enum": ["held"],
        "description": "which snapshots: only held ones are listed (the default)",
    },
}


def held_feeds(result: Page[HeldSnapshot], reviews: list[dict[str, Any]]) -> dict[str, Any]:
    items = []
    for held, review in zip(result.items, reviews, strict=True):
        snapshot = held.snapshot
        items.append(
            {
                "feed_id": snapshot.feed_id,
                "source": snapshot.source,
                "published_at": iso(snapshot.published_at),
                "stored_at": iso(held.stored_at),
                "areas": len(snapshot.areas),
                "unresolved": len(snapshot.unresolved),
                **review,
            }
        )
    return {"items": items, "cursor": result.cursor}
