"""Identities and users in DynamoDB: GetItem on keys, Query on the phone index."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import ListAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.identity.rules import Identity, User
from chalicelib.kernel.dynamo.errors import conditional_failed, translate
from chalicelib.kernel.dynamo.runtime import RuntimeRecord
from chalicelib.kernel.dynamo.tables import TableMeta, index_meta, table
from chalicelib.kernel.dynamo.ttl import expired
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.roles import Role


class IdentityByUserIndex(GlobalSecondaryIndex["IdentityRecord"]):
    """The logins of an account and their roles: posting a checkpoint account at a venue
    asks whether the account is one (``roles_of_user``)."""

    Meta = index_meta("by_user", IncludeProjection(["role"]))
    user_id = UnicodeAttribute(hash_key=True)


@table
class IdentityRecord(Model):
    """A login identity (``wechat:<appid>:<openid>``, ``alipay:<uid>``, ``dev:<subject>``)."""

    class Meta(TableMeta):
        table_name = "identities"

    subject = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    role = UnicodeAttribute(default="citizen")
    session_key_enc = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    last_login_at = UTCDateTimeAttribute()
    by_user = IdentityByUserIndex()


class UserByPhoneIndex(GlobalSecondaryIndex["UserRecord"]):
    Meta = index_meta("by_phone", KeysOnlyProjection())
    phone_hash = UnicodeAttribute(hash_key=True)


@table
class UserRecord(Model):
    """An account holder: one per person across channels, joined by verified phone."""

    class Meta(TableMeta):
        table_name = "users"

    user_id = UnicodeAttribute(hash_key=True)
    phone_hash = UnicodeAttribute(null=True)
    phone_enc = UnicodeAttribute(null=True)
    phone_masked = UnicodeAttribute(null=True)
    channels = ListAttribute(of=UnicodeAttribute, default=list)
    created_at = UTCDateTimeAttribute()
    # The keyed hash of the ID number the login channel vouches for (Alipay's certified
    # user info, WeChat's real-name check; the dev login's vouched_id_number): an
    # identity dispute about that number is decided for this account automatically.
    vouched_id_hash = UnicodeAttribute(null=True)
    # When another person's account proved this account's phone (a reissued number):
    # the phone hash is dropped then, the masked number kept to tell the owner which.
    phone_stale_at = UTCDateTimeAttribute(null=True)
    by_phone = UserByPhoneIndex()


def _user(record: UserRecord) -> User:
    return User(
        user_id=record.user_id,
        phone_hash=record.phone_hash,
        phone_masked=record.phone_masked,
        channels=tuple(str(c) for c in record.channels or ()),
        vouched_id_hash=record.vouched_id_hash,
        phone_stale=record.phone_stale_at is not None and record.phone_hash is None,
    )


def _identity(record: IdentityRecord) -> Identity:
    return Identity(
        subject=record.subject,
        user_id=record.user_id,
        channel=record.channel,
        role=Role(record.role),
    )


class DynamoIdentityStore:
    def roles_of_user(self, user_id: str) -> frozenset[Role] | None:
        """The roles the account's logins carry; None when the account does not exist
        (one Query on ``by_user``, a GetItem when it finds nothing)."""
        with translate():
            roles = frozenset(Role(r.role) for r in IdentityRecord.by_user.query(user_id))
        if roles:
            return roles
        return frozenset() if self.get_user(user_id) is not None else None

    def get_identity(self, subject: str) -> Identity | None:
        with translate():
            try:
                return _identity(IdentityRecord.get(subject))
            except DoesNotExist:
                return None

    def put_identity(self, identity: Identity, *, now: datetime) -> Identity:
        record = IdentityRecord(
            identity.subject,
            user_id=identity.user_id,
            channel=identity.channel,
            role=identity.role.value,
            created_at=now,
            last_login_at=now,
        )
        with translate():
            try:
                record.save(condition=IdentityRecord.subject.does_not_exist())
                return identity
            except PutError as exc:
                if not conditional_failed(exc):
                    raise
        existing = self.get_identity(identity.subject)
        if existing is None:  # deleted between the two calls: a genuine conflict
            raise Conflict("the identity changed while logging in; try again")
        return existing

    def relink_identity(self, subject: str, user_id: str, *, now: datetime) -> None:
        with translate():
            IdentityRecord(subject).update(
                actions=[
                    IdentityRecord.user_id.set(user_id),
                    IdentityRecord.last_login_at.set(now),
                ],
                condition=IdentityRecord.subject.exists(),
            )

    def touch_identity(
        self, subject: str, *, now: datetime, session_key_enc: str | None = None
    ) -> None:
        actions: list[Action] = [IdentityRecord.last_login_at.set(now)]
        if session_key_enc is not None:
            actions.append(IdentityRecord.session_key_enc.set(session_key_enc))
        with translate():
            IdentityRecord(subject).update(actions=actions)

    def get_session_key(self, subject: str) -> str | None:
        with translate():
            try:
                record = IdentityRecord.get(subject, attributes_to_get=["session_key_enc"])
            except DoesNotExist:
                return None
        return record.session_key_enc

    def add_channel(self, user_id: str, channel: str) -> None:
        with translate():
            try:
                UserRecord(user_id).update(
                    actions=[UserRecord.channels.set(UserRecord.channels.append([channel]))],
                    condition=UserRecord.user_id.exists() & ~UserRecord.channels.contains(channel),
                )
            except UpdateError as exc:
                if not conditional_failed(exc):  # already listed, or gone: nothing to add
                    raise

    def get_user(self, user_id: str) -> User | None:
        with translate():
            try:
                return _user(UserRecord.get(user_id))
            except DoesNotExist:
                return None

    def create_user(self, user: User, *, now: datetime) -> None:
        with translate():
            UserRecord(user.user_id, channels=list(user.channels), created_at=now).save(
                condition=UserRecord.user_id.does_not_exist()
            )

    def find_user_by_phone(self, phone_hash: str) -> User | None:
        with translate():
            for key_only in UserRecord.by_phone.query(phone_hash, limit=1):
                return self.get_user(key_only.user_id)
        return None

    def bind_phone(
        self, user_id: str, *, phone_hash: str, phone_enc: str, phone_masked: str
    ) -> User:
        record = UserRecord(user_id)
        with translate():
            try:
                record.update(
                    actions=[
                        UserRecord.phone_hash.set(phone_hash),
                        UserRecord.phone_enc.set(phone_enc),
                        UserRecord.phone_masked.set(phone_masked),
                        UserRecord.phone_stale_at.remove(),
                    ],
                    condition=UserRecord.user_id.exists(),
                )
            except UpdateError as exc:
                if conditional_failed(exc):
                    raise Conflict("the account no longer exists", code="account_missing") from None
                raise
        return _user(record)

    def mark_phone_stale(self, user_id: str, phone_hash: str, *, now: datetime) -> bool:
        """Drop the account's phone hash and encrypted number (so the phone index and
        every read of its phone stop answering with it), keep the mask, stamp it stale;
        only while the account still binds ``phone_hash``."""
        with translate():
            try:
                UserRecord(user_id).update(
                    actions=[
                        UserRecord.phone_hash.remove(),
                        UserRecord.phone_enc.remove(),
                        UserRecord.phone_stale_at.set(now),
                    ],
                    condition=UserRecord.phone_hash == phone_hash,
                )
            except UpdateError as exc:
                if not conditional_failed(exc):
                    raise
                return False
        return True

    def set_vouched(self, user_id: str, id_hash: str) -> None:
        """The channel vouches that this account's real name holds this ID number."""
        with translate():
            UserRecord(user_id).update(
                actions=[UserRecord.vouched_id_hash.set(id_hash)],
                condition=UserRecord.user_id.exists(),
            )

    # -- uniqueness claims (runtime table items, conditional writes) -----------------

    def claim_phone(self, phone_hash: str, user_id: str) -> str:
        """Claim the phone for ``user_id`` unless an account holds it: the account that
        holds it now. One conditional PutItem on the phone's own key, so two accounts
        binding one phone at once cannot both win (the phone GSI is eventually
        consistent: two reads of it can both see "free")."""
        key = f"phone:{phone_hash}"
        with translate():
            try:
                RuntimeRecord(key, owner=user_id).save(condition=RuntimeRecord.key.does_not_exist())
                return user_id
            except PutError as exc:
                if not conditional_failed(exc):
                    raise
            held = RuntimeRecord.get(key, consistent_read=True)
        return str(held.owner)

    def move_phone(self, phone_hash: str, *, from_user: str, to_user: str) -> bool:
        """Hand the phone's claim to ``to_user``, conditional on ``from_user`` holding it
        still: of two moves at once exactly one wins."""
        with translate():
            try:
                RuntimeRecord(f"phone:{phone_hash}").update(
                    actions=[RuntimeRecord.owner.set(to_user)],
                    condition=RuntimeRecord.owner == from_user,
                )
            except UpdateError as exc:
                if not conditional_failed(exc):
                    raise
                return False
        return True

    def phone_holder(self, phone_hash: str) -> str | None:
        with translate():
            try:
                held = RuntimeRecord.get(f"phone:{phone_hash}", consistent_read=True)
            except DoesNotExist:
                return None
        return None if held.owner is None else str(held.owner)

    # -- sessions: the login behind a token's opaque sid --------------------------------

    def open_session(self, session_id: str, identity: str, *, expires: datetime) -> None:
        """``session:<sid>`` → the login identity, TTL the session's expiry: the token
        carries only the random id (no openid, Alipay user id or dev name)."""
        with translate():
            RuntimeRecord(f"session:{session_id}", owner=identity, expires=expires).save(
                condition=RuntimeRecord.key.does_not_exist()
            )

    def session_identity(self, session_id: str, *, now: datetime) -> str | None:
        with translate():
            try:
                record = RuntimeRecord.get(f"session:{session_id}", consistent_read=True)
            except DoesNotExist:
                return None
        if expired(record, now) or record.owner is None:
            return None
        return str(record.owner)

    def use_once(self, key: str, owner: str, *, expires: datetime) -> str:
        """Record the first user of a one-time proof (``key``); the owner of the record,
        which is ``owner`` unless someone used it first. Kept until ``expires``."""
        with translate():
            try:
                RuntimeRecord(key, owner=owner, expires=expires).save(
                    condition=RuntimeRecord.key.does_not_exist()
                )
                return owner
            except PutError as exc:
                if not conditional_failed(exc):
                    raise
            held = RuntimeRecord.get(key, consistent_read=True)
        return str(held.owner)

    def phone_hash_of(self, user_id: str) -> str | None:
        """The keyed hash of the account's verified phone (what a colour reads)."""
        with translate():
            try:
                return UserRecord.get(user_id, attributes_to_get=["phone_hash"]).phone_hash
            except DoesNotExist:
                return None

    def users_with_phone(self, phone_hash: str) -> list[str]:
        """Every account holding the phone (keys only; the risk refresh's fan-out)."""
        with translate():
            return [r.user_id for r in UserRecord.by_phone.query(phone_hash)]
