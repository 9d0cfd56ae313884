"""Request and response schemas of the health code, its images, keys, checkpoint scans, the
one-screen pass, printed codes and the ID-card check, with their views. No storage
record passes through a view."""

from __future__ import annotations

import base64
from typing import Any

from chalicelib.codes.gate import PrintedCard
from chalicelib.codes.service import ShownCode, Verification
from chalicelib.colours.rules import pending_action
from chalicelib.colours.schemas import (
    COLOUR,
    LATEST_TEST,
    REASON,
    REQUIRED_ACTION,
    VACCINATION_SUMMARY,
    pending_required_action,
    reason,
    test_badge,
    vaccination,
)
from chalicelib.kernel.contract import TIMESTAMP, iso, maybe_iso
from chalicelib.kernel.keys import PublicKey
from chalicelib.kernel.schema import Schema

# --- the health code --------------------------------------------------------------

HOLDER: Schema = {
    "type": "object",
    "required": ["name_masked", "id_masked"],
    "properties": {
        "name_masked": {"type": ["string", "null"]},
        "id_masked": {"type": ["string", "null"]},
    },
}

CODE: Schema = {
    "type": "object",
    "required": ["colour", "reasons", "issued_at", "expires_at", "valid_until", "token", "holder"],
    "properties": {
        "colour": COLOUR,
        "reasons": {"type": "array", "items": REASON},
        "issued_at": TIMESTAMP,
        "expires_at": {**TIMESTAMP, "description": "the token's expiry: refresh before it"},
        "valid_until": {
            "type": ["string", "null"],
            "description": "the earliest time the colour itself can change",
        },
        "token": {"type": "string", "description": "YM1: signed token, QR version <= 7 at M"},
        "holder": HOLDER,
        "policy_version": {"type": "string"},
        "feed_id": {"type": ["string", "null"]},
        "latest_test": LATEST_TEST,
        "required_action": REQUIRED_ACTION,
        "vaccination": VACCINATION_SUMMARY,
    },
}

IMAGE: Schema = {"type": "string", "format": "binary"}

KEYS: Schema = {
    "type": "object",
    "required": ["keys"],
    "properties": {
        "keys": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["kid", "alg", "public_key", "region", "not_after"],
                "properties": {
                    "kid": {"type": "string", "description": "hex"},
                    "alg": {"type": "string", "enum": ["EdDSA"]},
                    "public_key": {"type": "string", "description": "raw Ed25519 key, base64url"},
                    "region": {"type": "string"},
                    "not_after": {"type": ["string", "null"]},
                },
            },
        }
    },
}

VERIFY: Schema = {
    "type": "object",
    "required": ["token"],
    "additionalProperties": False,
    "properties": {
        "token": {"type": "string", "minLength": 1, "maxLength": 512},
        "venue_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "description": "one of the venues the checkpoint account is posted at "
            "(POST /v1/admin/assignments); 400 venue_not_assigned otherwise",
        },
    },
}

VERIFIED: Schema = {
    "type": "object",
    "required": ["valid", "colour", "token_colour", "holder", "itinerary_starred", "latest_test"],
    "properties": {
        "valid": {"type": "boolean"},
        "reason": {
            "type": "string",
            "description": "why not valid: wrong_prefix, malformed, unknown_key, "
            "bad_signature, revoked_key, key_not_yet_valid, key_expired, not_yet_valid, "
            "expired, unknown_holder",
        },
        "colour": {"type": ["string", "null"]},
        "token_colour": {"type": ["string", "null"]},
        "holder": {"type": ["object", "null"]},
        "issued_at": {"type": ["string", "null"]},
        "expires_at": {"type": ["string", "null"]},
        "region": {"type": ["string", "null"], "description": "the issuing region"},
        "issuer": {
            "type": ["string", "null"],
            "enum": ["local", "partner", "national", None],
            "description": "partner / national: a code of another region, verified with the "
            "trust list; colour is then the code's own",
        },
        "converted_from": {
            "type": ["string", "null"],
            "description": "the region whose code this local code was converted from",
        },
        "itinerary_starred": {"type": ["boolean", "null"]},
        "latest_test": LATEST_TEST,
        "action_pending": {
            "type": ["boolean", "null"],
            "description": "the holder has a pop-up action to do (never which, nor why)",
        },
        "vaccination": VACCINATION_SUMMARY,
        "kind": {
            "type": "string",
            "enum": ["printed"],
            "description": "printed: a printed code (docs/people.md); colour is the online one",
        },
    },
}

PASS: Schema = {
    "type": "object",
    "required": ["code", "itinerary", "latest_test"],
    "properties": {
        "code": CODE,
        "itinerary": {"type": ["object", "null"]},
        "latest_test": LATEST_TEST,
        "required_action": REQUIRED_ACTION,
        "vaccination": VACCINATION_SUMMARY,
    },
}

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
            "description": "one of the venues the checkpoint account is posted at "
            "(POST /v1/admin/assignments); 400 venue_not_assigned otherwise",
        },
    },
}


def code(shown: ShownCode) -> dict[str, Any]:
    assessment = shown.stored.assessment
    return {
        "colour": assessment.colour.value,
        "reasons": [reason(r) for r in assessment.reasons],
        "issued_at": iso(shown.claims.issued_at),
        "expires_at": iso(shown.claims.expires_at),
        "valid_until": maybe_iso(assessment.valid_until),
        "token": shown.token,
        "holder": {"name_masked": shown.stored.name_masked, "id_masked": shown.stored.id_masked},
        "policy_version": assessment.policy_version,
        "feed_id": assessment.feed_id,
        "latest_test": test_badge(shown.latest_test),
        "required_action": pending_required_action(assessment.reasons),
        "vaccination": vaccination(shown.stored.vaccination),
    }


def public_key(key: PublicKey) -> dict[str, Any]:
    return {
        "kid": key.kid.hex(),
        "alg": "EdDSA",
        "public_key": base64.urlsafe_b64encode(key.key).rstrip(b"=").decode(),
        "region": key.region,
        "not_after": maybe_iso(key.not_after),
    }


def verification(result: Verification) -> dict[str, Any]:
    view: dict[str, Any] = {
        "valid": result.valid,
        "colour": result.colour.value if result.colour else None,
        "token_colour": result.token_colour.value if result.token_colour else None,
        "holder": None,
        "issued_at": maybe_iso(result.issued_at),
        "expires_at": maybe_iso(result.expires_at),
        "region": result.region,
        "issuer": result.issuer,
        "converted_from": result.converted_from,
        "itinerary_starred": result.starred,
        "latest_test": test_badge(result.latest_test),
        "action_pending": None,
        "vaccination": None,
    }
    if result.kind is not None:
        view["kind"] = result.kind  # printed: the colour above is the online one
    if result.reason:
        view["reason"] = result.reason
    if result.stored is not None:  # masked only; never the reasons, which are the citizen's
        view["holder"] = {
            "name_masked": result.stored.name_masked,
            "id_masked": result.stored.id_masked,
        }
        # That an action is pending, never which one or why: reasons are the citizen's.
        view["action_pending"] = pending_action(result.stored.assessment.reasons) is not None
        view["vaccination"] = vaccination(result.stored.vaccination)
    return view


def printed(card: PrintedCard) -> dict[str, Any]:
    return {
        "person": card.person.person_id,
        "kind": "printed",
        "token": card.token,
        "issued_at": iso(card.claims.issued_at),
        "expires_at": iso(card.claims.expires_at),
        "region": card.claims.region,
        "holder": {"name_masked": card.person.name_masked, "id_masked": card.person.id_masked},
        "revoked_previous": card.revoked_previous,
        "card": {
            "content_type": "application/pdf",
            "data_base64": base64.b64encode(card.pdf).decode("ascii"),
        },
    }
