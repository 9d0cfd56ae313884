"""The venue token printed on a venue's poster (场所码): signed, verifiable offline.

Layout, the health code's (``chalicelib/codes/token.py``) with its own
prefix and claims::

    "YV1:" + base45( CBOR [ protected, unprotected, payload, signature ] )

    protected   = bstr( CBOR {1: -8 (EdDSA), 4: kid} )
    payload     = bstr( CBOR [venue, region, generation, iat] )
    signature   = Ed25519 over CBOR ["Signature1", protected, h'', payload]

``venue`` is the 4 random bytes of the venue id (``<region>-<8 hex>``),
``region`` the venue's district (a division code), ``generation`` counts the
reissues: reissuing signs the next generation and the check-in refuses any
other, so a poster that was taken down stops working. A poster lives for
months, so the token carries no expiry; it names no person.

It is signed with the health-code keys (``GET /v1/keys``), so a scanner that
verifies codes offline verifies venue tokens with the same cache. The envelope
is opened by the health code's own parser (``healthcode.open_sign1``: base45,
the COSE_Sign1 structure and its RFC 9052 header rules, one copy for both
kinds); this module checks the venue's claims. It is pure: the signature check
is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.codes.token import (
    ALG_EDDSA,
    TokenError,
    Verifier,
    b45encode,
    cbor_encode,
    open_sign1,
    signing_input,
)
from chalicelib.kernel.keys import PublicKey

PREFIX = "YV1:"
VENUE_BYTES = 4
MAX_GENERATION = 1 << 31
VENUE_ID = re.compile(r"^(\d{6})-([0-9a-f]{8})$")


@dataclass(frozen=True)
class VenueClaims:
    venue_id: str  # "<district>-<8 hex>"
    region: str  # the venue's district code
    generation: int  # 1 at registration, +1 at each reissue
    issued_at: datetime


def venue_id(region: str, local: bytes) -> str:
    return f"{region}-{local.hex()}"


def build(claims: VenueClaims, *, kid: bytes, sign: Callable[[bytes], bytes]) -> str:
    match = VENUE_ID.match(claims.venue_id)
    if match is None or match.group(1) != claims.region:
        raise ValueError("venue id must be <region>-<8 hex> of the venue's region")
    if not 1 <= claims.generation < MAX_GENERATION:
        raise ValueError("generation out of range")
    protected = cbor_encode({1: ALG_EDDSA, 4: kid})
    payload = cbor_encode(
        [
            bytes.fromhex(match.group(2)),
            int(claims.region),
            claims.generation,
            int(claims.issued_at.timestamp()),
        ]
    )
    signature = sign(signing_input(protected, payload))
    return PREFIX + b45encode(cbor_encode([protected, {}, payload, signature]))


@dataclass(frozen=True)
class ParsedVenue:
    kid: bytes
    protected: bytes
    payload: bytes
    signature: bytes
    claims: VenueClaims


def parse(token: object) -> ParsedVenue:
    """Every structural step; TokenError(wrong_prefix | malformed)."""
    if not isinstance(token, str) or not token.startswith(PREFIX):
        raise TokenError("wrong_prefix", f"a venue code starts with {PREFIX}")
    try:
        kid, protected, payload, signature, body = open_sign1(token[len(PREFIX) :])
        if not (isinstance(body, list) and len(body) == 4):
            raise ValueError("claims shape")
        local, region, generation, iat = body
        if not (
            isinstance(local, bytes)
            and len(local) == VENUE_BYTES
            and isinstance(region, int)
            and 100000 <= region <= 999999
            and isinstance(generation, int)
            and 1 <= generation < MAX_GENERATION
            and isinstance(iat, int)
            and 0 <= iat < 1 << 40
        ):
            raise ValueError("claim values")
        claims = VenueClaims(
            venue_id=venue_id(str(region), local),
            region=str(region),
            generation=generation,
            issued_at=datetime.fromtimestamp(iat, UTC),
        )
    except (ValueError, UnicodeDecodeError, OverflowError, OSError) as exc:
        raise TokenError("malformed", f"the venue code cannot be read: {exc}") from None
    return ParsedVenue(
        kid=kid, protected=protected, payload=payload, signature=signature, claims=claims
    )


def verify(
    token: object, keys: Iterable[PublicKey], *, region: str, verifier: Verifier
) -> VenueClaims:
    """Parse, check the venue lies in our ``region``, find the key, check the signature.

    TokenError in this order: wrong_prefix, malformed, foreign_region (a venue of
    another region: its own region's system records the visit), unknown_key,
    bad_signature, revoked_key. Whether the generation is the venue's current one
    needs the venue, which the service reads.
    """
    parsed = parse(token)
    if not inside(parsed.claims.region, region):
        raise TokenError("foreign_region", "the venue code belongs to another region")
    candidates = [k for k in keys if k.kid == parsed.kid]
    if not candidates:
        raise TokenError("unknown_key", "the venue code was signed by a key we do not know")
    message = signing_input(parsed.protected, parsed.payload)
    key = next((k for k in candidates if verifier(k.key, message, parsed.signature)), None)
    if key is None:
        raise TokenError("bad_signature", "the venue code's signature does not verify")
    if key.status != "active":
        raise TokenError("revoked_key", "the venue code's key is revoked")
    return parsed.claims


def inside(district: str, region: str) -> bool:
    """A district lies inside the issuing region: a province ``xx0000`` holds ``xx....``,
    a city ``xxyy00`` holds ``xxyy..``."""
    if region.endswith("0000"):
        return district[:2] == region[:2]
    if region.endswith("00"):
        return district[:4] == region[:4]
    return district == region
