"""The schemas of a colour as every answer shows it (reasons, pop-up actions, badges,
vaccination), with their views. No storage record passes through a view."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.colours.model import Reason, RequiredAction, StoredColour, VaccinationSummary
from chalicelib.colours.rules import pending_action
from chalicelib.colours.table import ENDS
from chalicelib.kernel.contract import TIME_PATTERN, TIMESTAMP, iso, maybe_iso
from chalicelib.kernel.schema import Schema

if TYPE_CHECKING:
    from chalicelib.labs.rules import TestBadge

REQUIRED_ACTION: Schema = {
    "type": ["object", "null"],
    "description": "the pop-up (弹窗): what the citizen must do, until it is done (a new "
    "declaration, a negative test); null when nothing is asked",
    "required": ["code", "text", "text_en"],
    "properties": {
        "code": {
            "type": "string",
            "enum": ["report_itinerary", "take_test_within_24h", "call_hotline"],
        },
        "text": {"type": "string", "description": "Chinese"},
        "text_en": {"type": "string"},
    },
}

VACCINATION_SUMMARY: Schema = {
    "type": ["object", "null"],
    "description": "vaccination doses on record and when the last was given; null: none",
    "required": ["doses", "last_at"],
    "properties": {
        "doses": {"type": "integer", "minimum": 0},
        "last_at": {"type": ["string", "null"], "format": "date-time", "pattern": TIME_PATTERN},
    },
}

REASON: Schema = {
    "type": "object",
    "required": ["code", "colour", "text", "text_en", "until"],
    "properties": {
        "required_action": REQUIRED_ACTION,
        "code": {"type": "string"},
        "colour": {"type": "string", "enum": ["green", "pending", "yellow", "red"]},
        "text": {"type": "string", "description": "Chinese"},
        "text_en": {"type": "string"},
        "until": {
            "type": ["string", "null"],
            "format": "date-time",
            "pattern": TIME_PATTERN,
            "description": "when this reason stops applying; null: see `ends`",
        },
        "ends": {
            "type": "string",
            "enum": list(ENDS),
            "description": "how it ends: `date` (at `until`), or with no date: `area_lifted`, "
            "`negative_test`, `review`, `declaration`, `official`, `vaccination`",
        },
    },
}

COLOUR = {"type": "string", "enum": ["green", "pending", "yellow", "red"]}

BADGE: Schema = {"type": ["string", "null"], "enum": ["24h", "48h", "72h", "7d", None]}

LATEST_TEST: Schema = {
    "type": ["object", "null"],
    "description": "the newest nucleic-acid result; badge 24h / 48h / 72h / 7d counts from "
    "sampling (null once older than 7 days). A checkpoint sees it only when it is negative.",
    "required": ["result", "sampled_at", "lab", "badge"],
    "properties": {
        "result": {"type": "string", "enum": ["negative", "positive", "invalid"]},
        "sampled_at": TIMESTAMP,
        "lab": {"type": "string"},
        "badge": BADGE,
    },
}


def reason(item: Reason) -> dict[str, Any]:
    return {
        "code": item.code,
        "colour": item.colour.value,
        "text": item.text_zh,
        "text_en": item.text_en,
        "until": maybe_iso(item.until),
        "ends": "date" if item.until is not None else item.ends,
        "required_action": required_action(item.action),
    }


def required_action(action: RequiredAction | None) -> dict[str, Any] | None:
    if action is None:
        return None
    return {"code": action.code, "text": action.text_zh, "text_en": action.text_en}


def vaccination(summary: VaccinationSummary | None) -> dict[str, Any] | None:
    if summary is None or not summary.doses:
        return None
    return {"doses": summary.doses, "last_at": maybe_iso(summary.last_at)}


def pending_required_action(reasons: Any) -> dict[str, Any] | None:
    """The first pop-up action the reasons still ask for, as the answers show it."""
    first = pending_action(reasons)
    return required_action(first.action) if first is not None else None


def test_badge(latest: TestBadge | None) -> dict[str, Any] | None:
    if latest is None:
        return None
    return {
        "result": latest.result,
        "sampled_at": iso(latest.sampled_at),
        "lab": latest.lab,
        "badge": latest.badge,
    }


# A declaration's answers, as staff read them beside a review, an appeal or a mark.
ANSWERS: Schema = {
    "type": "object",
    "required": ["symptoms", "contact_with_confirmed", "abroad_14d", "residence_region"],
    "properties": {
        "symptoms": {"type": "array", "items": {"type": "string"}},
        "contact_with_confirmed": {"type": "boolean"},
        "abroad_14d": {"type": "boolean"},
        "residence_region": {"type": "string"},
    },
}


def answers(d: Any) -> dict[str, Any]:
    """``d``: a declaration (``colours.ports.DeclarationSeen``)."""
    return {
        "symptoms": list(d.symptoms),
        "contact_with_confirmed": d.contact_with_confirmed,
        "abroad_14d": d.abroad_14d,
        "residence_region": d.residence_region,
    }


def current_reasons(colour: StoredColour | None) -> list[dict[str, Any]]:
    return [reason(r) for r in colour.assessment.reasons] if colour else []
