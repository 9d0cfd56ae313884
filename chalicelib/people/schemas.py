"""Request and response schemas of dependants and care requests, with their views. No
storage record passes through a view."""

from __future__ import annotations

from typing import Any

from chalicelib.colours.schemas import COLOUR
from chalicelib.kernel.contract import TIMESTAMP, iso
from chalicelib.kernel.schema import Schema
from chalicelib.people.rules import MAX_DEPENDANTS
from chalicelib.people.service import PersonEntry

PERSON_ITEM: Schema = {
    "type": "object",
    "required": ["id", "relation", "name_masked", "id_masked", "colour", "valid_until"],
    "properties": {
        "id": {"type": "string", "description": "pass as ?person= to show their code"},
        "relation": {
            "type": "string",
            "enum": ["self", "child", "parent", "grandparent", "spouse", "other"],
        },
        "name_masked": {"type": "string"},
        "id_masked": {"type": "string"},
        "colour": {**COLOUR, "type": ["string", "null"], "enum": [*COLOUR["enum"], None]},
        "valid_until": {"type": ["string", "null"]},
    },
}

PEOPLE: Schema = {
    "type": "object",
    "required": ["items", "max_dependants"],
    "properties": {
        "items": {"type": "array", "items": PERSON_ITEM},
        "max_dependants": {"type": "integer"},
    },
}

UNLINKED: Schema = {
    "type": "object",
    "required": ["id", "relation", "linked"],
    "properties": {
        "id": {"type": "string"},
        "relation": {"type": "string"},
        "linked": {"type": "boolean", "enum": [False]},
    },
}

CARE_REQUEST: Schema = {
    "type": "object",
    "required": ["id", "relation", "state", "created_at", "requester"],
    "properties": {
        "id": {"type": "string"},
        "relation": {
            "type": "string",
            "description": "what the requester says they are to you (child, parent, ...)",
        },
        "state": {"type": "string", "enum": ["pending", "accepted", "refused"]},
        "created_at": TIMESTAMP,
        "requester": {
            "type": "object",
            "required": ["name_masked"],
            "properties": {
                "name_masked": {
                    "type": ["string", "null"],
                    "description": "the requester's own name, masked; null when they "
                    "have declared no health code of their own",
                },
            },
        },
    },
}

CARE_REQUESTS: Schema = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "items": CARE_REQUEST}},
}

CARE_ANSWER: Schema = {
    "type": "object",
    "required": ["decision"],
    "additionalProperties": False,
    "properties": {"decision": {"type": "string", "enum": ["accept", "refuse"]}},
}

PERSON_QUERY: dict[str, Schema] = {"person": {"type": "string", "minLength": 1, "maxLength": 64}}


def people(entries: list[PersonEntry]) -> dict[str, Any]:
    items = []
    for entry in entries:
        stored = entry.stored
        valid_until = stored.assessment.valid_until if stored else None
        items.append(
            {
                "id": entry.person.person_id,
                "relation": entry.relation,
                "name_masked": entry.person.name_masked,
                "id_masked": entry.person.id_masked,
                "colour": stored.assessment.colour.value if stored else None,
                "valid_until": iso(valid_until) if valid_until else None,
            }
        )
    return {"items": items, "max_dependants": MAX_DEPENDANTS}


def care_request(request: Any, requester_name_masked: str | None = None) -> dict[str, Any]:
    return {
        "id": request.request_id,
        "relation": request.relation,
        "state": request.state,
        "created_at": iso(request.created_at),
        "requester": {"name_masked": requester_name_masked},
    }
