"""The JSON Schemas of the v1 API: request bodies (also used to validate) and responses.

Each schema is published in ``/v1/openapi.json``; request schemas are the
first gate on input (``chalicelib.kernel.schema.validate``).
"""

from __future__ import annotations

from chalicelib.declarations.rules import SYMPTOMS
from chalicelib.kernel.roles import Role
from chalicelib.kernel.schema import Schema
from chalicelib.officials.rules import MARK_CATEGORIES, MARK_STATUSES
from chalicelib.risk.rules import FEED_ID_PATTERN, LEVELS, MAX_ROWS, MAX_TEXT
from chalicelib.venues.rules import VENUE_KINDS

ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
        }
    },
}

PHONE: Schema = {
    "type": "string",
    "minLength": 11,
    "maxLength": 16,
    "description": "an 11-digit mainland mobile number",
}

# A time in an answer: RFC 3339, UTC, whole seconds, Z (chalicelib.kernel.times).
TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
TIMESTAMP: Schema = {"type": "string", "format": "date-time", "pattern": TIME_PATTERN}
# A time a client sends: ISO 8601 with an offset, checked by the parsers (parse_time).
TIME_TEXT: Schema = {"type": "string", "minLength": 10, "maxLength": 40}

USER: Schema = {
    "type": "object",
    "required": ["id", "phone_bound"],
    "properties": {
        "id": {"type": "string"},
        "phone_bound": {"type": "boolean"},
    },
}

SESSION: Schema = {
    "type": "object",
    "required": ["token", "expires_at", "user"],
    "properties": {
        "token": {"type": "string"},
        "expires_at": TIMESTAMP,
        "role": {"type": "string", "enum": [r.value for r in Role]},
        "user": USER,
    },
}

DEV_LOGIN: Schema = {
    "type": "object",
    "required": ["subject"],
    "additionalProperties": False,
    "properties": {
        "subject": {"type": "string", "minLength": 1, "maxLength": 64},
        "role": {"type": "string", "enum": [r.value for r in Role]},
        "phone": PHONE,
        "vouched_id_number": {
            "type": "string",
            "minLength": 18,
            "maxLength": 18,
            "description": "the ID number the channel vouches for (as Alipay's certified "
            "user info would): a vouched claim wins an identity dispute",
        },
    },
}

WECHAT_LOGIN: Schema = {
    "type": "object",
    "required": ["code"],
    "additionalProperties": False,
    "properties": {
        "code": {
            "type": "string",
            "minLength": 1,
            "maxLength": 128,
            "description": "the code from wx.login()",
        },
    },
}

ALIPAY_LOGIN: Schema = {
    "type": "object",
    "required": ["auth_code"],
    "additionalProperties": False,
    "properties": {
        "auth_code": {
            "type": "string",
            "minLength": 1,
            "maxLength": 128,
            "description": "the authCode from my.getAuthCode()",
        },
    },
}

BIND_PHONE: Schema = {
    "type": "object",
    "required": ["channel"],
    "additionalProperties": False,
    "description": "WeChat: `code` (getPhoneNumber) or `encrypted_data` + `iv` (legacy); "
    "Alipay: `response` + `sign` from my.getPhoneNumber",
    "properties": {
        "channel": {"type": "string", "enum": ["wechat", "alipay"]},
        "code": {"type": "string", "minLength": 1, "maxLength": 256},
        "encrypted_data": {"type": "string", "minLength": 1, "maxLength": 4096},
        "iv": {"type": "string", "minLength": 1, "maxLength": 64},
        "response": {"type": "string", "minLength": 1, "maxLength": 4096},
        "sign": {"type": "string", "minLength": 1, "maxLength": 1024},
        "sign_type": {"type": "string", "enum": ["RSA2"]},
    },
}

ME: Schema = {
    "type": "object",
    "required": ["id", "role", "phone_bound", "phone_masked", "channels"],
    "properties": {
        "id": {"type": "string"},
        "role": {"type": "string"},
        "phone_bound": {"type": "boolean"},
        "phone_masked": {"type": ["string", "null"]},
        "channels": {"type": "array", "items": {"type": "string"}},
        "session": {
            **SESSION,
            "description": "present when binding joined the account that already had this "
            "phone: the old token names the account left behind, use this one",
        },
    },
}

OPENAPI_DOC: Schema = {
    "type": "object",
    "required": ["openapi", "info", "paths"],
    "properties": {
        "openapi": {"type": "string"},
        "info": {"type": "object"},
        "paths": {"type": "object"},
    },
}


# --- declarations, colours, review, marks, appeals, audit ---------------------------

PAGING: dict[str, Schema] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 100},
    "cursor": {"type": "string", "minLength": 1, "maxLength": 1024},
}

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
            "description": "when this reason stops applying; null: until a person acts",
        },
    },
}

COLOUR = {"type": "string", "enum": ["green", "pending", "yellow", "red"]}

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


def page_of(item: Schema) -> Schema:
    return {
        "type": "object",
        "required": ["items", "cursor"],
        "properties": {
            "items": {"type": "array", "items": item},
            "cursor": {"type": ["string", "null"]},
        },
    }


REVIEW_ITEM: Schema = {
    "type": "object",
    "required": ["id", "submitted_at", "review_reasons", "person", "answers"],
    "properties": {
        "id": {"type": "string"},
        "submitted_at": TIMESTAMP,
        "review_reasons": {"type": "array", "items": {"type": "string"}},
        "person": {"type": "object"},
        "answers": {"type": "object"},
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

MARK: Schema = {
    "type": "object",
    "required": ["id", "state"],
    "properties": {
        "id": {"type": "string"},
        "state": {"type": "string", "enum": ["awaiting_approval", "approved", "withdrawn"]},
        "status": {"type": "string"},
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

FEED_CONFIRM: Schema = {
    "type": "object",
    "required": ["reason"],
    "additionalProperties": False,
    "properties": {
        "reason": {
            "type": "string",
            "minLength": 1,
            "maxLength": 1000,
            "description": "why the official lets the held snapshot through; kept in the audit log",
            "x-text": True,
        }
    },
}

APPEAL_ANSWER: Schema = {
    "type": "object",
    "required": ["outcome", "answer"],
    "additionalProperties": False,
    "properties": {
        "outcome": {"type": "string", "enum": ["upheld", "dismissed"]},
        "answer": {"type": "string", "minLength": 1, "maxLength": 2000, "x-text": True},
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


# --- the health code --------------------------------------------------------------

HOLDER: Schema = {
    "type": "object",
    "required": ["name_masked", "id_masked"],
    "properties": {
        "name_masked": {"type": ["string", "null"]},
        "id_masked": {"type": ["string", "null"]},
    },
}

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

CODE_QUERY: dict[str, Schema] = {"person": {"type": "string", "minLength": 1, "maxLength": 64}}

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
            "description": "<division code>-<local id>, e.g. 610113-0042",
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


# --- carrier feeds and the itinerary card ---------------------------------------------

CARRIER_MAX_ROWS = 10_000
CARRIER_MAX_BODY = 2 * 1024 * 1024

BATCH_DUPLICATE: Schema = {
    "type": "boolean",
    "description": "true: this batch_id was already taken; nothing changed",
}

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

# --- risk-area snapshots (docs/risk-feeds.md) -----------------------------------------
# As strict as chalicelib/risk/rules.py: what it ignores (unknown keys, a national
# row's missing names) passes, what it truncates (texts past MAX_TEXT) passes, and what
# needs the division table or a clock (a code in force, since <= published_at, a real
# date) is left to it. Stricter only where the parser reads a wrong type as empty (a
# number for a name, false for a list): from a client that is a bug worth a 400.
# tests/app/test_risk_feed_schema.py holds the two together.

_FEED_TEXT: Schema = {"type": ["string", "null"]}

OUR_RISK_AREA: Schema = {
    "type": "object",
    "required": ["level", "region_code", "since"],
    "properties": {
        "level": {"enum": list(LEVELS)},
        "region_code": {
            "type": "string",
            "pattern": "^[0-9]{6}$",
            "description": "a GB/T 2260 city or county code in force (6 digits)",
        },
        "since": {
            **TIME_TEXT,
            "description": "since when, with an offset; not after published_at",
        },
        "area": {
            **_FEED_TEXT,
            "description": f"the area's name (street, community); kept to {MAX_TEXT} characters",
        },
    },
}

OUR_RISK_FEED: Schema = {
    "type": "object",
    "required": ["feed_id", "published_at", "areas"],
    "properties": {
        "feed_id": {
            "type": "string",
            "pattern": FEED_ID_PATTERN,
            "description": "letters, digits and _ . : - (1 to 64)",
        },
        "published_at": {
            **TIME_TEXT,
            "description": "when published, with an offset; at most an hour ahead of the "
            "server's clock",
        },
        "areas": {
            "type": "array",
            "maxItems": MAX_ROWS,
            "items": OUR_RISK_AREA,
            "description": "every area in force: one that is missing has been lifted",
        },
    },
}

_NATIONAL_ROW: Schema = {
    "type": "object",
    "properties": {
        "province": {**_FEED_TEXT, "description": "the province's name"},
        "city": {**_FEED_TEXT, "description": "the city's name (or a shifted level)"},
        "county": {**_FEED_TEXT, "description": "the county's name (or a shifted level)"},
        "area_name": {**_FEED_TEXT, "description": "the names joined by spaces"},
        "communitys": {
            "type": ["array", "null"],
            "items": _FEED_TEXT,
            "description": "the areas' names; joined with 、 they name the area",
        },
    },
}


def _national_list(level: str) -> Schema:
    return {
        "type": ["array", "null"],
        "maxItems": MAX_ROWS,
        "items": _NATIONAL_ROW,
        "description": f"the {level}-risk rows; the three lists hold at most {MAX_ROWS} "
        "rows together",
    }


NATIONAL_RISK_FEED: Schema = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "code": {
            "type": ["integer", "string"],
            "enum": [0, "0"],
            "description": "0 when the list is good (any other code is an error report)",
        },
        "data": {
            "type": "object",
            "required": ["end_update_time"],
            "properties": {
                "end_update_time": {
                    "type": "string",
                    "pattern": r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{1,2}时\s*$",
                    "description": "the hour the list is stamped with, Beijing time, like "
                    '"2022-04-20 12时"',
                },
                "highlist": _national_list("high"),
                "middlelist": _national_list("medium"),
                "lowlist": _national_list("low"),
            },
        },
    },
}

# The parser's own test for the shape: a `data` object is the national list's.
RISK_FEED: Schema = {
    "type": "object",
    "description": "a snapshot in our shape ({feed_id, published_at, areas}) or, when "
    "`data` is an object, the national risk-level query's ({code, data: {end_update_time, "
    "highlist, middlelist, lowlist}}); docs/risk-feeds.md has both",
    "if": {"required": ["data"], "properties": {"data": {"type": "object"}}},
    "then": NATIONAL_RISK_FEED,
    "else": OUR_RISK_FEED,
}

REFRESH_REPORT: Schema = {
    "type": "object",
    "required": ["state"],
    "properties": {
        "feed_id": {"type": "string"},
        "state": {
            "type": "string",
            "enum": [
                "active",
                "held",
                "unchanged",
                "refused_stale",
                "missing",
                "invalid",
                "skipped",
            ],
        },
        "raised": {"type": "integer"},
        "lowered": {"type": "integer"},
        "lifted": {"type": "integer"},
        "unresolved": {"type": "integer", "description": "national rows no code matched"},
        "people_recoloured": {"type": "integer"},
        "people_queued": {"type": "integer"},
        "failed": {"type": "integer"},
        "duration_ms": {"type": "number"},
    },
}

HELD_FEED: Schema = {
    "type": "object",
    "required": [
        "feed_id",
        "source",
        "published_at",
        "stored_at",
        "areas",
        "unresolved",
        "why",
        "active_feed_id",
        "would_raise",
        "would_lower",
        "would_lift",
    ],
    "properties": {
        "feed_id": {"type": "string"},
        "source": {"type": "string", "enum": ["yima", "national"]},
        "published_at": TIMESTAMP,
        "stored_at": TIMESTAMP,
        "areas": {"type": "integer", "description": "areas the snapshot lists"},
        "unresolved": {"type": "integer", "description": "national rows no code matched"},
        "why": {
            "type": "string",
            "enum": ["older_than_active", "lifts_too_much"],
            "description": "why it was held (docs/risk-feeds.md)",
        },
        "active_feed_id": {"type": ["string", "null"]},
        "would_raise": {
            "type": "integer",
            "description": "areas confirming it now would add or raise, against the active one",
        },
        "would_lower": {"type": "integer"},
        "would_lift": {"type": "integer"},
    },
}

HELD_QUERY: Schema = {
    **PAGING,
    "state": {
        "type": "string",
        "enum": ["held"],
        "description": "which snapshots: only held ones are listed (the default)",
    },
}


# --- mutual recognition (docs/federation.md) -----------------------------------------------

# A trust list is stored whole in one item (DynamoDB's limit: 400 KB); 1,000 keys take
# about 230 KB. A batch of 500 attestations takes about 100 KB.
TRUST_LIST_MAX_BODY = 320 * 1024
PARTNER_STATUS_MAX_BODY = 256 * 1024

SIGNATURE: Schema = {
    "type": "object",
    "required": ["alg", "kid", "value"],
    "additionalProperties": False,
    "description": "Ed25519 over the canonical JSON of `payload` (sorted keys, no spaces, UTF-8)",
    "properties": {
        "alg": {"type": "string", "enum": ["EdDSA"]},
        "kid": {
            "type": "string",
            "pattern": "^([0-9a-f]{2}){1,8}$",
            "description": "hex: the first 2 bytes of SHA-256 of the public key",
        },
        "value": {
            "type": "string",
            "minLength": 86,
            "maxLength": 88,
            "description": "base64url, 64 bytes",
        },
    },
}

REGION_CODE: Schema = {
    "type": "string",
    "pattern": "^[0-9]{6}$",
    "description": "6-digit division code; 100000 is the national code",
}

TRUST_LIST_KEY: Schema = {
    "type": "object",
    "required": ["region", "kid", "alg", "public_key", "not_before", "not_after", "status"],
    "additionalProperties": False,
    "properties": {
        "region": REGION_CODE,
        "kid": {"type": "string", "pattern": "^[0-9a-f]{4}$"},
        "alg": {"type": "string", "enum": ["EdDSA"]},
        "public_key": {
            "type": "string",
            "minLength": 43,
            "maxLength": 44,
            "description": "raw Ed25519 key, base64url",
        },
        "not_before": TIME_TEXT,
        "not_after": TIME_TEXT,
        "status": {"type": "string", "enum": ["active", "revoked"]},
    },
}

TRUST_LIST_DOCUMENT: Schema = {
    "type": "object",
    "required": ["payload", "signature"],
    "additionalProperties": False,
    "description": "the national platform's trust list, signed by a pinned national root key",
    "properties": {
        "payload": {
            "type": "object",
            "required": ["type", "version", "issued_at", "keys"],
            "additionalProperties": False,
            "properties": {
                "type": {"type": "string", "const": "yima.trust-list.v1"},
                "version": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "only a higher version replaces the list in force",
                },
                "issued_at": TIME_TEXT,
                "keys": {"type": "array", "maxItems": 1000, "items": TRUST_LIST_KEY},
            },
        },
        "signature": SIGNATURE,
    },
}

TRUST_LIST_UPLOAD: Schema = {
    "type": "object",
    "required": ["document"],
    "additionalProperties": False,
    "properties": {"document": TRUST_LIST_DOCUMENT},
}

TRUST_LIST_LOADED: Schema = {
    "type": "object",
    "required": ["state", "version", "issued_at", "keys", "revoked", "regions"],
    "properties": {
        "state": {"type": "string", "enum": ["active", "unchanged"]},
        "version": {"type": "integer"},
        "issued_at": TIMESTAMP,
        "keys": {"type": "integer"},
        "revoked": {"type": "integer"},
        "regions": {"type": "array", "items": {"type": "string"}},
    },
}

_PUBLISHED_KEY: Schema = {
    "type": "object",
    "required": ["region", "kid", "alg", "public_key", "not_before", "not_after", "status"],
    "properties": {
        "region": {"type": "string"},
        "kid": {"type": "string"},
        "alg": {"type": "string", "enum": ["EdDSA"]},
        "public_key": {"type": "string"},
        "not_before": {"type": ["string", "null"]},
        "not_after": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": ["active", "revoked"]},
        "source": {"type": "string", "enum": ["local", "trust_list"]},
    },
}

PUBLISHED_TRUST_LIST: Schema = {
    "type": "object",
    "required": ["region", "published_at", "trust_list_version", "keys", "signed", "national"],
    "properties": {
        "region": {"type": "string"},
        "published_at": TIMESTAMP,
        "trust_list_version": {"type": ["integer", "null"]},
        "keys": {
            "type": "array",
            "items": _PUBLISHED_KEY,
            "description": "ours and the trusted ones: what the offline verifier reads",
        },
        "signed": {
            "type": "object",
            "description": "the same keys as a yima.published-keys.v1 document signed with "
            "our own code-signing key",
        },
        "national": {
            "type": ["object", "null"],
            "description": "the trust list in force, as the national root signed it",
        },
    },
}

CONVERT: Schema = {
    "type": "object",
    "required": ["token"],
    "additionalProperties": False,
    "properties": {
        "token": {
            "type": "string",
            "minLength": 1,
            "maxLength": 512,
            "description": "a partner region's or the national YM1: code",
        }
    },
}

CONVERTED: Schema = {
    "type": "object",
    "required": ["conversion_id", "colour", "token", "issued_at", "expires_at", "source"],
    "properties": {
        "conversion_id": {"type": "string"},
        "colour": COLOUR,
        "token": {"type": "string", "description": "our YM1: code for the same holder"},
        "issued_at": TIMESTAMP,
        "expires_at": {
            **TIMESTAMP,
            "description": "the shorter of our code lifetime and the source code's expiry",
        },
        "region": {"type": "string"},
        "source": {
            "type": "object",
            "required": ["region", "issuer", "colour", "expires_at"],
            "properties": {
                "region": {"type": "string"},
                "issuer": {"type": "string", "enum": ["partner", "national"]},
                "colour": COLOUR,
                "expires_at": TIMESTAMP,
            },
        },
    },
}

ATTESTATION: Schema = {
    "type": "object",
    "required": ["subject", "colour", "valid_until"],
    "additionalProperties": False,
    "description": "no names, phones or ID numbers: any other field is refused",
    "properties": {
        "subject": {
            "type": "string",
            "pattern": "^[0-9a-f]{64}$",
            "description": "HMAC-SHA256 under the shared federation key of 'fid:' + ID number",
        },
        "colour": {"type": "string", "enum": ["green", "yellow", "red"]},
        "reasons": {
            "type": "array",
            "maxItems": 10,
            "items": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,47}$"},
            "description": "reason codes, never free text",
        },
        "valid_until": TIME_TEXT,
    },
}

PARTNER_STATUS_BATCH: Schema = {
    "type": "object",
    "required": ["payload", "signature"],
    "additionalProperties": False,
    "properties": {
        "payload": {
            "type": "object",
            "required": ["type", "region", "batch_id", "issued_at", "attestations"],
            "additionalProperties": False,
            "properties": {
                "type": {"type": "string", "const": "yima.partner-status.v1"},
                "region": REGION_CODE,
                "batch_id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 128,
                    "pattern": "^[A-Za-z0-9_.:-]+$",
                    "description": "letters, digits and _ . : -; idempotent per region",
                },
                "issued_at": TIME_TEXT,
                "attestations": {"type": "array", "maxItems": 500, "items": ATTESTATION},
            },
        },
        "signature": SIGNATURE,
    },
}

PARTNER_STATUS_RESULT: Schema = {
    "type": "object",
    "required": ["batch_id", "region", "accepted", "stored", "matched", "duplicate"],
    "properties": {
        "batch_id": {"type": "string"},
        "region": {"type": "string"},
        "accepted": {"type": "integer", "description": "attestations still in force"},
        "stored": {"type": "integer"},
        "superseded": {
            "type": "integer",
            "description": "older than what the same region attested before: ignored",
        },
        "expired": {"type": "integer", "description": "valid_until already passed: ignored"},
        "matched": {"type": "integer", "description": "local people found and recoloured"},
        "people_recoloured": {"type": "integer"},
        "people_queued": {"type": "integer"},
        "duplicate": {"type": "boolean"},
    },
}


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
