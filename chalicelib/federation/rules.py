"""Mutual recognition across regions (互通互认): signed documents, the trust list, attestations.

Three documents travel between regions, all in one shape, a JWS-like object
with a detached signature over the canonical JSON of its payload::

    {"payload": {"type": "yima.trust-list.v1", ...},
     "signature": {"alg": "EdDSA", "kid": "<hex>", "value": "<base64url, 64 bytes>"}}

The signature is Ed25519 over :func:`canonical_json` of the payload (keys
sorted, no whitespace, UTF-8, integers and strings only: no floats). The
payload's ``type`` says what the document is, so a signature made for one
kind of document can never be replayed as another:

- ``yima.trust-list.v1``: the national platform's list of the signing keys of
  the regions and of the national code itself, signed by the national root
  key that every region pins in its settings;
- ``yima.partner-status.v1``: a batch of a partner region's attestations
  about people (colour, reason codes, valid until), signed by one of that
  region's keys on the trust list; people are named only by the federation
  hash of their ID number;
- ``yima.published-keys.v1``: what we publish for checkpoints to cache (our
  own keys and the trusted ones), signed with our own code-signing key.

This module is pure: the Ed25519 check is passed in as a function, as for
health codes (:mod:`chalicelib.codes.token`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.codes.token import CLOCK_SKEW, KEY_STATUSES, NATIONAL_REGION, TokenError, check_key
from chalicelib.colours.model import Colour, PartnerStatus
from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.keys import PublicKey
from chalicelib.kernel.pii import keyed_hash
from chalicelib.kernel.times import rfc3339_or_none

Verifier = Callable[[bytes, bytes, bytes], bool]  # (public key, message, signature) → ok
TRUST_LIST_TYPE = "yima.trust-list.v1"
PARTNER_STATUS_TYPE = "yima.partner-status.v1"
PUBLISHED_KEYS_TYPE = "yima.published-keys.v1"
FEDERATION_HASH_PURPOSE = "fid"  # HMAC-SHA256(federation key, "fid:" + ID number)

MAX_BATCH_AGE = timedelta(hours=24)  # an attestation batch older than this is refused
MAX_ATTESTATION_DAYS = 30  # no partner word outlives a month without being said again
_REGION_RE = re.compile(r"^\d{6}$")
_KID_RE = re.compile(r"^(?:[0-9a-f]{2}){1,8}$")  # whole bytes: bytes.fromhex must take it
_SUBJECT_RE = re.compile(r"^[0-9a-f]{64}$")
_REASON_RE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


# --- the signed-document primitive ------------------------------------------------


def canonical_json(value: Any, *, path: str = "payload") -> bytes:
    """The bytes a signature covers: sorted keys, no whitespace, UTF-8. Floats (and so
    NaN) are refused, so two implementations cannot disagree on them; InvalidInput
    names the field, ``path`` being where ``value`` sits in the request."""
    _check_canonical(value, path, depth=0)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _check_canonical(value: Any, path: str, *, depth: int) -> None:
    if depth > 8:
        raise InvalidInput(f"{path} is nested too deeply", field=path)
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return
    if isinstance(value, list):
        for n, item in enumerate(value):
            _check_canonical(item, f"{path}[{n}]", depth=depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check_canonical(item, f"{path}.{key}", depth=depth + 1)
        return
    raise InvalidInput(f"{path} must not be a floating-point number", field=path)


def federation_hash(federation_key: bytes, id_number: str) -> str:
    """How partners name a person: HMAC-SHA256 under the shared federation key of
    ``"fid:" + the ID number`` (18 characters, a final ``x`` upper-cased), in hex."""
    return keyed_hash(federation_key, FEDERATION_HASH_PURPOSE, id_number.strip().upper())


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str, *, field: str, size: int | None = None) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{field} is not base64url", field=field) from None
    if size is not None and len(raw) != size:
        raise InvalidInput(f"{field} must hold {size} bytes", field=field)
    return raw


def kid_of(public_key: bytes) -> bytes:
    """The 2-byte key id of a public key (the same derivation as our code keys)."""
    return hashlib.sha256(public_key).digest()[:2]


def sign_document(
    payload: dict[str, Any], *, kid: bytes, sign: Callable[[bytes], bytes]
) -> dict[str, Any]:
    """Wrap ``payload`` with a signature by ``sign`` (the signer's Ed25519 function)."""
    return {
        "payload": payload,
        "signature": {
            "alg": "EdDSA",
            "kid": kid.hex(),
            "value": b64url(sign(canonical_json(payload))),
        },
    }


def _at(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def verify_document(
    document: Mapping[str, Any],
    keys: Iterable[PublicKey],
    *,
    expected_type: str,
    verifier: Verifier,
    field: str = "",
) -> tuple[dict[str, Any], PublicKey]:
    """Check a signed document's shape, type and signature; returns (payload, key).

    ``field`` is where the document sits in the request body ("" for the body
    itself). InvalidInput names the field; its code is ``unknown_key`` or
    ``bad_signature`` for signature problems. The key's own validity (revoked,
    expired) is the caller's to check, against the time that matters to it.
    """
    payload = document.get("payload")
    signature = document.get("signature")
    if not isinstance(payload, dict):
        raise InvalidInput("payload must be an object", field=_at(field, "payload"))
    if not isinstance(signature, dict):
        raise InvalidInput("signature must be an object", field=_at(field, "signature"))
    if payload.get("type") != expected_type:
        raise InvalidInput(
            f"payload.type must be {expected_type}",
            field=_at(field, "payload.type"),
            code="wrong_document_type",
        )
    if signature.get("alg") != "EdDSA":
        raise InvalidInput(
            "only EdDSA (Ed25519) signatures are accepted", field=_at(field, "signature.alg")
        )
    kid_text = signature.get("kid")
    if not isinstance(kid_text, str) or not _KID_RE.match(kid_text):
        raise InvalidInput("the key id must be lower-case hex", field=_at(field, "signature.kid"))
    value = signature.get("value")
    if not isinstance(value, str):
        raise InvalidInput("the signature must be base64url", field=_at(field, "signature.value"))
    raw = unb64url(value, field=_at(field, "signature.value"), size=64)
    kid = bytes.fromhex(kid_text)
    candidates = [k for k in keys if k.kid == kid]
    if not candidates:
        raise InvalidInput(
            f"no trusted key has the id {kid_text}",
            field=_at(field, "signature.kid"),
            code="unknown_key",
        )
    message = canonical_json(payload, path=_at(field, "payload"))
    for key in candidates:
        if verifier(key.key, message, raw):
            return payload, key
    raise InvalidInput(
        "the signature does not verify", field=_at(field, "signature"), code="bad_signature"
    )


# --- the trust list -----------------------------------------------------------------


@dataclass(frozen=True)
class TrustList:
    """The national platform's list of signing keys, as verified against the root."""

    version: int
    issued_at: datetime
    keys: tuple[PublicKey, ...]
    document: dict[str, Any]  # the signed document exactly as uploaded

    def for_region(self, region: str) -> tuple[PublicKey, ...]:
        return tuple(k for k in self.keys if k.region == region)

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted({k.region for k in self.keys}))


def root_keys(encoded: Sequence[str]) -> tuple[PublicKey, ...]:
    """The pinned national root keys (base64url raw Ed25519) as PublicKeys."""
    keys = []
    for text in encoded:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        keys.append(PublicKey(kid=kid_of(raw), key=raw, region=NATIONAL_REGION))
    return tuple(keys)


def parse_time(value: Any, field: str) -> datetime:
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        raise InvalidInput(f"{field} must be an ISO 8601 time with an offset", field=field)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{field} is not an ISO 8601 time", field=field) from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{field} needs an offset, e.g. +08:00", field=field)
    try:
        utc = moment.astimezone(UTC)
    except (OverflowError, OSError, ValueError):
        utc = None
    if utc is None or not 2000 <= utc.year <= 2099:  # room for any arithmetic on it
        raise InvalidInput(f"{field} must be between the years 2000 and 2099", field=field)
    return utc


def parse_trust_list(
    document: Mapping[str, Any],
    roots: Sequence[PublicKey],
    *,
    verifier: Verifier,
    now: datetime,
    field: str = "document",
) -> TrustList:
    """Verify the list against the pinned roots, then every entry; InvalidInput names
    the field (``document.payload.keys[2].public_key``)."""
    payload, _root = verify_document(
        document, roots, expected_type=TRUST_LIST_TYPE, verifier=verifier, field=field
    )
    trust_list = _trust_list(payload, document, _at(field, "payload"))
    if trust_list.issued_at > now + CLOCK_SKEW:
        raise InvalidInput(
            "the trust list is issued in the future", field=_at(field, "payload.issued_at")
        )
    return trust_list


def load_trust_list(document: Mapping[str, Any]) -> TrustList:
    """A list we verified when it was uploaded, read back from storage."""
    payload = document.get("payload")
    if not isinstance(payload, dict):
        raise ValueError("a stored trust list has no payload")
    return _trust_list(payload, document, "payload")


def _trust_list(payload: dict[str, Any], document: Mapping[str, Any], base: str) -> TrustList:
    version = payload.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**53:
        raise InvalidInput("version must be a positive integer", field=f"{base}.version")
    issued_at = parse_time(payload.get("issued_at"), f"{base}.issued_at")
    entries = payload.get("keys")
    if not isinstance(entries, list) or len(entries) > 1000:
        raise InvalidInput("keys must be a list of up to 1000 keys", field=f"{base}.keys")
    keys: list[PublicKey] = []
    seen: set[tuple[str, bytes]] = set()
    for n, entry in enumerate(entries):
        key = _trusted_key(entry, f"{base}.keys[{n}]")
        if (key.region, key.key) in seen:
            raise InvalidInput("the key is listed twice", field=f"{base}.keys[{n}]")
        seen.add((key.region, key.key))
        keys.append(key)
    return TrustList(
        version=version, issued_at=issued_at, keys=tuple(keys), document=dict(document)
    )


_ENTRY_FIELDS = {"region", "kid", "alg", "public_key", "not_before", "not_after", "status"}


def _trusted_key(entry: Any, path: str) -> PublicKey:
    if not isinstance(entry, dict):
        raise InvalidInput(f"{path} must be an object", field=path)
    for name in entry:
        if name not in _ENTRY_FIELDS:
            raise InvalidInput(f"unknown field {path}.{name}", field=f"{path}.{name}")
    for name in sorted(_ENTRY_FIELDS):
        if name not in entry:
            raise InvalidInput(f"{path}.{name} is required", field=f"{path}.{name}")
    region = entry["region"]
    if not isinstance(region, str) or not _REGION_RE.match(region):
        raise InvalidInput("region must be a 6-digit division code", field=f"{path}.region")
    if entry["alg"] != "EdDSA":
        raise InvalidInput("only EdDSA (Ed25519) keys are accepted", field=f"{path}.alg")
    if not isinstance(entry["public_key"], str):
        raise InvalidInput("public_key must be base64url", field=f"{path}.public_key")
    raw = unb64url(entry["public_key"], field=f"{path}.public_key", size=32)
    if entry["kid"] != kid_of(raw).hex():
        raise InvalidInput(
            "kid must be the first 2 bytes of SHA-256 of the public key, in hex",
            field=f"{path}.kid",
        )
    not_before = parse_time(entry["not_before"], f"{path}.not_before")
    not_after = parse_time(entry["not_after"], f"{path}.not_after")
    if not_after <= not_before:
        raise InvalidInput("not_after must be later than not_before", field=f"{path}.not_after")
    if entry["status"] not in KEY_STATUSES:
        raise InvalidInput("status must be active or revoked", field=f"{path}.status")
    return PublicKey(
        kid=kid_of(raw),
        key=raw,
        region=region,
        not_before=not_before,
        not_after=not_after,
        status=str(entry["status"]),
    )


def key_entry(key: PublicKey) -> dict[str, Any]:
    """A key as a trust-list entry (and as ``GET /v1/trust-list`` shows it)."""

    return {
        "region": key.region,
        "kid": key.kid.hex(),
        "alg": "EdDSA",
        "public_key": b64url(key.key),
        "not_before": rfc3339_or_none(key.not_before),
        "not_after": rfc3339_or_none(key.not_after),
        "status": key.status,
    }


# --- conversions (way (b)) ------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    """A partner's or the national code, converted into one of ours for its holder: our
    code carries a fresh random holder id, the same colour and the shorter expiry."""

    holder_id: str  # our code's holder id (16 hex)
    source_region: str
    source_kid: str
    source_holder: str
    colour: Colour
    source_expires_at: datetime
    expires_at: datetime
    converted_by: str
    converted_at: datetime


# --- partner attestations (way (a)) ----------------------------------------------------


@dataclass(frozen=True)
class Attestation:
    subject: str  # the federation hash of the ID number (64 hex)
    status: PartnerStatus


@dataclass(frozen=True)
class AttestationBatch:
    region: str
    batch_id: str
    issued_at: datetime
    key: PublicKey
    attestations: tuple[Attestation, ...]
    skipped_expired: int  # attestations whose valid_until had already passed


def parse_attestations(
    document: Mapping[str, Any],
    trusted: Sequence[PublicKey],
    *,
    verifier: Verifier,
    now: datetime,
) -> AttestationBatch:
    """A partner's signed batch: the signature by a key of the region it names, valid and
    not revoked; fresh; every attestation a federation hash, a colour, reason codes and
    an end. Nothing else: the request schema has already refused any other field."""
    payload = document.get("payload")
    region = payload.get("region") if isinstance(payload, dict) else None
    if not isinstance(region, str) or not _REGION_RE.match(region):
        raise InvalidInput("region must be a 6-digit division code", field="payload.region")
    region_keys = [k for k in trusted if k.region == region]
    payload, key = verify_document(
        document, region_keys, expected_type=PARTNER_STATUS_TYPE, verifier=verifier
    )
    issued_at = parse_time(payload.get("issued_at"), "payload.issued_at")
    if issued_at > now + CLOCK_SKEW:
        raise InvalidInput("the batch is issued in the future", field="payload.issued_at")
    if issued_at < now - MAX_BATCH_AGE:
        raise InvalidInput(
            "the batch is more than 24 hours old: sign it again",
            field="payload.issued_at",
            code="stale_batch",
        )
    try:
        check_key(key, issued_at)
    except TokenError as exc:
        raise InvalidInput(str(exc), field="signature.kid", code=exc.reason) from None
    batch_id = payload.get("batch_id")
    if not isinstance(batch_id, str) or not batch_id:
        raise InvalidInput("batch_id is required", field="payload.batch_id")
    items = payload.get("attestations")
    if not isinstance(items, list):
        raise InvalidInput("attestations must be a list", field="payload.attestations")
    attested_at = min(issued_at, now)  # a partner clock a little ahead must not delay it
    latest = issued_at + timedelta(days=MAX_ATTESTATION_DAYS)
    out: list[Attestation] = []
    expired = 0
    seen: set[str] = set()
    for n, item in enumerate(items):
        path = f"payload.attestations[{n}]"
        if not isinstance(item, dict):
            raise InvalidInput(f"{path} must be an object", field=path)
        subject = item.get("subject")
        if not isinstance(subject, str) or not _SUBJECT_RE.match(subject):
            raise InvalidInput(
                "subject must be the federation hash of the ID number (64 lower-case hex)",
                field=f"{path}.subject",
            )
        if subject in seen:
            raise InvalidInput(
                "the subject is attested twice in one batch", field=f"{path}.subject"
            )
        seen.add(subject)
        if item.get("colour") not in ("green", "yellow", "red"):
            raise InvalidInput("colour must be green, yellow or red", field=f"{path}.colour")
        colour = Colour(str(item["colour"]))
        reasons = item.get("reasons", [])
        if not isinstance(reasons, list) or len(reasons) > 10:
            raise InvalidInput("reasons must be a list of up to 10 codes", field=f"{path}.reasons")
        for m, reason in enumerate(reasons):
            if not isinstance(reason, str) or not _REASON_RE.match(reason):
                raise InvalidInput(
                    "a reason is a snake_case code, never free text",
                    field=f"{path}.reasons[{m}]",
                )
        valid_until = parse_time(item.get("valid_until"), f"{path}.valid_until")
        if valid_until > latest:
            raise InvalidInput(
                f"valid_until may be at most {MAX_ATTESTATION_DAYS} days after issued_at",
                field=f"{path}.valid_until",
            )
        if valid_until <= now:
            expired += 1
            continue
        out.append(
            Attestation(
                subject=subject,
                status=PartnerStatus(
                    region=region,
                    colour=colour,
                    valid_until=valid_until,
                    attested_at=attested_at,
                    reasons=tuple(dict.fromkeys(reasons)),
                ),
            )
        )
    return AttestationBatch(
        region=region,
        batch_id=batch_id,
        issued_at=issued_at,
        key=key,
        attestations=tuple(out),
        skipped_expired=expired,
    )
