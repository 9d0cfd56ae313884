"""Request and response schemas of declarations and their review, with their views. No
storage record passes through a view."""

from __future__ import annotations

from typing import Any

from chalicelib.colours.rules import WITHDRAWABLE
from chalicelib.colours.schemas import ANSWERS, COLOUR, REASON, answers, current_reasons, reason
from chalicelib.declarations.rules import SYMPTOMS, Declaration
from chalicelib.declarations.service import DeclarationOutcome, QueueItem
from chalicelib.kernel.contract import PERSON_SEEN, PHONE, TIMESTAMP, iso, maybe_iso, person_seen
from chalicelib.kernel.schema import Schema

DECLARE: Schema = {
    "type": "object",
    "required": [
        "name",
        "id_number",
        "phone",
        "residence_region",
        "address",
        "symptoms",
        "contact_with_confirmed",
        "abroad_14d",
    ],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 50},
        "id_number": {
            "type": "string",
            "minLength": 1,
            "maxLength": 32,
            "description": "18-character GB 11643 resident ID number",
        },
        "phone": PHONE,
        "residence_region": {
            "type": "string",
            "minLength": 6,
            "maxLength": 6,
            "description": "GB/T 2260 county or city code in force",
        },
        "address": {"type": "string", "minLength": 1, "maxLength": 200},
        "symptoms": {
            "type": "array",
            "maxItems": 7,
            "uniqueItems": True,
            "items": {"type": "string", "enum": list(SYMPTOMS)},
        },
        "contact_with_confirmed": {"type": "boolean"},
        "abroad_14d": {"type": "boolean"},
        "dependant": {
            "type": ["object", "null"],
            "required": ["relation"],
            "additionalProperties": False,
            "description": "declare for someone the caller cares for (up to 5): the name, "
            "ID number and answers are theirs; null or absent: for the caller",
            "properties": {
                "relation": {
                    "type": "string",
                    "enum": ["child", "parent", "grandparent", "spouse", "other"],
                }
            },
        },
    },
}

DECLARATION: Schema = {
    "type": "object",
    "required": ["id", "status", "created_at", "review_reasons"],
    "properties": {
        "id": {"type": "string"},
        "status": {"type": "string", "enum": ["approved", "pending_review", "rejected"]},
        "created_at": TIMESTAMP,
        "symptoms": {"type": "array", "items": {"type": "string"}},
        "contact_with_confirmed": {"type": "boolean"},
        "abroad_14d": {"type": "boolean"},
        "residence_region": {"type": "string"},
        "review_reasons": {"type": "array", "items": {"type": "string"}},
        "withdraws": {
            "type": "array",
            "items": {"type": "string"},
            "description": "a correction: the declared risk facts it takes back",
        },
        "review_note": {"type": ["string", "null"]},
        "reviewed_at": {"type": ["string", "null"]},
    },
}

DECLARED: Schema = {
    "type": "object",
    "required": ["id", "status", "colour", "reasons", "valid_until", "review_reasons"],
    "properties": {
        "id": {"type": "string"},
        "status": {"type": "string", "enum": ["approved", "pending_review", "rejected"]},
        "person": {"type": "string", "description": "whom the declaration is for"},
        "colour": COLOUR,
        "reasons": {"type": "array", "items": REASON},
        "valid_until": {"type": ["string", "null"]},
        "review_reasons": {"type": "array", "items": {"type": "string"}},
    },
}


FACTS = {"type": "string", "enum": list(WITHDRAWABLE)}

REVIEW_ITEM: Schema = {
    "type": "object",
    "required": [
        "id",
        "submitted_at",
        "review_reasons",
        "person",
        "answers",
        "reasons",
        "withdraws",
    ],
    "properties": {
        "id": {"type": "string"},
        "submitted_at": TIMESTAMP,
        "review_reasons": {"type": "array", "items": {"type": "string"}},
        "person": PERSON_SEEN,
        "answers": ANSWERS,
        "reasons": {
            "type": "array",
            "items": REASON,
            "description": "the person's current colour's reasons",
        },
        "withdraws": {
            "type": "array",
            "items": FACTS,
            "description": "a correction: the declared risk facts it takes back",
        },
    },
}

REVIEW_DECISION: Schema = {
    "type": "object",
    "required": ["decision", "note"],
    "additionalProperties": False,
    "properties": {
        "decision": {"type": "string", "enum": ["approve", "reject"]},
        "note": {"type": "string", "minLength": 1, "maxLength": 1000, "x-text": True},
    },
}

REVIEWED: Schema = {
    "type": "object",
    "required": ["id", "status", "colour"],
    "properties": {
        "id": {"type": "string"},
        "status": {"type": "string"},
        "colour": COLOUR,
        "reasons": {"type": "array", "items": REASON},
    },
}


def declared(outcome: DeclarationOutcome) -> dict[str, Any]:
    assessment = outcome.assessment
    return {
        "id": outcome.declaration.declaration_id,
        "status": outcome.declaration.status,
        "colour": assessment.colour.value,
        "reasons": [reason(r) for r in assessment.reasons],
        "valid_until": maybe_iso(assessment.valid_until),
        "review_reasons": list(outcome.declaration.review_reasons),
        "person": outcome.declaration.person_id,
    }


def declaration(item: Declaration) -> dict[str, Any]:
    return {
        "id": item.declaration_id,
        "status": item.status,
        "created_at": iso(item.created_at),
        **answers(item),
        "review_reasons": list(item.review_reasons),
        "withdraws": list(item.withdraws),
        "review_note": item.review_note,
        "reviewed_at": maybe_iso(item.reviewed_at),
    }


def review_item(item: QueueItem) -> dict[str, Any]:
    d = item.declaration
    return {
        "id": d.declaration_id,
        "submitted_at": iso(d.created_at),
        "review_reasons": list(d.review_reasons),
        "person": person_seen(d.person_id, item.person),
        "answers": answers(d),
        "reasons": current_reasons(item.colour),
        "withdraws": list(d.withdraws),
    }


def reviewed(outcome: DeclarationOutcome) -> dict[str, Any]:
    return {
        "id": outcome.declaration.declaration_id,
        "status": outcome.declaration.status,
        "colour": outcome.assessment.colour.value,
        "reasons": [reason(r) for r in outcome.assessment.reasons],
    }
