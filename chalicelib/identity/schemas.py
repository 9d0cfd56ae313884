"""Request and response schemas of logins, the caller's profile, real-name checks and
identity disputes, with their views. No storage record passes through a view."""

from __future__ import annotations

from typing import Any

from chalicelib.codes.schemas import HOLDER
from chalicelib.identity.disputes import DisputeItem
from chalicelib.identity.rules import Session, User
from chalicelib.kernel.contract import PHONE, TIMESTAMP, iso, page_of
from chalicelib.kernel.roles import Role
from chalicelib.kernel.schema import Schema

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
    "required": ["id", "role", "phone_bound", "phone_masked", "phone_stale", "channels"],
    "properties": {
        "id": {"type": "string"},
        "role": {"type": "string"},
        "phone_bound": {"type": "boolean"},
        "phone_masked": {
            "type": ["string", "null"],
            "description": "the bound phone, masked; when phone_stale, the number that went stale",
        },
        "phone_stale": {
            "type": "boolean",
            "description": "the phone this account bound was proven since by another "
            "person's account (a reissued number): it no longer feeds this account's "
            "itinerary or colours; bind the current phone again",
        },
        "channels": {"type": "array", "items": {"type": "string"}},
        "session": {
            **SESSION,
            "description": "present when binding joined the account that already had this "
            "phone: the old token names the account left behind, use this one",
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


def session(result: Session) -> dict[str, Any]:
    return {
        "token": result.token,
        "expires_at": iso(result.expires_at),
        "role": result.role.value,
        "user": {"id": result.user.user_id, "phone_bound": result.user.phone_bound},
    }


def me(user: User, role: Role, new_session: Session | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": user.user_id,
        "role": role.value,
        "phone_bound": user.phone_bound,
        "phone_masked": user.phone_masked,
        "phone_stale": user.phone_stale,
        "channels": list(user.channels),
    }
    if new_session is not None:  # the login joined another account: use this token from now
        view["session"] = session(new_session)
    return view


def dispute(item: DisputeItem) -> dict[str, Any]:
    d, person = item.dispute, item.person
    return {
        "id": d.dispute_id,
        "state": d.state,
        "created_at": iso(d.created_at),
        "person": {
            "name_masked": person.name_masked if person else None,
            "id_masked": person.id_masked if person else None,
        },
        "claimant": {
            "vouched": d.claimant_vouched,
            "channels": list(item.claimant_channels),
            "evidence": d.evidence,
        },
        "holder": {"vouched": d.holder_vouched, "channels": list(item.holder_channels)},
        "decided_at": iso(d.decided_at) if d.decided_at else None,
        "note": d.note,
    }
