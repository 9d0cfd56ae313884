"""Logins, sessions and phone binding: who is calling, and with which role.

Every channel (WeChat, Alipay, the local dev login) ends in the same place:
one or more identities that point at one user, and a session token we sign
ourselves. A verified phone is not an account key: carriers reissue numbers.
When a login proves a phone another account holds, it joins that account only
when both carry the same ID number vouched for by a channel (the same person on
WeChat and Alipay); otherwise the phone moves to the prover's own account and
the holder's binding goes stale (``rules.same_person``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar

from chalicelib.identity.ports import Alipay, IdentityStore, WeChat
from chalicelib.identity.rules import Identity, Session, User, same_person
from chalicelib.kernel import session as tokens
from chalicelib.kernel.audit import Audit, AuditEvent
from chalicelib.kernel.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    Unauthenticated,
    UpstreamUnavailable,
)
from chalicelib.kernel.events import IdentityVouched, PhoneMoved, Publish, nobody
from chalicelib.kernel.phone import mask_mobile, parse_mobile
from chalicelib.kernel.pii import keyed_hash
from chalicelib.kernel.ports import FieldCipher
from chalicelib.kernel.roles import Role
from chalicelib.kernel.session import KeyRing, SessionClaims

_SUBJECT_MAX = 64
# An Alipay phone blob (my.getPhoneNumber) names no session and carries no time: it is
# accepted only from a session that logged in through Alipay this recently, and only
# by the first login that sends it (a leaked blob replayed later, or by another
# account, is refused).
PHONE_PROOF_WINDOW = timedelta(minutes=10)
T = TypeVar("T")


def new_user_id() -> str:
    return "u_" + secrets.token_hex(10)


@dataclass(frozen=True)
class PhoneProof:
    """What a mini-program sends to prove a phone number (exactly one form)."""

    channel: str  # "wechat" or "alipay"
    code: str | None = None  # WeChat getPhoneNumber code
    encrypted_data: str | None = None  # WeChat legacy encryptedData
    iv: str | None = None
    response: str | None = None  # Alipay my.getPhoneNumber ciphertext
    sign: str | None = None
    sign_type: str = "RSA2"


@dataclass(frozen=True)
class RealNameCheck:
    result: str  # match | mismatch | not_real_named
    vouched: bool
    dispute_settled: bool  # an open identity dispute of the caller's moved the person


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
    wechat: Callable[[], WeChat | None] = lambda: None
    alipay: Callable[[], Alipay | None] = lambda: None
    # The per-subject login limit, counted on the identity a login is for (the web layer
    # counts the source address before the channel is even called); RateLimited past it.
    throttle: Callable[[str], None] = lambda identity: None
    # The session keys as the secret holds them now (reloaded on a short TTL: a rotated
    # key is picked up without a cold start); None: ``ring`` as built.
    ring_source: Callable[[], KeyRing] | None = None
    # Told (IdentityVouched) whenever a channel vouches for an account's real name: an
    # identity dispute the account opened earlier is decided at once.
    publish: Publish = nobody
    # A valid GB 11643 number from what a client sent, or InvalidInput naming the field.
    parse_id_number: Callable[[object], str] | None = None
    # Where a phone moving to another person's account is recorded (no phone in it).
    audit: Audit | None = None
    _sourced: KeyRing | None = field(default=None, init=False, repr=False)

    def authenticate(self, token: str) -> SessionClaims:
        """Verify a bearer token; raises Unauthenticated."""
        return tokens.verify(self._ring(), token, audience=self.audience, now=self.clock())

    def _ring(self) -> KeyRing:
        """``ring``, replaced whenever the reloaded secret brings another one."""
        if self.ring_source is not None:
            fresh = self.ring_source()
            if fresh is not self._sourced:
                self.ring = self._sourced = fresh
        return self.ring

    def login_identity(self, claims: SessionClaims) -> str:
        """The login identity behind the session's opaque ``sid``, as the server keeps it;
        Unauthenticated when the session names none we know (ended, or minted before sid
        became opaque)."""
        now = self.clock()
        identity = (
            self.store.session_identity(claims.session_id, now=now) if claims.session_id else None
        )
        if identity is None:
            raise Unauthenticated(
                "this session is unknown or has ended: log in again", code="invalid_token"
            )
        return identity

    def profile(self, user_id: str) -> User:
        """The caller's own account."""
        user = self.store.get_user(user_id)
        if user is None:
            raise NotFound("this account does not exist", code="account_missing")
        return user

    # -- logins ----------------------------------------------------------------

    def dev_login(
        self,
        *,
        subject: str,
        role: Role,
        phone: str | None,
        vouched_id_number: str | None = None,
    ) -> Session:
        """The local stage's login: any role, an optional phone bound as verified, and an
        optional ID number the "channel" vouches for (as Alipay's certified user info
        would): what identity-dispute tests need."""
        if not self.dev_login_enabled:
            raise NotFound("no such route", code="not_found")
        subject = subject.strip()
        if not subject or len(subject) > _SUBJECT_MAX:
            raise InvalidInput(f"subject must be 1 to {_SUBJECT_MAX} characters", field="subject")
        number = parse_mobile(phone, field="phone") if phone is not None else None
        now = self.clock()
        identity = f"dev:{subject}"
        self.throttle(identity)
        user = self._login([identity], channel="dev", role=role, now=now)
        if vouched_id_number is not None:  # first: a vouch decides whom a phone joins
            user, _ = self._vouch(user, vouched_id_number)
        if number is not None:
            user = self._bind_verified_phone(identity, user, number, channel="dev", now=now)
        return self._session(user, role, identity, now)

    def wechat_login(self, code: str) -> Session:
        """code2session → the openid's identity (and the unionid's, when WeChat sends one)."""
        gateway = self._gateway(self.wechat, "WeChat")
        result = gateway.code_to_session(code)
        now = self.clock()
        primary = f"wechat:{gateway.appid}:{result.openid}"
        self.throttle(primary)
        aliases = [primary] + ([f"wechat:union:{result.unionid}"] if result.unionid else [])
        # The session key decrypts this login's phone data; it never leaves the server.
        sealed = self.cipher.encrypt(result.session_key, context="wechat_session_key")
        user = self._login(
            aliases, channel="wechat", role=Role.CITIZEN, now=now, session_key_enc=sealed
        )
        return self._session(user, Role.CITIZEN, primary, now)

    def alipay_login(self, auth_code: str) -> Session:
        """alipay.system.oauth.token → the user_id and/or per-app open_id identities."""
        gateway = self._gateway(self.alipay, "Alipay")
        result = gateway.oauth_token(auth_code)
        now = self.clock()
        aliases = []
        if result.open_id:
            aliases.append(f"alipay:{gateway.appid}:oid:{result.open_id}")
        if result.user_id:
            aliases.append(f"alipay:uid:{result.user_id}")
        self.throttle(aliases[0])
        user = self._login(aliases, channel="alipay", role=Role.CITIZEN, now=now)
        if user.vouched_id_hash is None and result.access_token:
            # Alipay's certified real name, asked once per account: it vouches in an
            # identity dispute. Only the keyed hash is kept, never the number.
            certified = gateway.certified_id_number(result.access_token)
            if certified is not None:
                user, _ = self._vouch(user, certified)
        return self._session(user, Role.CITIZEN, aliases[0], now)

    # -- real name ----------------------------------------------------------------

    def check_real_name(
        self, claims: SessionClaims, *, code: str, name: str, id_number: str
    ) -> RealNameCheck:
        """WeChat's real-name check of the name and ID number the user entered; a match
        vouches for the account (Alipay vouches at login instead)."""
        gateway = self._gateway(self.wechat, "WeChat")
        prefix = f"wechat:{gateway.appid}:"
        identity = self.login_identity(claims)
        if not identity.startswith(prefix):
            raise InvalidInput(
                "the real-name check is WeChat's: log in through WeChat "
                "(Alipay vouches for the real name at login)",
                field="channel",
                code="channel_mismatch",
            )
        if self.parse_id_number is None:
            raise UpstreamUnavailable(
                "the real-name check is not set up on this stage", code="channel_not_configured"
            )
        id_number = self.parse_id_number(id_number)
        name = name.strip()
        if not name:
            raise InvalidInput("name must not be blank", field="name")
        user = self.profile(claims.subject)
        result = gateway.check_real_name(
            openid=identity[len(prefix) :], name=name, id_number=id_number, code=code
        )
        if result != "match":
            return RealNameCheck(result=result, vouched=False, dispute_settled=False)
        _, settled = self._vouch(user, id_number)
        return RealNameCheck(result=result, vouched=True, dispute_settled=settled)

    # -- phone -----------------------------------------------------------------

    def bind_phone(self, claims: SessionClaims, proof: PhoneProof) -> tuple[User, Session | None]:
        """Verify the channel's phone proof and bind the number to the caller's account.

        When the phone already belongs to another account of the same person (both
        vouched for one ID number), this login joins that account, and the caller gets a
        new session for it (the old token names the account it left). Another person's
        account loses the phone to the caller's (a reissued number).
        """
        identity = self.login_identity(claims)
        if not identity.startswith(f"{proof.channel}:"):
            raise InvalidInput(
                f"this session did not log in through {proof.channel}",
                field="channel",
                code="channel_mismatch",
            )
        user = self.profile(claims.subject)
        if proof.channel == "wechat":
            country, number = self._wechat_phone(identity, proof)
            if country not in ("86", "+86", ""):
                raise InvalidInput(
                    "only mainland (+86) mobile numbers can be bound",
                    field="phone",
                    code="phone_not_mainland",
                )
        else:
            if not proof.response or not proof.sign:
                raise InvalidInput(
                    "send Alipay's response and sign", field="response", code="missing_field"
                )
            gateway = self._gateway(self.alipay, "Alipay")
            number = gateway.phone_from_response(proof.response, proof.sign, proof.sign_type)
            self._bind_alipay_proof(claims, identity, proof.response)
        phone = parse_mobile(number, field="phone")
        now = self.clock()
        bound = self._bind_verified_phone(identity, user, phone, channel=proof.channel, now=now)
        if bound.user_id == user.user_id:
            return bound, None
        return bound, self._session(bound, claims.role, identity, now)

    def _bind_alipay_proof(self, claims: SessionClaims, identity: str, response: str) -> None:
        """The verified blob is this session's: fresh, and used by no other login."""
        now = self.clock()
        if now - claims.issued_at > PHONE_PROOF_WINDOW:
            raise InvalidInput(
                "bind the phone within 10 minutes of logging in: log in again",
                field="response",
                code="phone_proof_stale",
            )
        digest = hashlib.sha256(response.encode()).hexdigest()
        first = self.store.use_once(
            f"phoneproof:{digest}", identity, expires=now + PHONE_PROOF_WINDOW * 2
        )
        if first != identity:
            raise InvalidInput(
                "this phone proof was already used by another login",
                field="response",
                code="phone_proof_replayed",
            )

    def _wechat_phone(self, identity: str, proof: PhoneProof) -> tuple[str, str]:
        gateway = self._gateway(self.wechat, "WeChat")
        if proof.code:
            return gateway.phone_from_code(proof.code)
        if not proof.encrypted_data or not proof.iv:
            raise InvalidInput(
                "send either code, or encrypted_data with iv", field="code", code="missing_field"
            )
        sealed = self.store.get_session_key(identity)
        if sealed is None:
            raise InvalidInput(
                "no WeChat session key for this login; log in again",
                field="encrypted_data",
                code="wechat_session_missing",
            )
        session_key = self.cipher.decrypt(sealed, context="wechat_session_key")
        return gateway.phone_from_encrypted(session_key, proof.encrypted_data, proof.iv)

    def _bind_verified_phone(
        self, identity: str, user: User, phone: str, *, channel: str, now: datetime
    ) -> User:
        phone_hash = keyed_hash(self.hash_key, "phone", phone)
        if user.phone_hash == phone_hash:
            return user
        # The claim item decides who holds the phone (a conditional write: of two accounts
        # binding it at once exactly one wins). The phone index only answers for phones
        # bound before claims existed; its holder is claimed for.
        legacy = self.store.find_user_by_phone(phone_hash)
        holder_id = self.store.claim_phone(phone_hash, legacy.user_id if legacy else user.user_id)
        if holder_id != user.user_id:
            holder = self.store.get_user(holder_id)
            if holder is not None and same_person(holder, user):
                # One account per person: this login now leads to the account that
                # verified the phone first, with its declarations and code.
                self.store.relink_identity(identity, holder_id, now=now)
                self.store.add_channel(holder_id, channel)
                return self.profile(holder_id)
            # Not shown to be the same person: the number was reissued. The prover keeps
            # an account of their own and the phone moves to it.
            if not self.store.move_phone(phone_hash, from_user=holder_id, to_user=user.user_id):
                raise Conflict(
                    "this phone changed hands while binding it: try again",
                    code="phone_contended",
                    field="phone",
                )
            self._phone_moved(phone_hash, holder_id, user.user_id, now)
        bound = self.store.bind_phone(
            user.user_id,
            phone_hash=phone_hash,
            phone_enc=self.cipher.encrypt(phone, context="phone"),
            phone_masked=mask_mobile(phone),
        )
        # Another prover may have moved the claim between ours and this write (its stale
        # mark then found no binding to mark): the claim decides, so yield to it.
        if self.store.phone_holder(phone_hash) != user.user_id:
            self.store.mark_phone_stale(user.user_id, phone_hash, now=now)
            return self.profile(user.user_id)
        return bound

    def _phone_moved(self, phone_hash: str, from_user: str, to_user: str, now: datetime) -> None:
        """The former holder's binding goes stale; the move is audited (account ids only,
        never the phone, its mask or its hash) and both accounts are recoloured."""
        self.store.mark_phone_stale(from_user, phone_hash, now=now)
        if self.audit is not None:
            self.audit.append(
                AuditEvent(
                    subject_id=from_user,
                    actor=to_user,
                    actor_role=Role.CITIZEN.value,
                    action="phone_moved",
                    at=now,
                    reason="phone_proven_by_another_person",
                    before={"holder": from_user},
                    after={"holder": to_user},
                )
            )
        self.publish(PhoneMoved(from_user_id=from_user, to_user_id=to_user))

    # -- shared ----------------------------------------------------------------

    def _vouch(self, user: User, id_number: str) -> tuple[User, bool]:
        """The channel vouches that this account's real name holds ``id_number``; True
        when that decided an identity dispute the account had opened."""
        vouched = keyed_hash(self.hash_key, "id", id_number.strip().upper())
        self.store.set_vouched(user.user_id, vouched)
        settled = any(self.publish(IdentityVouched(user.user_id, vouched)))
        return replace(user, vouched_id_hash=vouched), settled

    @staticmethod
    def _gateway(factory: Callable[[], T | None], name: str) -> T:
        gateway = factory()
        if gateway is None:
            raise UpstreamUnavailable(
                f"{name} login is not configured on this stage", code="channel_not_configured"
            )
        return gateway

    def _login(
        self,
        subjects: Sequence[str],
        *,
        channel: str,
        role: Role,
        now: datetime,
        session_key_enc: str | None = None,
    ) -> User:
        """Find the user behind any of the identities, creating what is missing.

        ``subjects[0]`` is the identity this login is for; the others are aliases
        (a WeChat unionid, an Alipay user_id next to its open_id) that lead to
        the same user when the channel sends them.
        """
        found = [(s, self.store.get_identity(s)) for s in subjects]
        known = next((identity for _, identity in found if identity is not None), None)
        if known is None:
            user_id = new_user_id()
            self.store.create_user(User(user_id=user_id, channels=(channel,)), now=now)
        else:
            user_id = known.user_id
        for subject, identity in found:
            if identity is None:
                won = self.store.put_identity(
                    Identity(subject=subject, user_id=user_id, channel=channel, role=role), now=now
                )
                if known is None:  # a concurrent first login may have won the race
                    user_id = won.user_id
        self.store.touch_identity(subjects[0], now=now, session_key_enc=session_key_enc)
        user = self.profile(user_id)
        if channel not in user.channels:
            self.store.add_channel(user_id, channel)
            user = replace(user, channels=(*user.channels, channel))
        return user

    def _session(self, user: User, role: Role, identity: str, now: datetime) -> Session:
        # The token carries a random sid; which login it is for stays here, for as long
        # as the session lives.
        session_id = tokens.new_session_id()
        self.store.open_session(session_id, identity, expires=now + self.session_ttl)
        token, claims = tokens.mint(
            self._ring(),
            subject=user.user_id,
            role=role,
            audience=self.audience,
            now=now,
            ttl=self.session_ttl,
            session_id=session_id,
        )
        return Session(token=token, expires_at=claims.expires_at, user=user, role=role)
