"""Mutual recognition across regions (互通互认), the national platform's three ways.

- The trust list: the signing keys of the partner regions and of the national
  code, in a document signed by the national root that our settings pin. An
  admin uploads it; only a newer version replaces the one in force, so an old
  list cannot bring a revoked key back. The list in force is read (one small
  GetItem, then a per-container cache by version) on every use, so a
  revocation takes effect at the next scan in every container.
- Way (c), direct use: the checkpoint verification (``CodeService.verify``)
  accepts a code signed by a trusted key, through :meth:`trusted_keys`.
- Way (b), conversion: a valid partner or national code becomes one of ours
  (:meth:`convert`): same colour, our signature, the shorter expiry, recorded.
- Way (a), shared status: a partner posts a signed batch of attestations
  (:meth:`receive_status`) naming people only by the federation hash of their
  ID number; the local people it matches are recoloured through the queue,
  and an unmatched attestation waits for the person's first declaration.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.codes.service import Signer
from chalicelib.codes.token import (
    CodeClaims,
    TokenError,
    Verifier,
    build,
    issuer_kind,
    parse,
    verify,
)
from chalicelib.colours.model import PartnerStatus
from chalicelib.federation.rules import (
    PUBLISHED_KEYS_TYPE,
    Conversion,
    TrustList,
    canonical_json,
    key_entry,
    load_trust_list,
    parse_attestations,
    parse_trust_list,
    root_keys,
    sign_document,
)
from chalicelib.itinerary.service import Idempotency
from chalicelib.kernel import metrics
from chalicelib.kernel.audit import Audit, AuditEvent
from chalicelib.kernel.errors import Conflict, InvalidInput, UpstreamUnavailable
from chalicelib.kernel.keys import PublicKey
from chalicelib.kernel.session import SessionClaims
from chalicelib.kernel.times import rfc3339

BATCH_IDEMPOTENCY_TTL = timedelta(days=2)  # longer than a batch may be old (24 h)
PROCESSING_LEASE = timedelta(minutes=5)


class TrustLists(Protocol):
    def current_version(self) -> int | None: ...

    def get(self, version: int) -> dict[str, Any] | None:
        """The signed document of a stored version."""
        ...

    def store(self, trust_list: TrustList, *, uploaded_by: str, now: datetime) -> bool:
        """Keep a verified version; False if that version is stored already."""
        ...

    def switch(self, version: int, *, now: datetime) -> bool:
        """Put ``version`` in force; False if the one in force is as new or newer."""
        ...


class PartnerStatuses(Protocol):
    def put_if_newer(
        self, fed_hash: str, status: PartnerStatus, *, batch_id: str, kid: str, now: datetime
    ) -> bool:
        """Store unless an attestation of the same region attested later is there."""
        ...


class Conversions(Protocol):
    def add(self, conversion: Conversion) -> None: ...

    def get(self, holder_id: str) -> Conversion | None: ...


class PeopleByFedHash(Protocol):
    def ids_by_fed_hash(self, fed_hash: str) -> list[str]: ...


class Recolour(Protocol):
    def submit(self, person_ids: list[str], *, reason: str) -> dict[str, int]: ...


@dataclass(frozen=True)
class ConvertedCode:
    conversion: Conversion
    token: str
    claims: CodeClaims
    source_issuer: str  # partner | national


@dataclass
class FederationService:
    trust_lists: TrustLists
    statuses: PartnerStatuses
    conversions: Conversions
    people: PeopleByFedHash
    idempotency: Idempotency
    audit: Audit
    signer: Callable[[], Signer]
    verifier: Verifier
    root_keys: tuple[str, ...]  # pinned national root keys (settings)
    federation_key: bytes | None
    region: str
    lifetime_minutes: int
    clock: Callable[[], datetime]
    queue: Callable[[], Recolour]
    _cache: dict[int, TrustList] = field(default_factory=dict, repr=False)

    # -- the trust list ------------------------------------------------------------------

    def trust_list(self) -> TrustList | None:
        """The list in force: one small read of its version, the list cached by version."""
        version = self.trust_lists.current_version()
        if version is None:
            return None
        cached = self._cache.get(version)
        if cached is None:
            document = self.trust_lists.get(version)
            if document is None:
                return None
            cached = load_trust_list(document)
            self._cache = {version: cached}
        return cached

    def trusted_keys(self) -> tuple[PublicKey, ...]:
        """Keys of the other regions and the national code. Our own region's entries are
        left out: our keys come from our own secret, which is the authority for them."""
        current = self.trust_list()
        if current is None:
            return ()
        return tuple(k for k in current.keys if k.region != self.region)

    def upload_trust_list(self, admin: SessionClaims, document: dict[str, Any]) -> dict[str, Any]:
        roots = root_keys(self.root_keys)
        if not roots:
            raise UpstreamUnavailable(
                "no national root key is pinned on this stage (YIMA_NATIONAL_ROOT_KEYS)",
                code="trust_root_not_configured",
            )
        now = self.clock()
        incoming = parse_trust_list(document, roots, verifier=self.verifier, now=now)
        current = self.trust_list()
        if current is not None and incoming.version <= current.version:
            if incoming.version == current.version and _same(incoming, current):
                return self._report(current, "unchanged")
            raise Conflict(
                f"version {incoming.version} is not newer than the list in force "
                f"(version {current.version}): an older list cannot replace a newer one",
                field="document.payload.version",
                code="stale_trust_list",
            )
        if not self.trust_lists.store(incoming, uploaded_by=admin.subject, now=now):
            stored = self.trust_lists.get(incoming.version)
            if stored is None or canonical_json(stored) != canonical_json(incoming.document):
                raise Conflict(
                    f"version {incoming.version} was already uploaded with other content",
                    field="document.payload.version",
                    code="trust_list_version_reused",
                )
        if not self.trust_lists.switch(incoming.version, now=now):
            raise Conflict(
                "a newer trust list was put in force meanwhile",
                field="document.payload.version",
                code="stale_trust_list",
            )
        self._cache = {incoming.version: incoming}
        self.audit.append(
            AuditEvent(
                subject_id="trust_list",
                actor=admin.subject,
                actor_role=admin.role.value,
                action="trust_list_loaded",
                at=now,
                reason=f"version {incoming.version}",
                before={"version": current.version if current else None},
                after={
                    "version": incoming.version,
                    "keys": len(incoming.keys),
                    "regions": list(incoming.regions),
                    "revoked": sorted(
                        f"{k.region}:{k.kid.hex()}" for k in incoming.keys if k.status != "active"
                    ),
                },
            )
        )
        return self._report(incoming, "active")

    @staticmethod
    def _report(trust_list: TrustList, state: str) -> dict[str, Any]:
        return {
            "state": state,
            "version": trust_list.version,
            "issued_at": trust_list.issued_at,
            "keys": len(trust_list.keys),
            "revoked": sum(1 for k in trust_list.keys if k.status != "active"),
            "regions": list(trust_list.regions),
        }

    def published(self) -> dict[str, Any]:
        """What checkpoints cache: our keys and the trusted ones, signed with our own
        code-signing key, with the national root's signed list beside it."""
        now = self.clock()
        signer = self.signer()
        current = self.trust_list()
        entries = [{**key_entry(k), "source": "local"} for k in signer.published(now)]
        entries += [{**key_entry(k), "source": "trust_list"} for k in self.trusted_keys()]
        # Published on the minute: within one minute every container signs the same bytes,
        # so caches and If-None-Match can hold the document (GET /v1/trust-list's ETag).
        published = now.replace(second=0, microsecond=0)
        payload = {
            "type": PUBLISHED_KEYS_TYPE,
            "region": self.region,
            "published_at": rfc3339(published),
            "trust_list_version": current.version if current else None,
            "keys": entries,
        }
        return {
            "region": self.region,
            "published_at": payload["published_at"],
            "trust_list_version": payload["trust_list_version"],
            "keys": entries,
            "signed": sign_document(payload, kid=signer.kid, sign=signer.sign),
            "national": current.document if current else None,
        }

    # -- way (b): conversion -------------------------------------------------------------------

    def convert(self, citizen: SessionClaims, token: str) -> ConvertedCode:
        now = self.clock()
        try:
            if parse(token).claims.region == self.region:
                raise InvalidInput(
                    "this is already a code of this region", field="token", code="local_code"
                )
            verified = verify(token, self.trusted_keys(), now=now, verifier=self.verifier)
        except TokenError as exc:
            raise InvalidInput(str(exc), field="token", code=exc.reason) from None
        source = verified.claims
        issued = now.replace(microsecond=0)
        lifetime = min(
            self.lifetime_minutes, int((source.expires_at - issued).total_seconds()) // 60
        )
        if lifetime < 1:
            raise InvalidInput(
                "the code expires within a minute: refresh it, then convert",
                field="token",
                code="expires_too_soon",
            )
        claims = CodeClaims(
            holder=secrets.token_hex(8),
            colour=source.colour,
            issued_at=issued,
            lifetime_minutes=lifetime,
            region=self.region,
        )
        signer = self.signer()
        local_token = build(claims, kid=signer.kid, sign=signer.sign)
        metrics.emit("CodesIssued", colour=claims.colour.value)  # a code of ours, as shown
        conversion = Conversion(
            holder_id=claims.holder,
            source_region=source.region,
            source_kid=verified.key.kid.hex(),
            source_holder=source.holder,
            colour=source.colour,
            source_expires_at=source.expires_at,
            expires_at=claims.expires_at,
            converted_by=citizen.subject,
            converted_at=now,
        )
        self.conversions.add(conversion)
        return ConvertedCode(
            conversion=conversion,
            token=local_token,
            claims=claims,
            source_issuer=issuer_kind(source.region, self.region),
        )

    def converted(self, holder_id: str) -> Conversion | None:
        return self.conversions.get(holder_id)

    # -- way (a): shared status --------------------------------------------------------------

    def receive_status(self, partner: SessionClaims, body: dict[str, Any]) -> dict[str, Any]:
        if self.federation_key is None:
            raise UpstreamUnavailable(
                "no federation key is set on this stage: run `cli set-federation-key`",
                code="federation_not_configured",
            )
        now = self.clock()
        batch = parse_attestations(body, self.trusted_keys(), verifier=self.verifier, now=now)
        key = f"partner_status:{batch.region}:{batch.batch_id}"
        fingerprint = hashlib.sha256(canonical_json(body["payload"])).hexdigest()
        try:
            earlier = self.idempotency.begin(
                key,
                fingerprint=fingerprint,
                now=now,
                ttl=BATCH_IDEMPOTENCY_TTL,
                lease=PROCESSING_LEASE,
            )
        except Conflict as exc:
            raise Conflict(exc.message, field="payload.batch_id", code=exc.code) from None
        if earlier is not None:
            return {**earlier, "duplicate": True}
        try:
            stored = superseded = 0
            people: set[str] = set()
            kid = batch.key.kid.hex()
            for item in batch.attestations:
                if self.statuses.put_if_newer(
                    item.subject, item.status, batch_id=batch.batch_id, kid=kid, now=now
                ):
                    stored += 1
                    people.update(self.people.ids_by_fed_hash(item.subject))
                else:
                    superseded += 1
            counts = (
                self.queue().submit(sorted(people), reason=f"partner_status:{batch.region}")
                if people
                else {}
            )
        except Exception:
            self.idempotency.abandon(key)  # nothing is lost by sending it again
            raise
        result = {
            "batch_id": batch.batch_id,
            "region": batch.region,
            "accepted": len(batch.attestations),
            "stored": stored,
            "superseded": superseded,
            "expired": batch.skipped_expired,
            "matched": len(people),
            "people_recoloured": counts.get("recoloured", 0),
            "people_queued": counts.get("queued", 0),
            "duplicate": False,
        }
        self.idempotency.complete(key, result)
        self.audit.append(
            AuditEvent(
                subject_id=f"partner:{batch.region}",
                actor=partner.subject,
                actor_role=partner.role.value,
                action="partner_status_received",
                at=now,
                reason=batch.batch_id,
                after={k: v for k, v in result.items() if k != "duplicate"},
            )
        )
        return result


def _same(a: TrustList, b: TrustList) -> bool:
    return canonical_json(a.document) == canonical_json(b.document)
