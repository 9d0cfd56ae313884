"""The small interfaces services depend on; adapters and test fakes implement them."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Protocol

from chalicelib.domain.colour import (
    Assessment,
    PartnerStatus,
    RiskArea,
    StatusMark,
    Stay,
    TestResult,
    Vaccination,
    VenueExposure,
    VenueScan,
)
from chalicelib.domain.health import (
    Appeal,
    AuditEvent,
    Declaration,
    MarkRequest,
    Page,
    Person,
    StoredColour,
)
from chalicelib.domain.identity import AlipayUser, Identity, User, WeChatSession
from chalicelib.domain.venues import VaccinationSummary


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

    def bind_phone(
        self, user_id: str, *, phone_hash: str, phone_enc: str, phone_masked: str
    ) -> User: ...

    def claim_phone(self, phone_hash: str, user_id: str) -> str:
        """Claim the phone for the user unless held (a conditional write): the holder."""
        ...

    def set_vouched(self, user_id: str, id_hash: str) -> None: ...

    def use_once(self, key: str, owner: str, *, expires: datetime) -> str:
        """Record the first user of a one-time proof: that first user."""
        ...


class FieldCipher(Protocol):
    """Encrypts personal fields at rest."""

    def encrypt(self, plaintext: str, *, context: str) -> str: ...

    def decrypt(self, token: str, *, context: str) -> str: ...


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


class People(Protocol):
    def get(self, person_id: str) -> Person | None: ...

    def self_of(self, user_id: str) -> Person | None: ...

    def ids_by_id_hash(self, id_hash: str) -> list[str]: ...

    def ids_by_fed_hash(self, fed_hash: str) -> list[str]: ...

    def create(
        self, person: Person, *, id_enc: str, name_enc: str, address_enc: str, now: datetime
    ) -> Person: ...

    def name_enc_of(self, person_id: str) -> str | None: ...

    def set_owner(
        self, person: Person, *, user_id: str, relation: str, now: datetime
    ) -> Person: ...

    def update_details(
        self,
        person: Person,
        *,
        name_enc: str,
        name_masked: str,
        address_enc: str,
        residence_region: str,
        now: datetime,
        fed_hash: str | None = None,
    ) -> Person: ...


class Declarations(Protocol):
    def add(self, declaration: Declaration, *, payload_enc: str) -> None: ...

    def get(self, declaration_id: str) -> Declaration | None: ...

    def latest(self, person_id: str) -> Declaration | None: ...

    def for_person(
        self, person_id: str, *, limit: int, cursor: str | None
    ) -> Page[Declaration]: ...

    def queue(self, *, limit: int, cursor: str | None) -> Page[Declaration]: ...

    def decide(
        self, declaration_id: str, *, status: str, reviewer: str, note: str, now: datetime
    ) -> Declaration: ...


class Colours(Protocol):
    def get(self, person_id: str, *, consistent: bool = False) -> StoredColour | None: ...

    def by_holder(self, holder_id: str) -> StoredColour | None: ...

    def due(self, bucket: str, *, until: datetime) -> list[str]: ...

    def save(
        self,
        person: Person,
        assessment: Assessment,
        *,
        expected_version: int | None,
        itinerary_starred: bool | None = None,
        latest_test: TestResult | None = None,
        vaccination: VaccinationSummary | None = None,
    ) -> StoredColour:
        """Raises a Conflict (stale_write) if another write came first."""
        ...


class Marks(Protocol):
    def add(self, mark: MarkRequest) -> None: ...

    def get(self, mark_id: str) -> MarkRequest | None: ...

    def approve(
        self, mark: MarkRequest, *, approver: str, person_id: str | None, now: datetime
    ) -> MarkRequest: ...

    def approved_for(self, id_hash: str) -> list[StatusMark]: ...

    def withdraw(self, mark_id: str) -> bool: ...

    def queue(self, *, limit: int, cursor: str | None) -> Page[MarkRequest]: ...


class Appeals(Protocol):
    def add(self, appeal: Appeal) -> None: ...

    def get(self, appeal_id: str) -> Appeal | None: ...

    def for_user(self, user_id: str, *, limit: int, cursor: str | None) -> Page[Appeal]: ...

    def queue(self, *, limit: int, cursor: str | None) -> Page[Appeal]: ...

    def answer(
        self, appeal_id: str, *, outcome: str, answer: str, reviewer: str, now: datetime
    ) -> Appeal: ...


class Audit(Protocol):
    def append(self, event: AuditEvent) -> AuditEvent: ...

    def by_day(self, day: date, *, limit: int, cursor: str | None) -> Page[AuditEvent]: ...

    def by_subject(
        self, subject_id: str, *, limit: int, cursor: str | None
    ) -> Page[AuditEvent]: ...


class FactsSource(Protocol):
    def phone_hash_of(self, user_id: str) -> str | None: ...

    def stays(self, phone_hash: str, *, since: datetime) -> list[Stay]: ...

    def scans(self, person_id: str, *, since: datetime) -> list[VenueScan]: ...

    def tests(self, id_hash: str) -> list[TestResult]: ...

    def exposures(self, person_id: str) -> list[VenueExposure]:
        """Co-location contacts (时空伴随) found for this person and still standing."""
        ...

    def vaccinations(self, id_hash: str) -> list[Vaccination]: ...

    def partner_statuses(self, fed_hash: str) -> list[PartnerStatus]:
        """What partner regions attested about this federation hash (way (a))."""
        ...

    def active_risk(self, *, fresh: bool = False) -> tuple[str | None, tuple[RiskArea, ...]]:
        """The active risk snapshot: from a per-container cache with a bounded age, or
        read consistently when ``fresh`` (a colour about to be stored)."""
        ...

    def one_snapshot(self) -> AbstractContextManager[None]:
        """Within the block every ``active_risk`` answer is the first one."""
        ...


class OneTimeCodes(Protocol):
    """Short-lived single-use values by key (the pages' sign-in codes)."""

    def put(self, key: str, value: str, *, expires: datetime) -> None: ...

    def take(self, key: str) -> str | None:
        """The value, deleted in the same step: a second take of the key gets None."""
        ...
