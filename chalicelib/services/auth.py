"""Logins and sessions: who is calling, and with which role.

Every channel (WeChat, Alipay, the local dev login) ends in the same place:
an identity that points at one user, and a session token we sign ourselves.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain import session as tokens
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.identity import Identity, Session, User
from chalicelib.domain.phone import mask_mobile, parse_mobile
from chalicelib.domain.pii import keyed_hash
from chalicelib.domain.roles import Role
from chalicelib.domain.session import KeyRing, SessionClaims
from chalicelib.services.ports import FieldCipher, IdentityStore

_SUBJECT_MAX = 64


def new_user_id() -> str:
    return "u_" + secrets.token_hex(10)


@dataclass
class AuthService:
    store: IdentityStore
    cipher: FieldCipher
    ring: KeyRing
    hash_key: bytes
    audience: str
    session_ttl: timedelta
    dev_login_enabled: bool
    clock: Callable[[], datetime]

    def authenticate(self, token: str) -> SessionClaims:
        """Verify a bearer token; raises Unauthenticated."""
        return tokens.verify(self.ring, token, audience=self.audience, now=self.clock())

    def profile(self, user_id: str) -> User:
        """The caller's own account."""
        user = self.store.get_user(user_id)
        if user is None:
            raise NotFound("this account does not exist", code="account_missing")
        return user

    def dev_login(self, *, subject: str, role: Role, phone: str | None) -> Session:
        """The local stage's login: any role, and an optional phone bound as verified."""
        if not self.dev_login_enabled:
            raise NotFound("no such route", code="not_found")
        subject = subject.strip()
        if not subject or len(subject) > _SUBJECT_MAX:
            raise InvalidInput(f"subject must be 1 to {_SUBJECT_MAX} characters", field="subject")
        number = parse_mobile(phone, field="phone") if phone is not None else None
        now = self.clock()
        user = self._login(f"dev:{subject}", channel="dev", role=role, now=now)
        if number is not None:
            user = self.bind_verified_phone(f"dev:{subject}", user, number, now=now)
        return self._session(user, role, now)

    def bind_verified_phone(self, subject: str, user: User, phone: str, *, now: datetime) -> User:
        """Bind a phone the channel has verified; join the account that already has it."""
        phone_hash = keyed_hash(self.hash_key, "phone", phone)
        if user.phone_hash == phone_hash:
            return user
        holder = self.store.find_user_by_phone(phone_hash)
        if holder is not None and holder.user_id != user.user_id:
            # One account per person: this login now leads to the account that
            # verified the phone first, with its declarations and code.
            self.store.relink_identity(subject, holder.user_id, now=now)
            return holder
        return self.store.bind_phone(
            user.user_id,
            phone_hash=phone_hash,
            phone_enc=self.cipher.encrypt(phone, context="phone"),
            phone_masked=mask_mobile(phone),
        )

    def _login(self, subject: str, *, channel: str, role: Role, now: datetime) -> User:
        identity = self.store.get_identity(subject)
        if identity is None:
            user = User(user_id=new_user_id(), channels=(channel,))
            self.store.create_user(user, now=now)
            identity = self.store.put_identity(
                Identity(subject=subject, user_id=user.user_id, channel=channel, role=role), now=now
            )
        found = self.store.get_user(identity.user_id)
        if found is None:
            raise NotFound("the account for this login is missing", code="account_missing")
        return found

    def _session(self, user: User, role: Role, now: datetime) -> Session:
        token, claims = tokens.mint(
            self.ring,
            subject=user.user_id,
            role=role,
            audience=self.audience,
            now=now,
            ttl=self.session_ttl,
        )
        return Session(token=token, expires_at=claims.expires_at, user=user, role=role)
