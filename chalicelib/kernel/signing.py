"""Ed25519 signing keys for health codes, from the stage's Secrets Manager secret.

The secret holds ``code_keys``: a list of ``{kid, private_key, created_at,
not_after}`` (kid: 4 hex characters, private key: base64 of the raw 32
bytes). The key named by ``code_active`` signs; every key whose
``not_after`` has not passed is published at ``GET /v1/keys``, so a token
signed just before a rotation keeps verifying until it expires. Keys are
loaded once per container with the rest of the secret.

Signing and verifying both go through libsodium (PyNaCl): a private key is
its 32-byte RFC 8032 seed, the same bytes any Ed25519 library reads.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from nacl.bindings import crypto_sign_open
from nacl.exceptions import CryptoError
from nacl.signing import SigningKey

from chalicelib.kernel.errors import ConfigError
from chalicelib.kernel.keys import PublicKey

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


def kid_for(public_key: bytes) -> bytes:
    """A 2-byte key id derived from the public key (collisions are tolerated: the
    verifier tries every key with the id)."""
    return hashlib.sha256(public_key).digest()[:2]


def raw_public(private: SigningKey) -> bytes:
    return bytes(private.verify_key)


def private_key(seed: bytes) -> SigningKey:
    """The key of a 32-byte seed (what the secret and the local root files hold);
    ``ValueError`` for any other length."""
    if not isinstance(seed, bytes) or len(seed) != 32:
        raise ValueError("an Ed25519 private key is a 32-byte seed")
    return SigningKey(seed)


def sign(private: SigningKey, message: bytes) -> bytes:
    """The 64-byte detached signature (libsodium returns it glued to the message)."""
    return bytes(private.sign(message).signature)


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 8032 Ed25519 verify through libsodium (PyNaCl), about half the time of
    OpenSSL's through ``cryptography`` on the same machine (``bench/codes.py``,
    docs/codecs.md); libsodium also refuses small-order keys."""
    if len(public_key) != PUBLIC_KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        crypto_sign_open(signature + message, public_key)
        return True
    except CryptoError:  # BadSignatureError, and nacl's ValueError for a bad key
        return False


@dataclass(frozen=True)
class CodeSigner:
    kid: bytes
    private: SigningKey
    keys: tuple[PublicKey, ...]  # every key still published, the active one included

    def sign(self, message: bytes) -> bytes:
        return sign(self.private, message)

    def published(self, now: datetime) -> tuple[PublicKey, ...]:
        return tuple(k for k in self.keys if k.not_after is None or k.not_after > now)


def new_code_key(now: datetime, *, avoid: Collection[str] = ()) -> dict[str, Any]:
    """A fresh random code key whose kid (hex) is none of ``avoid``, the kids in use:
    ``code_active`` names a key by its kid, and two keys sharing one 2-byte kid (1 time
    in 65,536) would leave it naming both."""
    private = SigningKey.generate()
    while kid_for(raw_public(private)).hex() in avoid:
        private = SigningKey.generate()
    raw = bytes(private)
    return {
        "kid": kid_for(raw_public(private)).hex(),
        "private_key": base64.b64encode(raw).decode(),
        "created_at": now.isoformat(),
        "not_after": None,
    }


def load_signer(doc: dict[str, Any], *, region: str) -> CodeSigner:
    entries = doc.get("code_keys")
    active = doc.get("code_active")
    if not isinstance(entries, list) or not entries:
        raise ConfigError("secret field code_keys is missing: run `cli init-secrets`")
    signer_key: SigningKey | None = None
    keys = []
    for entry in entries:
        try:
            private = private_key(base64.b64decode(entry["private_key"], validate=True))
            not_after = (
                datetime.fromisoformat(entry["not_after"]) if entry.get("not_after") else None
            )
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise ConfigError("secret field code_keys holds a malformed key") from None
        public = raw_public(private)
        keys.append(PublicKey(kid=kid_for(public), key=public, region=region, not_after=not_after))
        if entry.get("kid") == active:
            signer_key = private
    if signer_key is None:
        raise ConfigError("secret field code_active names no key in code_keys")
    return CodeSigner(kid=kid_for(raw_public(signer_key)), private=signer_key, keys=tuple(keys))


def rotate_code_key(doc: dict[str, Any], *, now: datetime, grace: timedelta) -> dict[str, Any]:
    """Sign with a new key from now on; the old one stays published for ``grace`` (longer
    than any token lives) and is dropped from the secret a day after that."""
    fresh = new_code_key(now, avoid={str(e.get("kid")) for e in doc.get("code_keys") or []})
    kept = []
    for entry in doc.get("code_keys") or []:
        entry = dict(entry)
        if entry.get("kid") == doc.get("code_active"):
            entry["not_after"] = (now + grace).isoformat()
        not_after = entry.get("not_after")
        if not_after and datetime.fromisoformat(not_after) < now - timedelta(days=1):
            continue
        kept.append(entry)
    return {**doc, "code_keys": [*kept, fresh], "code_active": fresh["kid"]}
