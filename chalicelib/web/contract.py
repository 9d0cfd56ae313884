"""The JSON Schemas of the v1 API: request bodies (also used to validate) and responses.

Each schema is published in ``/v1/openapi.json``; request schemas are the
first gate on input (``chalicelib.web.schema.validate``).
"""

from __future__ import annotations

from chalicelib.domain.roles import Role
from chalicelib.web.schema import Schema

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

TIMESTAMP: Schema = {"type": "string", "format": "date-time"}

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
