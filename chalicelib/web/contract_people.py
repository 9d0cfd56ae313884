"""Request and response schemas of the routes for dependants, printed codes, the
ID-card check and identity disputes (issue 16; docs/people.md)."""

from __future__ import annotations

from chalicelib.kernel.schema import Schema
from chalicelib.web.contract import COLOUR, HOLDER, TIMESTAMP, page_of

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

PRINTED_REQUEST: Schema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "days": {
            "type": "integer",
            "minimum": 1,
            "maximum": 30,
            "description": "how long the printed code lives (default 30)",
        }
    },
}

PRINTED: Schema = {
    "type": "object",
    "required": [
        "person",
        "kind",
        "token",
        "issued_at",
        "expires_at",
        "region",
        "holder",
        "revoked_previous",
        "card",
    ],
    "properties": {
        "person": {"type": "string"},
        "kind": {"type": "string", "enum": ["printed"]},
        "token": {"type": "string", "description": "YM1: signed token of the printed kind"},
        "issued_at": TIMESTAMP,
        "expires_at": TIMESTAMP,
        "region": {"type": "string"},
        "holder": HOLDER,
        "revoked_previous": {"type": "boolean"},
        "card": {
            "type": "object",
            "required": ["content_type", "data_base64"],
            "properties": {
                "content_type": {"type": "string", "enum": ["application/pdf"]},
                "data_base64": {"type": "string", "description": "an A6 PDF to print"},
            },
        },
    },
}

VERIFY_ID: Schema = {
    "type": "object",
    "required": ["id_number"],
    "additionalProperties": False,
    "properties": {
        "id_number": {
            "type": "string",
            "minLength": 1,
            "maxLength": 32,
            "description": "the 18-character number read from the ID card",
        },
        "venue_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "description": "<division code>-<local id>, e.g. 610113-0042",
        },
    },
}

REAL_NAME: Schema = {
    "type": "object",
    "required": ["code", "name", "id_number"],
    "additionalProperties": False,
    "properties": {
        "code": {
            "type": "string",
            "minLength": 1,
            "maxLength": 256,
            "description": "the one-time code WeChat's real-name consent page (the city "
            "service's wxpay-auth page) hands back in extraData",
        },
        "name": {"type": "string", "minLength": 1, "maxLength": 64},
        "id_number": {"type": "string", "minLength": 1, "maxLength": 32},
    },
}

REAL_NAME_RESULT: Schema = {
    "type": "object",
    "required": ["result", "vouched", "dispute_settled"],
    "properties": {
        "result": {"type": "string", "enum": ["match", "mismatch", "not_real_named"]},
        "vouched": {
            "type": "boolean",
            "description": "the account is now vouched for this ID number: it wins an "
            "identity dispute over it against an unvouched holder",
        },
        "dispute_settled": {
            "type": "boolean",
            "description": "an identity dispute this account had opened over the number "
            "was decided at once: the person is now the account's own",
        },
    },
}

DISPUTE_ITEM: Schema = {
    "type": "object",
    "required": ["id", "state", "created_at", "person", "claimant", "holder"],
    "properties": {
        "id": {"type": "string"},
        "state": {"type": "string", "enum": ["open", "proof_requested", "moved", "kept"]},
        "created_at": TIMESTAMP,
        "person": HOLDER,
        "claimant": {
            "type": "object",
            "required": ["vouched", "channels"],
            "properties": {
                "vouched": {"type": "boolean"},
                "channels": {"type": "array", "items": {"type": "string"}},
                "evidence": {"type": ["string", "null"]},
            },
        },
        "holder": {
            "type": "object",
            "required": ["vouched", "channels"],
            "properties": {
                "vouched": {"type": "boolean"},
                "channels": {"type": "array", "items": {"type": "string"}},
            },
        },
        "decided_at": {"type": ["string", "null"]},
        "note": {"type": ["string", "null"]},
    },
}

DISPUTES: Schema = page_of(DISPUTE_ITEM)

DISPUTE_DECISION: Schema = {
    "type": "object",
    "required": ["decision", "note"],
    "additionalProperties": False,
    "properties": {
        "decision": {"type": "string", "enum": ["move", "keep", "ask_proof"]},
        "note": {"type": "string", "minLength": 1, "maxLength": 2000, "x-text": True},
    },
}
