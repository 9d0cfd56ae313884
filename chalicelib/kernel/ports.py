"""The ports of the kernel's own adapters that capabilities take (field encryption)."""

from __future__ import annotations

from typing import Protocol


class FieldCipher(Protocol):
    """Encrypts personal fields at rest."""

    def encrypt(self, plaintext: str, *, context: str) -> str: ...

    def decrypt(self, token: str, *, context: str) -> str: ...
