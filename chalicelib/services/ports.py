"""The small interfaces services depend on; adapters and test fakes implement them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.domain.identity import Identity, User
from chalicelib.domain.roles import Role


class IdentityStore(Protocol):
    def get_identity(self, subject: str) -> Identity | None: ...

    def put_identity(self, identity: Identity, *, now: datetime) -> Identity:
        """Create the identity, or return the one that won a concurrent race."""
        ...

    def relink_identity(self, subject: str, user_id: str, *, now: datetime) -> None: ...

    def get_user(self, user_id: str) -> User | None: ...

    def create_user(self, user: User, *, now: datetime) -> None: ...

    def find_user_by_phone(self, phone_hash: str) -> User | None: ...

    def bind_phone(
        self, user_id: str, *, phone_hash: str, phone_enc: str, phone_masked: str
    ) -> User: ...


class FieldCipher(Protocol):
    """Encrypts personal fields at rest."""

    def encrypt(self, plaintext: str, *, context: str) -> str: ...

    def decrypt(self, token: str, *, context: str) -> str: ...


__all__ = ["FieldCipher", "IdentityStore", "Role"]
