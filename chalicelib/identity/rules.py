"""Accounts and login identities, as the services see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.kernel.roles import Role

CHANNELS = ("wechat", "alipay", "dev")


@dataclass(frozen=True)
class User:
    """One account per person, whatever channels they log in from."""

    user_id: str
    phone_hash: str | None = None
    phone_masked: str | None = None
    channels: tuple[str, ...] = field(default_factory=tuple)
    # The keyed hash of the ID number the login channel vouches for (its real-name check).
    vouched_id_hash: str | None = None
    # The phone this account bound was proven since by another person's account (a
    # reissued number): it no longer feeds this account's itinerary or colours.
    phone_stale: bool = False

    @property
    def phone_bound(self) -> bool:
        return self.phone_hash is not None


def same_person(holder: User, prover: User) -> bool:
    """Whether a phone's holder and the account proving it now are one person: both carry
    an ID number a channel vouched for, and it is the same one. Holding the same number
    proves nothing (carriers reissue numbers)."""
    return holder.vouched_id_hash is not None and holder.vouched_id_hash == prover.vouched_id_hash


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


@dataclass(frozen=True)
class WeChatSession:
    """What code2session answers: the openid, maybe a unionid, and the session key."""

    openid: str
    session_key: str
    unionid: str | None = None


@dataclass(frozen=True)
class AlipayUser:
    """What alipay.system.oauth.token answers: ``user_id`` (2088…) or the newer ``open_id``."""

    user_id: str | None
    open_id: str | None
    # The user's access token (``auth_token`` for alipay.user.info.share); never stored.
    access_token: str | None = field(default=None, repr=False, compare=False)

    @property
    def stable_id(self) -> str:
        """``uid:<user_id>`` when Alipay still sends it, else ``oid:<open_id>``."""
        if self.user_id:
            return f"uid:{self.user_id}"
        if self.open_id:
            return f"oid:{self.open_id}"
        raise ValueError("Alipay sent neither user_id nor open_id")
