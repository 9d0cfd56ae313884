"""Request and response schemas of dependants and care requests, with their views. No
storage record passes through a view."""

from __future__ import annotations

from typing import Any

from chalicelib.colours.schemas import COLOUR
from chalicelib.kernel.contract import TIMESTAMP, iso
from chalicelib.kernel.schema import Schema
from chalicelib.people.policy import Act, Basis
from chalicelib.people.rules import MAX_DEPENDANTS, RELATIONS
from chalicelib.people.service import CarerEntry, PersonEntry

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
        "person": {
            "type": "string",
            "description": "whom the request is for: your own person, or a person only "
            "guardians hold whom you filed first (a child, an elder)",
        },
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

CARER: Schema = {
    "type": "object",
    "required": ["id", "relation", "carer", "since", "basis", "may", "may_end"],
    "properties": {
        "id": {"type": "string", "description": "the link: DELETE /v1/me/carers/{id} ends it"},
        "relation": {"type": "string", "enum": list(RELATIONS)},
        "carer": {
            "type": "object",
            "required": ["name_masked"],
            "properties": {
                "name_masked": {
                    "type": ["string", "null"],
                    "description": "the carer's own name, masked; null when they have "
                    "declared no health code of their own",
                }
            },
        },
        "since": TIMESTAMP,
        "basis": {
            "type": "string",
            "enum": [Basis.CONSENT.value, Basis.GUARDIAN_OF_CHILD.value, Basis.GUARDIAN.value],
            "description": "consent: you accepted them; guardian_of_child: you are under "
            "14 and they are your guardian (PIPL Art. 31)",
        },
        "may": {
            "type": "array",
            "items": {"type": "string", "enum": [a.value for a in Act]},
            "description": "what they may do for you: read (your code, tests, check-ins), "
            "declare, check_in, print (a printed code)",
        },
        "may_end": {"type": "boolean", "description": "false for a child's guardian"},
    },
}

CARERS: Schema = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "items": CARER}},
}

CARER_ENDED: Schema = {
    "type": "object",
    "required": ["id", "relation", "ended"],
    "properties": {
        "id": {"type": "string"},
        "relation": {"type": "string"},
        "ended": {"type": "boolean", "enum": [True]},
    },
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
        "person": request.person_id,
        "created_at": iso(request.created_at),
        "requester": {"name_masked": requester_name_masked},
    }


def carer(entry: CarerEntry) -> dict[str, Any]:
    return {
        "id": entry.link_id,
        "relation": entry.link.relation,
        "carer": {"name_masked": entry.carer_name_masked},
        "since": iso(entry.link.created_at),
        "basis": entry.basis.value,
        "may": list(entry.may),
        "may_end": entry.may_end,
    }
