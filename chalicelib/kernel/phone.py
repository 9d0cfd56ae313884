"""Mainland mobile phone numbers: validation and masking."""

from __future__ import annotations

import re

from chalicelib.kernel.errors import InvalidInput

# 11 digits, starting 1, second digit 3-9 (MIIT numbering plan for mobile).
_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")  # ASCII digits only: \d matches any script


def parse_mobile(raw: object, *, field: str = "phone") -> str:
    """Return the normalised number, or raise InvalidInput naming ``field``."""
    if not isinstance(raw, str):
        raise InvalidInput("a phone number must be a string", field=field)
    text = raw.strip()
    if text.startswith("+86"):
        text = text[3:].lstrip(" -")
    if not _MOBILE_RE.match(text):
        raise InvalidInput("not an 11-digit mainland mobile number", field=field)
    return text


def mask_mobile(phone: str) -> str:
    """``13812345678`` → ``138****5678``."""
    return f"{phone[:3]}****{phone[-4:]}"
