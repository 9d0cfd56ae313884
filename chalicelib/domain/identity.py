"""Accounts and login identities, as the services see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain.roles import Role

CHANNELS = ("wechat", "alipay", "dev")


@dataclass(frozen=True)
class User:
    """One account per person, whatever channels they log in from."""

    user_id: str
    phone_hash: str | None = None
    phone_masked: str | None = None
    channels: tuple[str, ...] = field(default_factory=tuple)

    @property
    def phone_bound(self) -> bool:
        return self.phone_hash is not None


@dataclass(frozen=True)
class Identity:
    """A login identity such as ``wechat:<appid>:<openid>`` pointing at a user."""

    subject: str
    user_id: str
    channel: str
    role: Role


@dataclass(frozen=True)
class Session:
    token: str
    expires_at: datetime
    user: User
    role: Role
