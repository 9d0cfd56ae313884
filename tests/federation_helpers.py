"""Test keys and documents for mutual recognition: a national root, partner regions' keys,
their codes, trust lists and attestation batches, all signed as the real ones are."""

from __future__ import annotations

import hashlib
import itertools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.codes import token as healthcode
from chalicelib.colours.model import Colour
from chalicelib.federation import rules as federation
from chalicelib.kernel.signing import raw_public
from tests.keys import Ed25519Key


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class KeyPair:
    private: Ed25519Key

    @classmethod
    def new(cls) -> KeyPair:
        return cls(Ed25519Key.generate())

    @classmethod
    def seeded(cls, label: str, *, b64_first: str | None = None) -> KeyPair:
        """The same key in every run, derived from ``label``; with ``b64_first``, the first
        of ``label #0``, ``#1``, ... whose base64url starts with that character (``-``: a
        key that a command line must not take for an option)."""
        for n in itertools.count():
            pair = cls(Ed25519Key(hashlib.sha256(f"{label} #{n}".encode()).digest()))
            if b64_first is None or pair.public_b64.startswith(b64_first):
                return pair
        raise AssertionError("unreachable")

    @property
    def public(self) -> bytes:
        return raw_public(self.private)

    @property
    def public_b64(self) -> str:
        return federation.b64url(self.public)

    @property
    def kid(self) -> bytes:
        return federation.kid_of(self.public)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)

    def entry(
        self,
        region: str,
        *,
        not_before: datetime,
        not_after: datetime,
        status: str = "active",
    ) -> dict[str, Any]:
        """This key as a trust-list entry."""
        return {
            "region": region,
            "kid": self.kid.hex(),
            "alg": "EdDSA",
            "public_key": self.public_b64,
            "not_before": iso(not_before),
            "not_after": iso(not_after),
            "status": status,
        }

    def code(
        self,
        region: str,
        *,
        issued_at: datetime,
        colour: Colour = Colour.GREEN,
        lifetime: int = 5,
        holder: str | None = None,
    ) -> str:
        """A YM1 code of ``region`` signed with this key."""
        claims = healthcode.CodeClaims(
            holder=holder or secrets.token_hex(8),
            colour=colour,
            issued_at=issued_at.replace(microsecond=0),
            lifetime_minutes=lifetime,
            region=region,
        )
        return healthcode.build(claims, kid=self.kid, sign=self.sign)


def trust_list(
    root: KeyPair, entries: list[dict[str, Any]], *, version: int, issued_at: datetime
) -> dict[str, Any]:
    payload = {
        "type": federation.TRUST_LIST_TYPE,
        "version": version,
        "issued_at": iso(issued_at),
        "keys": entries,
    }
    return federation.sign_document(payload, kid=root.kid, sign=root.sign)


def attestation_batch(
    key: KeyPair,
    region: str,
    attestations: list[dict[str, Any]],
    *,
    issued_at: datetime,
    batch_id: str = "b-1",
) -> dict[str, Any]:
    payload = {
        "type": federation.PARTNER_STATUS_TYPE,
        "region": region,
        "batch_id": batch_id,
        "issued_at": iso(issued_at),
        "attestations": attestations,
    }
    return federation.sign_document(payload, kid=key.kid, sign=key.sign)


def attestation(
    fed_hash: str,
    colour: str,
    valid_until: datetime,
    reasons: tuple[str, ...] = ("status_close_contact",),
) -> dict[str, Any]:
    return {
        "subject": fed_hash,
        "colour": colour,
        "reasons": list(reasons),
        "valid_until": iso(valid_until),
    }


def window(now: datetime, *, before: int = 30, after: int = 335) -> dict[str, datetime]:
    return {"not_before": now - timedelta(days=before), "not_after": now + timedelta(days=after)}
