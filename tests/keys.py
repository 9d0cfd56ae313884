"""The tests' Ed25519 keys: libsodium's, as the app's (``chalicelib.kernel.signing``),
with ``sign`` answering the 64-byte detached signature that ``healthcode.build`` and the
federation documents take (PyNaCl's own ``sign`` glues the message to it).

A key id is 2 bytes of the public key's hash, so two random keys share one 1 time in
65,536. A test whose stranger's key is meant to be unknown (``unknown_key``) would then
see ``bad_signature`` by chance. So every test key of a process has its own kid:
``Ed25519Key.generate`` draws again until the kid is one no other test key (seeded or
drawn, the app's test signing key included, ``tests/conftest.py``) has.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from nacl.bindings import crypto_sign_seed_keypair
from nacl.encoding import RawEncoder
from nacl.signing import SigningKey
from nacl.utils import random

from chalicelib.kernel.signing import kid_for, new_code_key

_KIDS_IN_USE: set[bytes] = set()


def kids_in_use() -> frozenset[bytes]:
    """The kids of every test key made so far in this process."""
    return frozenset(_KIDS_IN_USE)


class Ed25519Key(SigningKey):
    def __init__(self, seed: bytes, encoder: type[RawEncoder] = RawEncoder) -> None:
        super().__init__(seed, encoder)
        _KIDS_IN_USE.add(kid_for(bytes(self.verify_key)))

    @classmethod
    def generate(cls) -> Ed25519Key:
        """A random key whose kid no other test key of this process has."""
        while True:
            seed = random(32)
            public, _ = crypto_sign_seed_keypair(seed)
            if kid_for(public) not in _KIDS_IN_USE:
                return cls(seed)

    def sign(self, message: bytes, encoder: object = None) -> bytes:  # type: ignore[override]
        return bytes(super().sign(message).signature)


def code_key(now: datetime) -> dict[str, Any]:
    """An entry of the secret's ``code_keys`` (``signing.new_code_key``) whose kid no test
    key has; from now on no test key will have it either."""
    entry = new_code_key(now, avoid={kid.hex() for kid in _KIDS_IN_USE})
    Ed25519Key(base64.b64decode(entry["private_key"]))  # its kid is now in use
    return entry
