"""A public key that verifies signed codes (health codes, venue codes, partners' codes):
the value type every verifier and the key ring share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PublicKey:
    """A key that verifies codes: one of ours, or a partner's from the trust list.

    A token is accepted only if it was issued while its key was valid
    (``not_before`` <= issued at <= ``not_after``) and the key is not revoked.
    """

    kid: bytes
    key: bytes  # raw 32-byte Ed25519 public key
    region: str
    not_after: datetime | None = None
    not_before: datetime | None = None
    status: str = "active"  # active | revoked
