"""The tests' Ed25519 keys: libsodium's, as the app's (``chalicelib.kernel.signing``),
with ``sign`` answering the 64-byte detached signature that ``healthcode.build`` and the
federation documents take (PyNaCl's own ``sign`` glues the message to it)."""

from __future__ import annotations

from nacl.signing import SigningKey


class Ed25519Key(SigningKey):
    def sign(self, message: bytes, encoder: object = None) -> bytes:  # type: ignore[override]
        return bytes(super().sign(message).signature)
