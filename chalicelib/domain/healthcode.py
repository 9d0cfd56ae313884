"""The health-code token a checkpoint scans: compact, signed, verifiable offline.

Layout (COSE_Sign1-style, in the spirit of the EU DCC's HCERT, far smaller)::

    "YM1:" + base45( CBOR [ protected, unprotected, payload, signature ] )

    protected   = bstr( CBOR {1: -8 (EdDSA), 4: kid (2 bytes)} )
    unprotected = {}
    payload     = bstr( CBOR [holder, colour, iat, lifetime, region] )
    signature   = Ed25519 over CBOR ["Signature1", protected, h'', payload]

A printed code (纸质码, for people without a smartphone) appends a sixth claim,
``kind`` = 1: ``[holder, colour, iat, lifetime, region, 1]``, where ``holder`` is
the printed code's own random id, ``colour`` is always 1 (pending: the token never
vouches for a colour, a checkpoint takes the online one) and ``lifetime`` may reach
30 days (43,200 minutes). A live code has exactly five claims, so a printed code can
never pass as a live phone code, and live tokens are byte-identical to before.

The claims are a positional array, not a map, to keep the QR at version 7
(level M): ``holder`` is the person's random pseudonymous id (8 bytes, not
derived from the ID number), ``colour`` 0 green / 1 pending / 2 yellow /
3 red, ``iat`` Unix seconds, ``lifetime`` minutes (1..23), ``region`` the
issuing division code. No name, ID number or phone.

This module is pure: the signature check itself is passed in as a function
(``chalicelib/adapters/signing.py`` supplies Ed25519 from ``cryptography``).
Every decoding step fails with its own reason code, which the test vectors
in ``tests/vectors/`` pin down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chalicelib.domain.colour import Colour

PREFIX = "YM1:"
ALG_EDDSA = -8
HOLDER_BYTES = 8
MAX_LIFETIME_MINUTES = 23  # one CBOR byte; the QR stays at version 7
KIND_LIVE, KIND_PRINTED = "live", "printed"
PRINTED_KIND_CODE = 1
MAX_PRINTED_LIFETIME_MINUTES = 30 * 24 * 60
CLOCK_SKEW = timedelta(seconds=60)
COLOUR_CODES = {Colour.GREEN: 0, Colour.PENDING: 1, Colour.YELLOW: 2, Colour.RED: 3}
CODE_COLOURS = {v: k for k, v in COLOUR_CODES.items()}
_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_INDEX = {c: i for i, c in enumerate(_B45)}

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
class PublicKey:
    """A key that verifies codes: one of ours, or a partner's from the trust list.

    A token is accepted only if it was issued while its key was valid
    (``not_before`` <= issued at <= ``not_after``) and the key is not revoked.
    """

    kid: bytes
    key: bytes  # raw 32-byte Ed25519 public key
    region: str
    not_after: datetime | None = None
    not_before: datetime | None = None
    status: str = "active"  # active | revoked


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
    try:
        values = [_B45_INDEX[c] for c in text]
    except KeyError:
        raise ValueError("not base45") from None
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i : i + 3]
        if len(chunk) == 3:
            n = chunk[0] + chunk[1] * 45 + chunk[2] * 45 * 45
            if n > 0xFFFF:
                raise ValueError("base45 triplet out of range")
            out += n.to_bytes(2, "big")
        elif len(chunk) == 2:
            n = chunk[0] + chunk[1] * 45
            if n > 0xFF:
                raise ValueError("base45 pair out of range")
            out.append(n)
        else:
            raise ValueError("base45 length")
    return bytes(out)


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
    value, end = _decode(data, 0, depth=0)
    if end != len(data):
        raise ValueError("trailing bytes")
    return value


def _decode(data: bytes, i: int, *, depth: int) -> tuple[object, int]:
    if depth > 8 or i >= len(data):
        raise ValueError("truncated or too deep")
    major, info = data[i] >> 5, data[i] & 0x1F
    i += 1
    if info < 24:
        n = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        if i + size > len(data):
            raise ValueError("truncated")
        n = int.from_bytes(data[i : i + size], "big")
        i += size
    else:
        raise ValueError("unsupported CBOR item")
    if major == 0:
        return n, i
    if major == 1:
        return -1 - n, i
    if major in (2, 3):
        if i + n > len(data):
            raise ValueError("truncated")
        raw = data[i : i + n]
        return (bytes(raw) if major == 2 else raw.decode("utf-8")), i + n
    if major == 4:
        if n > 16:
            raise ValueError("array too long")
        items = []
        for _ in range(n):
            item, i = _decode(data, i, depth=depth + 1)
            items.append(item)
        return items, i
    if major == 5:
        if n > 16:
            raise ValueError("map too long")
        result: dict[object, object] = {}
        for _ in range(n):
            key, i = _decode(data, i, depth=depth + 1)
            if not isinstance(key, (int, str)):
                raise ValueError("map key type")
            result[key], i = _decode(data, i, depth=depth + 1)
        return result, i
    raise ValueError("unsupported CBOR major type")


# --- the token ----------------------------------------------------------------------


def _max_lifetime(printed: bool) -> int:
    return MAX_PRINTED_LIFETIME_MINUTES if printed else MAX_LIFETIME_MINUTES


def signing_input(protected: bytes, payload: bytes) -> bytes:
    return cbor_encode(["Signature1", protected, b"", payload])


def build(claims: CodeClaims, *, kid: bytes, sign: Callable[[bytes], bytes]) -> str:
    """Encode and sign; ``sign`` is the issuer's Ed25519 signing function."""
    printed = claims.kind == KIND_PRINTED
    if printed and claims.colour != Colour.PENDING:
        raise ValueError("a printed code carries no colour (pending)")
    if not 1 <= claims.lifetime_minutes <= _max_lifetime(printed):
        raise ValueError("lifetime must be 1..23 minutes (30 days for a printed code)")
    holder = bytes.fromhex(claims.holder)
    if len(holder) != HOLDER_BYTES:
        raise ValueError("holder id must be 8 bytes")
    protected = cbor_encode({1: ALG_EDDSA, 4: kid})
    values: list[object] = [
        holder,
        COLOUR_CODES[claims.colour],
        int(claims.issued_at.timestamp()),
        claims.lifetime_minutes,
        int(claims.region),
    ]
    if printed:
        values.append(PRINTED_KIND_CODE)
    payload = cbor_encode(values)
    signature = sign(signing_input(protected, payload))
    return PREFIX + b45encode(cbor_encode([protected, {}, payload, signature]))


@dataclass(frozen=True)
class Parsed:
    kid: bytes
    protected: bytes
    payload: bytes
    signature: bytes
    claims: CodeClaims


def parse(token: str) -> Parsed:
    """Every structural step; raises TokenError(wrong_prefix | malformed)."""
    if not isinstance(token, str) or not token.startswith(PREFIX):
        raise TokenError("wrong_prefix", f"a Yima code starts with {PREFIX}")
    try:
        outer = cbor_decode(b45decode(token[len(PREFIX) :]))
        if not (isinstance(outer, list) and len(outer) == 4):
            raise ValueError("not a 4-element array")
        protected, unprotected, payload, signature = outer
        if not (
            isinstance(protected, bytes)
            and isinstance(unprotected, dict)
            and isinstance(payload, bytes)
            and isinstance(signature, bytes)
        ):
            raise ValueError("element types")
        header = cbor_decode(protected)
        if not isinstance(header, dict) or header.get(1) != ALG_EDDSA:
            raise ValueError("unsupported algorithm")
        kid = header.get(4)
        if not isinstance(kid, bytes) or not kid:
            raise ValueError("no key id")
        body = cbor_decode(payload)
        if not (isinstance(body, list) and len(body) in (5, 6)):
            raise ValueError("claims shape")
        printed = len(body) == 6
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
            and len(signature) == 64
        ):
            raise ValueError("claim values")
        claims = CodeClaims(
            holder=holder.hex(),
            colour=CODE_COLOURS[colour],
            issued_at=datetime.fromtimestamp(iat, UTC),
            lifetime_minutes=lifetime,
            region=str(region),
            kind=KIND_PRINTED if printed else KIND_LIVE,
        )
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
    if claims.issued_at > now + CLOCK_SKEW:
        raise TokenError("not_yet_valid", "the code is issued in the future")
    if now >= claims.expires_at:
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
