"""Request and response schemas of carrier feeds and the itinerary card, with their views.
No storage record passes through a view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.itinerary.service import ItineraryView
from chalicelib.kernel.contract import BATCH_DUPLICATE, PHONE, TIME_TEXT, maybe_iso
from chalicelib.kernel.divisions import DivisionIndex
from chalicelib.kernel.schema import Schema

# --- carrier feeds and the itinerary card ---------------------------------------------

CARRIER_MAX_ROWS = 10_000
CARRIER_MAX_BODY = 2 * 1024 * 1024

CARRIER_BATCH: Schema = {
    "type": "object",
    "required": ["batch_id", "stays"],
    "additionalProperties": False,
    "properties": {
        "batch_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 128,
            "pattern": "^[A-Za-z0-9_.:-]+$",
            "description": "letters, digits and _ . : -",
        },
        "stays": {
            "type": "array",
            "minItems": 1,
            "maxItems": CARRIER_MAX_ROWS,
            "items": {
                "type": "object",
                "required": ["phone", "kind", "place", "entered_at", "left_at"],
                "additionalProperties": False,
                "properties": {
                    "phone": PHONE,
                    "kind": {"type": "string", "enum": ["city", "country"]},
                    "place": {
                        "type": "string",
                        "minLength": 2,
                        "maxLength": 6,
                        "description": "a city code ending in 00, or ISO 3166-1 alpha-2",
                    },
                    "entered_at": TIME_TEXT,
                    "left_at": TIME_TEXT,
                },
            },
        },
    },
}

CARRIER_RESULT: Schema = {
    "type": "object",
    "required": ["batch_id", "accepted", "duplicate"],
    "properties": {
        "batch_id": {"type": "string"},
        "accepted": {"type": "integer"},
        "items_written": {"type": "integer"},
        "phones": {"type": "integer"},
        "duplicate": BATCH_DUPLICATE,
    },
}

ITINERARY: Schema = {
    "type": "object",
    "required": [
        "phone_masked",
        "window_days",
        "min_stay_hours",
        "updated_at",
        "countries",
        "cities",
    ],
    "properties": {
        "phone_masked": {"type": "string"},
        "window_days": {"type": "integer"},
        "min_stay_hours": {"type": "number"},
        "updated_at": {"type": ["string", "null"]},
        "countries": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "name"],
                "properties": {
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "name_en": {"type": "string"},
                },
            },
        },
        "cities": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["region_code", "name", "starred"],
                "properties": {
                    "region_code": {"type": "string"},
                    "name": {"type": "string"},
                    "starred": {"type": "boolean"},
                },
            },
        },
        "note": {"type": "string"},
    },
}


CARD_NOTE = (
    "行程卡仅提示14天内到访地，不作为健康码颜色判定依据。"
    "The card reminds you where you have been; it assigns no health colour."
)


def itinerary(
    view: ItineraryView, divisions: DivisionIndex, country_names: Callable[[str], tuple[str, str]]
) -> dict[str, Any]:
    countries = []
    for country in view.card.countries:
        zh, en = country_names(country.code)
        countries.append({"code": country.code, "name": zh, "name_en": en})
    return {
        "phone_masked": view.phone_masked,
        "window_days": view.policy.window_days,
        "min_stay_hours": view.policy.min_stay_hours,
        "updated_at": maybe_iso(view.updated_at),
        "countries": countries,
        "cities": [
            {
                "region_code": c.region_code,
                "name": divisions.display_name(c.region_code) or c.region_code,
                "starred": c.starred,
            }
            for c in view.card.cities
        ],
        "note": CARD_NOTE,
    }
