"""Field encryption at rest: AES-256-GCM with the key id in front.

A ciphertext reads ``<kid>:<base64(nonce || ciphertext+tag)>``; the context
(e.g. ``phone``) is bound as associated data, so a phone ciphertext cannot
be swapped into an ID-number field.
"""

from __future__ import annotations

import base64
import binascii
import os

from chalicelib.domain.session import KeyRing


class AesGcmCipher:
    def __init__(self, ring: KeyRing) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._ring = ring
        self._aead = {kid: AESGCM(key) for kid, key in ring.keys.items()}

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead[self._ring.active].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self._ring.active}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, context: str) -> str:
        from cryptography.exceptions import InvalidTag

        kid, _, body = token.partition(":")
        aead = self._aead.get(kid)
        if aead is None:
            raise ValueError(f"unknown data key id {kid!r}")
        try:
            raw = base64.b64decode(body, validate=True)
            return aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except (binascii.Error, InvalidTag) as exc:
            raise ValueError("ciphertext does not decrypt under its key") from exc
