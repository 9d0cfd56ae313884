"""Request and response schemas of status marks, appeals and the audit trail, with their
views. No storage record passes through a view."""

from __future__ import annotations

from typing import Any

from chalicelib.colours.rules import WITHDRAWABLE
from chalicelib.colours.schemas import ANSWERS, REASON, answers, current_reasons
from chalicelib.kernel.audit import AuditEvent
from chalicelib.kernel.contract import PERSON_SEEN, TIMESTAMP, iso, maybe_iso, person_seen
from chalicelib.kernel.schema import Schema
from chalicelib.officials.rules import MARK_CATEGORIES, MARK_STATUSES, Appeal, MarkRequest
from chalicelib.officials.service import AnsweredAppeal, MarkOutcome, Seen

CURRENT_REASONS: Schema = {
    "type": "array",
    "items": REASON,
    "description": "the person's current colour's reasons ([] before they declared)",
}

STATUS_REQUEST: Schema = {
    "type": "object",
    "required": ["id_number", "status", "category", "note"],
    "additionalProperties": False,
    "properties": {
        "id_number": {"type": "string", "minLength": 1, "maxLength": 32},
        "status": {"type": "string", "enum": list(MARK_STATUSES)},
        "category": {
            "type": "string",
            "enum": list(MARK_CATEGORIES),
            "description": "the epidemic reason for the mark",
        },
        "note": {"type": "string", "minLength": 1, "maxLength": 1000, "x-text": True},
        "contact_date": {
            "type": "string",
            "minLength": 10,
            "maxLength": 10,
            "description": "YYYY-MM-DD; required for contact statuses",
        },
    },
}

STATUS_APPROVAL: Schema = {
    "type": "object",
    "additionalProperties": False,
    "description": "optional: what the approving official read on the request, checked here",
    "properties": {
        "category": {
            "type": "string",
            "enum": list(MARK_CATEGORIES),
            "description": "the request's epidemic reason, picked again; another one is 409",
        },
        "note": {"type": "string", "minLength": 1, "maxLength": 1000, "x-text": True},
    },
}

MARK_REQUESTED: Schema = {
    "type": "object",
    "required": ["id", "state", "status"],
    "properties": {
        "id": {"type": "string"},
        "state": {"type": "string", "enum": ["awaiting_approval", "approved", "withdrawn"]},
        "status": {"type": "string"},
    },
}

MARK: Schema = {
    "type": "object",
    "required": ["id", "state", "status", "people_recoloured", "colours"],
    "properties": {
        **MARK_REQUESTED["properties"],
        "people_recoloured": {"type": "integer"},
        "colours": {"type": "array", "items": {"type": "object"}},
    },
}

APPEAL_REQUEST: Schema = {
    "type": "object",
    "required": ["reason"],
    "additionalProperties": False,
    "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 2000, "x-text": True}},
}

APPEAL: Schema = {
    "type": "object",
    "required": ["id", "state", "reason", "created_at"],
    "properties": {
        "id": {"type": "string"},
        "state": {"type": "string", "enum": ["open", "upheld", "dismissed"]},
        "reason": {"type": "string"},
        "colour": {"type": ["string", "null"]},
        "created_at": TIMESTAMP,
        "answer": {"type": ["string", "null"]},
        "answered_at": {"type": ["string", "null"]},
    },
}

APPEAL_ANSWERED: Schema = {
    "type": "object",
    "required": [*APPEAL["required"], "withdrawn"],
    "properties": {
        **APPEAL["properties"],
        "withdrawn": {
            "type": "array",
            "items": {"type": "string", "enum": list(WITHDRAWABLE)},
            "description": "the declared risk facts the upheld appeal took back",
        },
    },
}

APPEAL_ITEM: Schema = {
    "type": "object",
    "required": [*APPEAL["required"], "person", "answers", "reasons"],
    "properties": {
        **APPEAL["properties"],
        "person": {
            "oneOf": [PERSON_SEEN, {"type": "null"}],
            "description": "whom the appeal is about; null for an identity dispute's appeal",
        },
        "answers": {
            "oneOf": [ANSWERS, {"type": "null"}],
            "description": "the person's latest declaration's answers",
        },
        "reasons": CURRENT_REASONS,
    },
}

APPEAL_ANSWER: Schema = {
    "type": "object",
    "required": ["outcome", "answer"],
    "additionalProperties": False,
    "properties": {
        "outcome": {"type": "string", "enum": ["upheld", "dismissed"]},
        "answer": {"type": "string", "minLength": 1, "maxLength": 2000, "x-text": True},
        "withdraw": {
            "type": "array",
            "items": {"type": "string", "enum": list(WITHDRAWABLE)},
            "maxItems": len(WITHDRAWABLE),
            "description": "upheld only: the risk facts the person declared by mistake, "
            "which stop colouring the code",
        },
    },
}

AUDIT_EVENT: Schema = {
    "type": "object",
    "required": ["id", "at", "actor", "actor_role", "action", "subject"],
    "properties": {
        "id": {"type": "string"},
        "at": TIMESTAMP,
        "actor": {"type": "string"},
        "actor_role": {"type": "string"},
        "action": {"type": "string"},
        "subject": {"type": "string"},
        "reason": {"type": ["string", "null"]},
        "before": {"type": ["object", "null"]},
        "after": {"type": ["object", "null"]},
    },
}

MARK_ITEM: Schema = {
    "type": "object",
    "required": ["id", "state", "status", "category", "note", "requested_by", "requested_at"],
    "properties": {
        "id": {"type": "string"},
        "state": {"type": "string"},
        "status": {"type": "string"},
        "category": {"type": "string"},
        "note": {"type": "string"},
        "contact_date": {"type": ["string", "null"]},
        "person": {
            "type": ["string", "null"],
            "description": "pseudonymous; null before declaring",
        },
        "requested_by": {"type": "string"},
        "requested_at": TIMESTAMP,
        "person_masked": {
            "type": "object",
            "required": ["name_masked", "id_masked"],
            "properties": {
                "name_masked": {"type": ["string", "null"]},
                "id_masked": {"type": ["string", "null"]},
            },
            "description": "whom the mark is for, masked; the name is null before they declared",
        },
        "reasons": CURRENT_REASONS,
    },
}


def mark(item: MarkRequest) -> dict[str, Any]:
    return {"id": item.mark_id, "state": item.state, "status": item.status}


def mark_item(seen: Seen) -> dict[str, Any]:
    item: MarkRequest = seen.item
    person = seen.person
    return {
        **mark(item),
        "person_masked": {
            "name_masked": person.name_masked if person else None,
            "id_masked": person.id_masked if person else item.id_masked,
        },
        "reasons": current_reasons(seen.colour),
        "category": item.category,
        "note": item.note,
        "contact_date": item.contact_date.isoformat() if item.contact_date else None,
        "person": item.person_id,
        "requested_by": item.requested_by,
        "requested_at": iso(item.requested_at),
    }


def mark_outcome(outcome: MarkOutcome) -> dict[str, Any]:
    return {
        **mark(outcome.mark),
        "people_recoloured": len(outcome.recoloured),
        "colours": [
            {"person": person_id, "colour": a.colour.value, "reasons": [r.code for r in a.reasons]}
            for person_id, a in outcome.recoloured
        ],
    }


def appeal(item: Appeal) -> dict[str, Any]:
    return {
        "id": item.appeal_id,
        "state": item.state,
        "reason": item.text,
        "colour": item.colour,
        "created_at": iso(item.created_at),
        "answer": item.answer,
        "answered_at": maybe_iso(item.answered_at),
    }


def appeal_item(seen: Seen) -> dict[str, Any]:
    item: Appeal = seen.item
    person = seen.person
    return {
        **appeal(item),
        "person": person_seen(person.person_id, person) if person else None,
        "answers": answers(seen.answers) if seen.answers is not None else None,
        "reasons": current_reasons(seen.colour),
    }


def answered(outcome: AnsweredAppeal) -> dict[str, Any]:
    return {**appeal(outcome.appeal), "withdrawn": list(outcome.withdrawn)}


def audit_event(item: AuditEvent) -> dict[str, Any]:
    return {
        "id": item.event_id,
        "at": iso(item.at),
        "actor": item.actor,
        "actor_role": item.actor_role,
        "action": item.action,
        "subject": item.subject_id,
        "reason": item.reason,
        "before": item.before,
        "after": item.after,
    }
