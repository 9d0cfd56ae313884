"""Request and response schemas of lab feeds, a citizen's test reports and the test sites,
with their views. No storage record passes through a view."""

from __future__ import annotations

from typing import Any

from chalicelib.itinerary.schemas import CARRIER_BATCH
from chalicelib.kernel.contract import BATCH_DUPLICATE, TIME_TEXT, TIMESTAMP, iso
from chalicelib.kernel.schema import Schema
from chalicelib.labs.service import NearbySite, Report

# --- lab results and test sites ----------------------------------------------------------

LAB_MAX_ROWS = 5_000

LAB_BATCH: Schema = {
    "type": "object",
    "required": ["batch_id", "results"],
    "additionalProperties": False,
    "properties": {
        "batch_id": CARRIER_BATCH["properties"]["batch_id"],
        "results": {
            "type": "array",
            "minItems": 1,
            "maxItems": LAB_MAX_ROWS,
            "items": {
                "type": "object",
                "required": ["id_number", "sample_id", "sampled_at", "result", "lab"],
                "additionalProperties": False,
                "properties": {
                    "id_number": {"type": "string", "minLength": 15, "maxLength": 24},
                    "sample_id": {"type": "string", "minLength": 1, "maxLength": 64},
                    "sampled_at": TIME_TEXT,
                    "reported_at": TIME_TEXT,
                    "result": {"type": "string", "enum": ["negative", "positive", "invalid"]},
                    "lab": {"type": "string", "minLength": 1, "maxLength": 64},
                },
            },
        },
    },
}

LAB_RESULT: Schema = {
    "type": "object",
    "required": ["batch_id", "accepted", "new", "corrected", "unchanged", "duplicate"],
    "properties": {
        "batch_id": {"type": "string"},
        "accepted": {"type": "integer"},
        "new": {"type": "integer"},
        "corrected": {"type": "integer", "description": "replaced an earlier result (audited)"},
        "unchanged": {"type": "integer", "description": "sent before with the same result"},
        "positives": {"type": "integer"},
        "people_pending": {"type": "integer", "description": "ID hashes handed to recolour"},
        "duplicate": BATCH_DUPLICATE,
    },
}

TEST_REPORTS: Schema = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["sample_id", "lab", "result", "sampled_at", "reported_at", "badge"],
                "properties": {
                    "sample_id": {"type": "string"},
                    "lab": {"type": "string"},
                    "result": {"type": "string", "enum": ["negative", "positive", "invalid"]},
                    "sampled_at": TIMESTAMP,
                    "reported_at": TIMESTAMP,
                    "badge": {
                        "type": ["string", "null"],
                        "enum": ["24h", "48h", "72h", "7d", None],
                    },
                },
            },
        },
    },
}

TEST_SITES_QUERY: dict[str, Schema] = {
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "lng": {"type": "number", "minimum": -180, "maximum": 180},
    "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
    "radius_km": {"type": "number", "exclusiveMinimum": 0, "maximum": 50, "default": 10},
}

TEST_SITES: Schema = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "site_id",
                    "name",
                    "address",
                    "region_code",
                    "lat",
                    "lng",
                    "hours",
                    "distance_m",
                ],
                "properties": {
                    "site_id": {"type": "string"},
                    "name": {"type": "string"},
                    "address": {"type": "string"},
                    "region_code": {"type": "string"},
                    "lat": {"type": "number"},
                    "lng": {"type": "number"},
                    "hours": {"type": ["string", "null"]},
                    "distance_m": {"type": "integer", "minimum": 0},
                },
            },
        },
    },
}


def test_report(report: Report) -> dict[str, Any]:
    r = report.result
    return {
        "sample_id": r.sample_id,
        "lab": r.lab,
        "result": r.result,
        "sampled_at": iso(r.sampled_at),
        "reported_at": iso(r.reported_at),
        "badge": report.badge,
    }


def test_site(nearby: NearbySite) -> dict[str, Any]:
    site = nearby.site
    return {
        "site_id": site.site_id,
        "name": site.name,
        "address": site.address,
        "region_code": site.region_code,
        "lat": site.lat,
        "lng": site.lng,
        "hours": site.hours,
        "distance_m": nearby.distance_m,
    }
