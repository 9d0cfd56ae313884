"""Personal data at rest: keyed hashes for lookups, masks for display.

A keyed hash (HMAC-SHA256 under a secret key, with a purpose prefix) lets us
find a person by ID number or phone without storing either in the clear and
without the hash being reversible by enumeration, as a plain hash of an
11-digit phone number would be.
"""

from __future__ import annotations

import hashlib
import hmac


def keyed_hash(key: bytes, purpose: str, value: str) -> str:
    """Stable lookup key for ``value``; ``purpose`` separates phones from ID numbers."""
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def mask_name(name: str) -> str:
    """``张三`` → ``张*``, ``张小三`` → ``张*三``, ``欧阳小明`` → ``欧**明``."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(id_number: str) -> str:
    """``330106199001011234`` → ``3301**********1234``."""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]
