"""Request and response schemas of mutual recognition: the trust list, conversions and
partner statuses, with their views. No storage record passes through a view."""

from __future__ import annotations

from typing import Any

from chalicelib.colours.schemas import COLOUR
from chalicelib.federation.service import ConvertedCode
from chalicelib.kernel.contract import REGION_CODE, TIME_TEXT, TIMESTAMP, iso
from chalicelib.kernel.schema import Schema

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


# --- mutual recognition ----------------------------------------------------------------


def trust_list_loaded(report: dict[str, Any]) -> dict[str, Any]:
    return {**report, "issued_at": iso(report["issued_at"])}


def converted(result: ConvertedCode) -> dict[str, Any]:
    conversion = result.conversion
    return {
        "conversion_id": conversion.holder_id,
        "colour": result.claims.colour.value,
        "token": result.token,
        "issued_at": iso(result.claims.issued_at),
        "expires_at": iso(result.claims.expires_at),
        "region": result.claims.region,
        "source": {
            "region": conversion.source_region,
            "issuer": result.source_issuer,
            "colour": conversion.colour.value,
            "expires_at": iso(conversion.source_expires_at),
        },
    }
