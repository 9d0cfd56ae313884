"""Request and response schemas of venues, check-ins and vaccination records, with their
views. No storage record passes through a view."""

from __future__ import annotations

from typing import Any

from chalicelib.codes.schemas import HOLDER
from chalicelib.colours.model import VaccinationSummary
from chalicelib.colours.schemas import (
    COLOUR,
    LATEST_TEST,
    REQUIRED_ACTION,
    VACCINATION_SUMMARY,
    required_action,
    test_badge,
    vaccination,
)
from chalicelib.itinerary.schemas import CARRIER_BATCH
from chalicelib.kernel.contract import BATCH_DUPLICATE, TIME_TEXT, TIMESTAMP, iso, maybe_iso
from chalicelib.kernel.schema import Schema
from chalicelib.kernel.times import local_time
from chalicelib.venues.rules import VENUE_KINDS, Assignment, Checkin, StoredVaccination, Venue
from chalicelib.venues.service import CheckinAnswer

# --- venue codes, check-ins, vaccinations (issue 17; docs/venues.md) -----------------------

VENUE_KIND: Schema = {
    "type": "string",
    "enum": list(VENUE_KINDS),
}

VENUE_REGISTRATION: Schema = {
    "type": "object",
    "required": ["name", "address", "region_code", "lat", "lng", "kind"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 80},
        "address": {"type": "string", "minLength": 1, "maxLength": 200},
        "region_code": {
            "type": "string",
            "minLength": 6,
            "maxLength": 6,
            "description": "the venue's district (or city) code, inside this region",
        },
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lng": {"type": "number", "minimum": -180, "maximum": 180},
        "kind": VENUE_KIND,
    },
}

VENUE: Schema = {
    "type": "object",
    "required": ["id", "name", "address", "region_code", "lat", "lng", "kind", "generation"],
    "properties": {
        "id": {"type": "string", "description": "<district>-<8 hex>"},
        "name": {"type": "string"},
        "address": {"type": "string"},
        "region_code": {"type": "string"},
        "lat": {"type": "number"},
        "lng": {"type": "number"},
        "kind": {"type": "string"},
        "generation": {
            "type": "integer",
            "description": "the poster's generation: reissuing adds one and refuses the old",
        },
        "token": {"type": "string", "description": "YV1: the signed venue token on the poster"},
        "created_at": TIMESTAMP,
        "reissued_at": {"type": ["string", "null"]},
        "posters": {
            "type": "object",
            "properties": {
                "png": {"type": "string"},
                "svg": {"type": "string"},
                "pdf": {"type": "string"},
            },
        },
    },
}

# --- checkpoint posts (issue 29; docs/venues.md) -------------------------------------------

ACCOUNT_ID: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": 128,
    "description": "the staff account's id as its login returned it (user.id), or an "
    "operator role token's subject (checkpoint:<name>)",
}

ASSIGNMENT_REQUEST: Schema = {
    "type": "object",
    "required": ["user_id"],
    "additionalProperties": False,
    "properties": {
        "user_id": ACCOUNT_ID,
        "venue_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "description": "a registered venue's id (POST /v1/admin/venues)",
        },
        "site_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "description": "a test site, for a sampler: arrives with mass testing (issue 31); "
            "400 sampling_not_available until then",
        },
    },
}

ASSIGNMENT: Schema = {
    "type": "object",
    "required": ["id", "user_id", "venue_id", "region_code", "assigned_by", "assigned_at"],
    "properties": {
        "id": {"type": "string", "description": "as_<16 hex>"},
        "user_id": {"type": "string"},
        "venue_id": {"type": "string"},
        "region_code": {"type": "string", "description": "the venue's registered district"},
        "assigned_by": {"type": "string", "description": "the official who posted it"},
        "assigned_at": TIMESTAMP,
    },
}

ASSIGNMENTS_QUERY: dict[str, Schema] = {"user_id": ACCOUNT_ID}

ASSIGNMENTS: Schema = {
    "type": "object",
    "required": ["items", "cursor"],
    "properties": {
        "items": {"type": "array", "items": ASSIGNMENT},
        "cursor": {"type": "null", "description": "always null: an account has few posts"},
    },
}

ASSIGNMENT_ENDED: Schema = {
    "type": "object",
    "required": ["id", "user_id", "venue_id", "ended"],
    "properties": {
        "id": {"type": "string"},
        "user_id": {"type": "string"},
        "venue_id": {"type": "string"},
        "ended": {"type": "boolean", "const": True},
    },
}

CHECKIN_REQUEST: Schema = {
    "type": "object",
    "required": ["venue_token"],
    "additionalProperties": False,
    "properties": {
        "venue_token": {
            "type": "string",
            "minLength": 1,
            "maxLength": 512,
            "description": "the scanned text of the venue's poster (YV1:...)",
        },
        "person": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "description": "a dependant's person id; the caller's own person by default",
        },
    },
}

CHECKIN_VENUE: Schema = {
    "type": "object",
    "required": ["id", "name", "region_code"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "region_code": {"type": "string"},
        "kind": {"type": "string"},
    },
}

CHECKIN_ANSWER: Schema = {
    "type": "object",
    "required": ["id", "at", "local_time", "venue", "colour", "holder", "latest_test"],
    "properties": {
        "id": {"type": "string"},
        "at": TIMESTAMP,
        "local_time": {
            "type": "string",
            "description": "the server's time on the Beijing clock, shown large to the staff",
        },
        "venue": CHECKIN_VENUE,
        "person": {"type": "string"},
        "colour": COLOUR,
        "holder": HOLDER,
        "latest_test": LATEST_TEST,
        "vaccination": VACCINATION_SUMMARY,
        "required_action": REQUIRED_ACTION,
    },
}

CHECKIN_ITEM: Schema = {
    "type": "object",
    "required": ["id", "at", "venue", "person", "colour"],
    "properties": {
        "id": {"type": "string"},
        "at": TIMESTAMP,
        "venue": CHECKIN_VENUE,
        "person": {"type": "string"},
        "colour": COLOUR,
    },
}

VACCINATION_MAX_ROWS = 5_000

VACCINATION_BATCH: Schema = {
    "type": "object",
    "required": ["batch_id", "records"],
    "additionalProperties": False,
    "properties": {
        "batch_id": CARRIER_BATCH["properties"]["batch_id"],
        "records": {
            "type": "array",
            "minItems": 1,
            "maxItems": VACCINATION_MAX_ROWS,
            "items": {
                "type": "object",
                "required": [
                    "record_id",
                    "id_number",
                    "dose_number",
                    "vaccine",
                    "administered_at",
                    "site",
                ],
                "additionalProperties": False,
                "properties": {
                    "record_id": {"type": "string", "minLength": 1, "maxLength": 64},
                    "id_number": {"type": "string", "minLength": 15, "maxLength": 24},
                    "dose_number": {"type": "integer", "minimum": 1, "maximum": 10},
                    "vaccine": {"type": "string", "minLength": 1, "maxLength": 64},
                    "administered_at": TIME_TEXT,
                    "site": {"type": "string", "minLength": 1, "maxLength": 120},
                },
            },
        },
    },
}

VACCINATION_RESULT: Schema = {
    "type": "object",
    "required": ["batch_id", "accepted", "new", "corrected", "unchanged", "duplicate"],
    "properties": {
        "batch_id": {"type": "string"},
        "accepted": {"type": "integer"},
        "new": {"type": "integer"},
        "corrected": {"type": "integer", "description": "replaced an earlier record"},
        "unchanged": {"type": "integer", "description": "sent before with the same values"},
        "people_pending": {"type": "integer", "description": "ID hashes handed to recolour"},
        "duplicate": BATCH_DUPLICATE,
    },
}

VACCINATIONS: Schema = {
    "type": "object",
    "required": ["items", "vaccination"],
    "properties": {
        "vaccination": VACCINATION_SUMMARY,
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["record_id", "dose_number", "vaccine", "administered_at", "site"],
                "properties": {
                    "record_id": {"type": "string"},
                    "dose_number": {"type": "integer"},
                    "vaccine": {"type": "string"},
                    "administered_at": TIMESTAMP,
                    "site": {"type": "string"},
                },
            },
        },
    },
}


# --- venue codes, check-ins, vaccinations (issue 17) ---------------------------------------


def venue(item: Venue, *, with_token: bool = True) -> dict[str, Any]:
    d = item.details
    base = f"/v1/venues/{item.venue_id}/poster"
    view: dict[str, Any] = {
        "id": item.venue_id,
        "name": d.name,
        "address": d.address,
        "region_code": d.region_code,
        "lat": d.lat,
        "lng": d.lng,
        "kind": d.kind,
        "generation": item.generation,
        "created_at": iso(item.created_at),
        "reissued_at": maybe_iso(item.reissued_at),
        "posters": {"png": f"{base}.png", "svg": f"{base}.svg", "pdf": f"{base}.pdf"},
    }
    if with_token:
        view["token"] = item.token
    return view


def assignment(item: Assignment) -> dict[str, Any]:
    return {
        "id": item.assignment_id,
        "user_id": item.user_id,
        "venue_id": item.venue_id,
        "region_code": item.region_code,
        "assigned_by": item.assigned_by,
        "assigned_at": iso(item.assigned_at),
    }


def _checkin_venue(item: Checkin) -> dict[str, Any]:
    return {"id": item.venue_id, "name": item.venue_name, "region_code": item.region_code}


def checkin_answer(answer: CheckinAnswer) -> dict[str, Any]:
    item, stored = answer.checkin, answer.stored
    return {
        "id": item.checkin_id,
        "at": iso(item.at),
        "local_time": local_time(item.at).strftime("%Y-%m-%d %H:%M:%S"),
        "venue": {**_checkin_venue(item), "kind": answer.venue.details.kind},
        "person": item.person_id,
        "colour": stored.assessment.colour.value,
        "holder": {"name_masked": stored.name_masked, "id_masked": stored.id_masked},
        "latest_test": test_badge(answer.latest_test),
        "vaccination": vaccination(stored.vaccination),
        "required_action": required_action(answer.action.action) if answer.action else None,
    }


def checkin_item(item: Checkin) -> dict[str, Any]:
    return {
        "id": item.checkin_id,
        "at": iso(item.at),
        "venue": _checkin_venue(item),
        "person": item.person_id,
        "colour": item.colour,
    }


def vaccinations(records: list[StoredVaccination], summary: VaccinationSummary) -> dict[str, Any]:
    return {
        "vaccination": vaccination(summary),
        "items": [
            {
                "record_id": r.record_id,
                "dose_number": r.dose_number,
                "vaccine": r.vaccine,
                "administered_at": iso(r.administered_at),
                "site": r.site,
            }
            for r in records
        ],
    }
