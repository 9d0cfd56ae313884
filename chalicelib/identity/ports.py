"""The identity capability's ports: its store, and the WeChat and Alipay gateways."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.identity.rules import AlipayUser, Identity, User, WeChatSession


class IdentityStore(Protocol):
    def get_identity(self, subject: str) -> Identity | None: ...

    def put_identity(self, identity: Identity, *, now: datetime) -> Identity:
        """Create the identity, or return the one that won a concurrent race."""
        ...

    def relink_identity(self, subject: str, user_id: str, *, now: datetime) -> None: ...

    def touch_identity(
        self, subject: str, *, now: datetime, session_key_enc: str | None = None
    ) -> None:
        """Record a login, and the channel's new session key if it sent one."""
        ...

    def get_session_key(self, subject: str) -> str | None:
        """The encrypted WeChat session key of the identity's latest login."""
        ...

    def get_user(self, user_id: str) -> User | None: ...

    def create_user(self, user: User, *, now: datetime) -> None: ...

    def add_channel(self, user_id: str, channel: str) -> None: ...

    def find_user_by_phone(self, phone_hash: str) -> User | None: ...

    def phone_hash_of(self, user_id: str) -> str | None:
        """The keyed hash of the account's verified phone (what a colour reads)."""
        ...

    def users_with_phone(self, phone_hash: str) -> list[str]:
        """Every account holding the phone (the risk refresh's fan-out)."""
        ...

    def bind_phone(
        self, user_id: str, *, phone_hash: str, phone_enc: str, phone_masked: str
    ) -> User: ...

    def claim_phone(self, phone_hash: str, user_id: str) -> str:
        """Claim the phone for the user unless held (a conditional write): the holder."""
        ...

    def move_phone(self, phone_hash: str, *, from_user: str, to_user: str) -> bool:
        """Move the phone's claim from its holder to another account (a conditional
        write on the holder read): False when someone else moved it first."""
        ...

    def phone_holder(self, phone_hash: str) -> str | None:
        """The account the phone's claim names now (a consistent read)."""
        ...

    def mark_phone_stale(self, user_id: str, phone_hash: str, *, now: datetime) -> bool:
        """The account's binding of this phone goes stale (its phone hash is dropped, so
        neither ``phone_hash_of`` nor ``users_with_phone`` answers with it); False when
        the account no longer binds that phone."""
        ...

    def set_vouched(self, user_id: str, id_hash: str) -> None: ...

    def open_session(self, session_id: str, identity: str, *, expires: datetime) -> None:
        """Keep which login identity a session's opaque id stands for, until ``expires``."""
        ...

    def session_identity(self, session_id: str, *, now: datetime) -> str | None:
        """The login identity of an unexpired session, or None."""
        ...

    def use_once(self, key: str, owner: str, *, expires: datetime) -> str:
        """Record the first user of a one-time proof: that first user."""
        ...


class WeChat(Protocol):
    """The WeChat mini-program server APIs we use."""

    appid: str

    def code_to_session(self, code: str) -> WeChatSession:
        """Raises Unauthenticated (bad code) or UpstreamUnavailable."""
        ...

    def phone_from_code(self, code: str) -> tuple[str, str]:
        """(country code, number) from a getPhoneNumber code."""
        ...

    def check_real_name(self, *, openid: str, name: str, id_number: str, code: str) -> str:
        """``match``, ``mismatch`` or ``not_real_named`` (WeChat's real-name check)."""
        ...

    def phone_from_encrypted(
        self, session_key: str, encrypted_data: str, iv: str
    ) -> tuple[str, str]:
        """(country code, number) from legacy encryptedData + iv."""
        ...


class Alipay(Protocol):
    """The Alipay mini-program server APIs we use."""

    appid: str

    def oauth_token(self, auth_code: str) -> AlipayUser: ...

    def certified_id_number(self, access_token: str) -> str | None:
        """The ID-card number Alipay certified for this user (alipay.user.info.share), or
        None when Alipay does not vouch for one: never raises."""
        ...

    def phone_from_response(self, response: str, sign: str, sign_type: str) -> str:
        """Verify Alipay's signature, then decrypt the phone number."""
        ...
