"""The health-code token a checkpoint scans: compact, signed, verifiable offline.

Layout (COSE_Sign1, RFC 9052, untagged, in the spirit of the EU DCC's HCERT, far
smaller)::

    "YM1:" + base45( CBOR [ protected, unprotected, payload, signature ] )

    protected   = bstr( CBOR {1: -8 (EdDSA), 4: kid (2 bytes)} )
    unprotected = {}
    payload     = bstr( CBOR [holder, colour, iat, lifetime, region] )
    signature   = Ed25519 over CBOR ["Signature1", protected, h'', payload]

The claims are a positional array, not a map, to keep the QR at version 6
(level M: 153 of its 154 alphanumeric characters; version 7-M holds 178):
``holder`` is the person's random pseudonymous id (8 bytes, not derived from
the ID number), ``colour`` 0 green / 1 pending / 2 yellow / 3 red, ``iat``
Unix seconds, ``lifetime`` minutes (1..23), ``region`` the issuing division
code. No name, ID number or phone. ``_claims_array`` and ``_claims_from`` are
the two places that know the positions: a new claim is one entry in each.

What a verifier accepts beyond that, by RFC 9052 (``docs/codecs.md``):

- a COSE_Sign1 tag (18, the byte ``0xd2``) around the array is accepted and
  ignored, as COSE libraries emit it by default; we never emit it (a byte more
  in the QR) and the prefix already says what the token is;
- a map with a repeated key (a header label twice) is malformed;
- ``crit`` (label 2) must be a non-empty array, in the protected header, naming
  only labels present there that this verifier understands (1 alg, 4 kid):
  any other critical label makes the token malformed;
- a label in both the protected and the unprotected header is malformed.

The codecs are hand-written on purpose, a strict subset each (``docs/codecs.md``
has the measured reasons): base45 (RFC 9285) and the CBOR this format uses
(RFC 8949: unsigned and negative integers, byte and text strings, arrays and
maps of definite length; no tags, floats, simple values or indefinite
lengths). ``tests/unit/test_healthcode.py`` holds them to cbor2 and base45,
and ``tests/unit/test_vectors.py`` the tokens to pycose.

A printed code (纸质码, for people without a smartphone) appends a sixth claim,
``kind`` = 1: ``[holder, colour, iat, lifetime, region, 1]``, where ``holder`` is
the printed code's own random id, ``colour`` is always 1 (pending: the token never
vouches for a colour, a checkpoint takes the online one) and ``lifetime`` may reach
30 days (43,200 minutes). A live code has exactly five claims, so a printed code can
never pass as a live phone code, and live tokens are byte-identical to before.
A printed token is 159 characters, QR version 7 at level M.

This module is pure: the signature check itself is passed in as a function
(``chalicelib/kernel/signing.py`` supplies Ed25519 from libsodium, through PyNaCl).
Every decoding step fails with its own reason code, which the test vectors
in ``tests/vectors/`` pin down.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from chalicelib.colours.model import Colour
from chalicelib.kernel.keys import PublicKey

PREFIX = "YM1:"
ALG_EDDSA = -8
HOLDER_BYTES = 8
MAX_LIFETIME_MINUTES = 23  # one CBOR byte; the QR stays at version 6
KIND_LIVE, KIND_PRINTED = "live", "printed"
PRINTED_KIND_CODE = 1
MAX_PRINTED_LIFETIME_MINUTES = 30 * 24 * 60
CLOCK_SKEW = timedelta(seconds=60)
CLOCK_SKEW_SECONDS = CLOCK_SKEW.total_seconds()
COLOUR_CODES = {Colour.GREEN: 0, Colour.PENDING: 1, Colour.YELLOW: 2, Colour.RED: 3}
CODE_COLOURS = {v: k for k, v in COLOUR_CODES.items()}
_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_NOT_B45 = 0xFF
_B45_DIGITS = bytes(_B45.index(chr(b)) if chr(b) in _B45 else _NOT_B45 for b in range(256))

Verifier = Callable[[bytes, bytes, bytes], bool]  # (public key, message, signature) → ok


class TokenError(ValueError):
    """A token that does not verify; ``reason`` is the stable code a checkpoint shows."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class CodeClaims:
    holder: str  # 16 hex characters
    colour: Colour
    issued_at: datetime
    lifetime_minutes: int
    region: str
    kind: str = KIND_LIVE  # live (phone, minutes) | printed (paper, up to 30 days)

    @property
    def expires_at(self) -> datetime:
        return self.issued_at + timedelta(minutes=self.lifetime_minutes)


KEY_STATUSES = ("active", "revoked")


@dataclass(frozen=True)
class Verified:
    claims: CodeClaims
    key: PublicKey


# --- base45 (RFC 9285) ------------------------------------------------------------


def b45encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        c, n = divmod(n, 45 * 45)
        b, a = divmod(n, 45)
        out += [_B45[a], _B45[b], _B45[c]]
    if len(data) % 2:
        b, a = divmod(data[-1], 45)
        out += [_B45[a], _B45[b]]
    return "".join(out)


def b45decode(text: str) -> bytes:
    """Strict: only the 45 characters, no padding or whitespace, every group in range.

    All the digits are looked up at once (``bytes.translate``) and packed at once
    (``struct.pack``), rather than a triplet at a time: the checkpoint's offline
    path is three times faster so (docs/codecs.md)."""
    try:
        digits = text.encode("ascii").translate(_B45_DIGITS)
    except UnicodeEncodeError:
        raise ValueError("not base45") from None
    if _NOT_B45 in digits:
        raise ValueError("not base45")
    whole, rest = divmod(len(digits), 3)
    if rest == 1:
        raise ValueError("base45 length")
    end = 3 * whole
    triplets = iter(digits[:end])  # zip(it, it, it): three digits at a time
    try:  # a value over 0xFFFF is a triplet out of range, which struct.pack refuses
        out = struct.pack(
            f">{whole}H",
            *[a + 45 * b + 2025 * c for a, b, c in zip(triplets, triplets, triplets, strict=True)],
        )
    except struct.error:
        raise ValueError("base45 triplet out of range") from None
    if rest:
        n = digits[end] + 45 * digits[end + 1]
        if n > 0xFF:
            raise ValueError("base45 pair out of range")
        out += bytes((n,))
    return out


# --- the CBOR subset we use (RFC 8949: ints, byte and text strings, arrays, maps) -----


def cbor_encode(value: object) -> bytes:
    if isinstance(value, bool) or value is None:
        raise TypeError("not in the subset")
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode()
        return _head(3, len(raw)) + raw
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(cbor_encode(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(
            cbor_encode(k) + cbor_encode(v) for k, v in value.items()
        )
    raise TypeError(f"cannot encode {type(value).__name__}")


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError("integer too large")


def cbor_decode(data: bytes) -> object:
    value, end = _decode(data, 0, 0)
    if end != len(data):
        raise ValueError("trailing bytes")
    return value


def _decode(data: bytes, i: int, depth: int) -> tuple[object, int]:
    if depth > 8 or i >= len(data):
        raise ValueError("truncated or too deep")
    initial = data[i]
    major, n = initial >> 5, initial & 0x1F
    i += 1
    if n >= 24:
        if n > 27:
            raise ValueError("unsupported CBOR item")
        size = 1 << (n - 24)
        if i + size > len(data):
            raise ValueError("truncated")
        n = int.from_bytes(data[i : i + size], "big")
        i += size
    if major == 2:  # the envelope's parts: first, as they are the most frequent
        if i + n > len(data):
            raise ValueError("truncated")
        return bytes(data[i : i + n]), i + n
    if major == 0:
        return n, i
    if major == 1:
        return -1 - n, i
    if major == 3:
        if i + n > len(data):
            raise ValueError("truncated")
        return data[i : i + n].decode("utf-8"), i + n
    if major == 4:
        if n > 16:
            raise ValueError("array too long")
        items = []
        for _ in range(n):
            item, i = _decode(data, i, depth + 1)
            items.append(item)
        return items, i
    if major == 5:
        if n > 16:
            raise ValueError("map too long")
        result: dict[object, object] = {}
        for _ in range(n):
            key, i = _decode(data, i, depth + 1)
            if not isinstance(key, (int, str)):
                raise ValueError("map key type")
            if key in result:
                raise ValueError("duplicate map key")  # RFC 9052 §3: a repeated label
            result[key], i = _decode(data, i, depth + 1)
        return result, i
    raise ValueError("unsupported CBOR major type")


# --- the token ----------------------------------------------------------------------

COSE_SIGN1_TAG = b"\xd2"  # CBOR tag 18, COSE_Sign1_Tagged (RFC 9052 §2): accepted, never made
HEADER_ALG = 1
HEADER_CRIT = 2
HEADER_KID = 4
UNDERSTOOD_HEADERS = frozenset({HEADER_ALG, HEADER_KID})  # what a ``crit`` may name


_SIG1_HEAD = bytes([0x84]) + cbor_encode("Signature1")  # array(4), context, ...


def _max_lifetime(printed: bool) -> int:
    return MAX_PRINTED_LIFETIME_MINUTES if printed else MAX_LIFETIME_MINUTES


def signing_input(protected: bytes, payload: bytes) -> bytes:
    """CBOR ``["Signature1", protected, h'', payload]`` (RFC 9052 §4.4), spelled out."""
    return (
        _SIG1_HEAD
        + _head(2, len(protected))
        + protected
        + b"\x40"
        + _head(2, len(payload))
        + payload
    )


def _claims_array(claims: CodeClaims) -> list[object]:
    """The payload's positions; ``_claims_from`` reads them back."""
    return [
        bytes.fromhex(claims.holder),
        COLOUR_CODES[claims.colour],
        int(claims.issued_at.timestamp()),
        claims.lifetime_minutes,
        int(claims.region),
    ] + ([PRINTED_KIND_CODE] if claims.kind == KIND_PRINTED else [])


def _claims_from(body: object) -> CodeClaims:
    """ValueError unless ``body`` is the claims array with every value in range."""
    if not (isinstance(body, list) and len(body) in (5, 6)):
        raise ValueError("claims shape")
    printed = len(body) == 6  # a sixth claim is the kind: only a printed code has one
    if printed and body[5] != PRINTED_KIND_CODE:
        raise ValueError("unknown code kind")
    holder, colour, iat, lifetime, region = body[:5]
    if not (
        isinstance(holder, bytes)
        and len(holder) == HOLDER_BYTES
        and isinstance(colour, int)  # before the lookup: a list or map is unhashable
        and colour in CODE_COLOURS
        and isinstance(iat, int)
        and iat >= 0
        and isinstance(lifetime, int)
        and 1 <= lifetime <= _max_lifetime(printed)
        and (not printed or colour == COLOUR_CODES[Colour.PENDING])
        and isinstance(region, int)
        and 100000 <= region <= 999999
    ):
        raise ValueError("claim values")
    return CodeClaims(
        holder=holder.hex(),
        colour=CODE_COLOURS[colour],
        issued_at=datetime.fromtimestamp(iat, UTC),
        lifetime_minutes=lifetime,
        region=str(region),
        kind=KIND_PRINTED if printed else KIND_LIVE,
    )


def build(claims: CodeClaims, *, kid: bytes, sign: Callable[[bytes], bytes]) -> str:
    """Encode and sign; ``sign`` is the issuer's Ed25519 signing function."""
    printed = claims.kind == KIND_PRINTED
    if printed and claims.colour != Colour.PENDING:
        raise ValueError("a printed code carries no colour (pending)")
    if not 1 <= claims.lifetime_minutes <= _max_lifetime(printed):
        raise ValueError("lifetime must be 1..23 minutes (30 days for a printed code)")
    if len(bytes.fromhex(claims.holder)) != HOLDER_BYTES:
        raise ValueError("holder id must be 8 bytes")
    protected = cbor_encode({HEADER_ALG: ALG_EDDSA, HEADER_KID: kid})
    payload = cbor_encode(_claims_array(claims))
    signature = sign(signing_input(protected, payload))
    return PREFIX + b45encode(cbor_encode([protected, {}, payload, signature]))


@dataclass(frozen=True)
class Parsed:
    kid: bytes
    protected: bytes
    payload: bytes
    signature: bytes
    claims: CodeClaims


def _key_id(header: object, unprotected: dict[object, object]) -> bytes:
    """The kid of a protected header that this verifier may act on (RFC 9052 §3, §3.1)."""
    if not isinstance(header, dict) or header.get(HEADER_ALG) != ALG_EDDSA:
        raise ValueError("unsupported algorithm")
    if HEADER_CRIT in unprotected or not header.keys().isdisjoint(unprotected):
        raise ValueError("crit outside the protected header, or a label in both headers")
    if HEADER_CRIT in header:
        crit = header[HEADER_CRIT]
        if not isinstance(crit, list) or not crit:
            raise ValueError("crit must be a non-empty array of labels")
        for label in crit:
            if not isinstance(label, (int, str)) or label not in header:
                raise ValueError("crit names a label the header does not have")
            if label not in UNDERSTOOD_HEADERS:
                raise ValueError(f"unknown critical header {label!r}")
    kid = header.get(HEADER_KID)
    if not isinstance(kid, bytes) or not kid:
        raise ValueError("no key id")
    return kid


class Sign1(NamedTuple):
    """An opened COSE_Sign1 envelope: its key id, the signed parts, the decoded payload."""

    kid: bytes
    protected: bytes
    payload: bytes
    signature: bytes
    body: object  # the payload's CBOR, decoded: each token kind checks its own claims


@functools.lru_cache(maxsize=64)
def _protected_kid(protected: bytes) -> bytes:
    """The kid of a protected header that stands alone (an empty unprotected header):
    every token signed with one key has the same protected header, so it is read and
    checked once. A header that fails raises each time (lru_cache keeps no errors)."""
    return _key_id(cbor_decode(protected), {})


# The exact layouts ``build`` writes, read with index checks and one struct.unpack
# instead of the general decoder: a fifth of the parse, some 4% of an offline verify
# (docs/codecs.md). Anything else (a tag, longer headers, another payload) takes the
# general path; either way the result is the same, which tests/unit/test_healthcode.py
# holds them to.
_SIG_HEAD = b"\x58\x40"  # bstr, one length byte, 64
_LIVE_CLAIMS = struct.Struct(">BB8sBBIBBI")  # [h'8 bytes', colour, iat, lifetime, region]


def _fast_envelope(raw: bytes) -> tuple[bytes, bytes, bytes] | None:
    """``[bstr .size (0..23), {}, bstr .size (0..23), bstr .size 64]``: protected,
    payload, signature; None for any other bytes."""
    if len(raw) < 70 or raw[0] != 0x84:
        return None
    end_protected = 2 + raw[1] - 0x40
    if not 2 <= end_protected <= 25 or raw[end_protected] != 0xA0:
        return None
    start_payload = end_protected + 2
    end_payload = start_payload + raw[end_protected + 1] - 0x40
    if not start_payload <= end_payload <= start_payload + 23 or len(raw) != end_payload + 66:
        return None
    if raw[end_payload : end_payload + 2] != _SIG_HEAD:
        return None
    return raw[2:end_protected], raw[start_payload:end_payload], raw[end_payload + 2 :]


def _fast_claims(payload: bytes) -> list[object] | None:
    """A live code's claims array as ``build`` writes it; None for anything else."""
    if len(payload) != _LIVE_CLAIMS.size or payload[:2] != b"\x85\x48":
        return None
    _, _, holder, colour, iat_head, iat, lifetime, region_head, region = _LIVE_CLAIMS.unpack(
        payload
    )
    if colour > 23 or lifetime > 23 or iat_head != 0x1A or region_head != 0x1A:
        return None
    return [holder, colour, iat, lifetime, region]


def open_sign1(encoded: str) -> Sign1:
    """The envelope the health code and the venue code share, after their prefix:
    base45, an optional COSE_Sign1 tag, ``[protected, unprotected, payload, signature]``
    with an Ed25519 signature, the protected header checked (``_key_id``) and the
    payload decoded. ValueError (or UnicodeDecodeError, OverflowError) when it is not
    one; each caller turns that into its own ``malformed``."""
    raw = b45decode(encoded)
    fast = _fast_envelope(raw)
    if fast is not None:
        protected, payload, signature = fast
        body = _fast_claims(payload)
        return Sign1(
            _protected_kid(protected),
            protected,
            payload,
            signature,
            cbor_decode(payload) if body is None else body,
        )
    outer = cbor_decode(raw.removeprefix(COSE_SIGN1_TAG))
    if not (isinstance(outer, list) and len(outer) == 4):
        raise ValueError("not a 4-element array")
    protected, unprotected, payload, signature = outer
    if not (
        isinstance(protected, bytes)
        and isinstance(unprotected, dict)
        and isinstance(payload, bytes)
        and isinstance(signature, bytes)
        and len(signature) == 64
    ):
        raise ValueError("element types")
    kid = _key_id(cbor_decode(protected), unprotected) if unprotected else _protected_kid(protected)
    return Sign1(kid, protected, payload, signature, cbor_decode(payload))


def parse(token: str) -> Parsed:
    """Every structural step; raises TokenError(wrong_prefix | malformed)."""
    if not isinstance(token, str) or not token.startswith(PREFIX):
        raise TokenError("wrong_prefix", f"a Yima code starts with {PREFIX}")
    try:
        kid, protected, payload, signature, body = open_sign1(token[len(PREFIX) :])
        claims = _claims_from(body)
    except (ValueError, UnicodeDecodeError, OverflowError, OSError) as exc:
        raise TokenError("malformed", f"the code cannot be read: {exc}") from None
    return Parsed(kid=kid, protected=protected, payload=payload, signature=signature, claims=claims)


def verify(token: str, keys: Iterable[PublicKey], *, now: datetime, verifier: Verifier) -> Verified:
    """Parse, find the key, check the signature, then the key's state, then the time.

    TokenError on failure, in this order: wrong_prefix, malformed, unknown_key,
    bad_signature, revoked_key, key_not_yet_valid, key_expired, not_yet_valid, expired.
    """
    parsed = parse(token)
    candidates = [k for k in keys if k.kid == parsed.kid]
    if not candidates:
        raise TokenError("unknown_key", "the code was signed by a key we do not know")
    message = signing_input(parsed.protected, parsed.payload)
    key = next((k for k in candidates if verifier(k.key, message, parsed.signature)), None)
    if key is None:
        raise TokenError("bad_signature", "the code's signature does not verify")
    claims = parsed.claims
    if key.region != claims.region:
        raise TokenError("bad_signature", "the code names another region than its key")
    check_key(key, claims.issued_at)
    # In seconds rather than datetimes: the same comparisons, without building two.
    issued, at = claims.issued_at.timestamp(), now.timestamp()
    if issued > at + CLOCK_SKEW_SECONDS:
        raise TokenError("not_yet_valid", "the code is issued in the future")
    if at >= issued + 60 * claims.lifetime_minutes:
        raise TokenError("expired", "the code has expired: refresh it")
    return Verified(claims=claims, key=key)


def check_key(key: PublicKey, signed_at: datetime) -> None:
    """A key verifies only what it signed while valid, and nothing once revoked."""
    if key.status != "active":
        raise TokenError("revoked_key", f"the key {key.kid.hex()} of {key.region} is revoked")
    if key.not_before is not None and signed_at < key.not_before:
        raise TokenError(
            "key_not_yet_valid", f"the key {key.kid.hex()} was not yet valid at signing"
        )
    if key.not_after is not None and signed_at > key.not_after:
        raise TokenError("key_expired", f"the key {key.kid.hex()} had expired at signing")


NATIONAL_REGION = "100000"  # GB/T 2260's code for the whole country: the national code


def issuer_kind(region: str, local_region: str) -> str:
    """Who issued a code: ``local``, ``national`` (the national code) or ``partner``."""
    if region == local_region:
        return "local"
    return "national" if region == NATIONAL_REGION else "partner"
