"""Generate the published test vectors: ``python tests/vectors/generate.py``.

Like the EU ``dgc-testdata`` project, each file holds a token, the keys to
check it with, the moment to check it at, and the expected outcome of every
decoding step, so that any other verifier (a checkpoint app, a partner
region) can test itself against ours. The signing key is a *test* key,
derived from a fixed seed and published on purpose; Ed25519 signatures are
deterministic, so running this again rewrites identical files
(``tests/unit/test_vectors.py`` checks that, and that our verifier agrees).

The steps, in order, each true only if the ones before it are: ``prefix``
(``YM1:``), ``base45``, ``cbor`` (a COSE_Sign1 of our claims), ``key_known`` (a
key with the token's kid), ``signature`` (one such key verifies the Ed25519
signature), ``key_valid`` (that key may vouch for this code: it is its
region's, active, and the code was signed within its validity), ``time`` (the
code is within its lifetime at ``now``).

The venue codes (``YV1:``, the poster a place prints) are in ``venue/``, with
their own steps: ``prefix``, ``base45``, ``cbor``, ``region`` (the venue lies in
the checking ``region``), ``key_known``, ``signature``, ``key_valid`` (the key is
active). A venue code has no expiry; whether its generation is the venue's
current one needs the venue's record, so no vector can say. docs/token.md
describes both formats byte by byte.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from chalicelib.codes import token as hc  # noqa: E402
from chalicelib.colours.model import Colour  # noqa: E402
from chalicelib.kernel.signing import kid_for, raw_public  # noqa: E402
from chalicelib.venues import token as venue  # noqa: E402
from tests.keys import Ed25519Key  # noqa: E402

ISSUED = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
HOLDER = "8f3a2c71d4e05b96"
PRINTED_HOLDER = "3c9e51a07b2d84f6"  # a printed code's own random id, not the person's
PRINTED_DAYS = 30
VENUE = "610113-0a1b2c3d"  # a venue in 雁塔区, a district of Xi'an (610100)


def _key(label: str) -> Ed25519Key:
    return Ed25519Key(hashlib.sha256(label.encode()).digest())


KEY = _key("yima test vector key 1")
OTHER = _key("yima test vector key 2 (not published)")
PARTNER = _key("yima test vector key 3 (partner region 440100)")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def keys_document(
    *keys: Ed25519Key,
    not_after: datetime | None = None,
    region: str = "610100",
    not_before: datetime | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """``GET /v1/keys`` entries; with ``status``, ``GET /v1/trust-list`` entries (a
    partner's key, valid from ``not_before`` to ``not_after``, maybe revoked)."""
    entries: list[dict[str, Any]] = []
    for k in keys:
        entry: dict[str, Any] = {
            "kid": kid_for(raw_public(k)).hex(),
            "alg": "EdDSA",
            "public_key": base64.urlsafe_b64encode(raw_public(k)).rstrip(b"=").decode(),
            "region": region,
            "not_after": _iso(not_after),
        }
        if status is not None:
            entry |= {"not_before": _iso(not_before), "status": status}
        entries.append(entry)
    return {"keys": entries}


def token(
    key: Ed25519Key = KEY,
    *,
    colour: Colour = Colour.GREEN,
    issued: datetime = ISSUED,
    kid: bytes | None = None,
    region: str = "610100",
) -> str:
    claims = hc.CodeClaims(
        holder=HOLDER, colour=colour, issued_at=issued, lifetime_minutes=5, region=region
    )
    return hc.build(claims, kid=kid or kid_for(raw_public(key)), sign=key.sign)


def printed_token(key: Ed25519Key = KEY) -> str:
    """A printed code (纸质码): the sixth claim ``kind`` = 1, colour pending, 30 days."""
    claims = hc.CodeClaims(
        holder=PRINTED_HOLDER,
        colour=Colour.PENDING,
        issued_at=ISSUED,
        lifetime_minutes=PRINTED_DAYS * 24 * 60,
        region="610100",
        kind=hc.KIND_PRINTED,
    )
    return hc.build(claims, kid=kid_for(raw_public(key)), sign=key.sign)


def signed_claims(claims: list[object], key: Ed25519Key = KEY) -> str:
    """Any claims array, well signed: for claims ``build`` refuses to write."""
    protected = hc.cbor_encode(
        {hc.HEADER_ALG: hc.ALG_EDDSA, hc.HEADER_KID: kid_for(raw_public(key))}
    )
    payload = hc.cbor_encode(claims)
    signature = key.sign(hc.signing_input(protected, payload))
    return hc.PREFIX + hc.b45encode(hc.cbor_encode([protected, {}, payload, signature]))


def _flip_last_signature_bit(text: str, prefix: str = hc.PREFIX) -> str:
    raw = bytearray(hc.b45decode(text[len(prefix) :]))
    raw[-1] ^= 1
    return prefix + hc.b45encode(bytes(raw))


def _at(minutes: float) -> str:
    return (ISSUED + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def _expect(
    *,
    prefix: bool = True,
    base45: bool = True,
    cbor: bool = True,
    key: bool = True,
    signature: bool = True,
    key_valid: bool = True,
    time: bool = True,
    reason: str | None = None,
    colour: str = "green",
    region: str = "610100",
    printed: bool = False,
) -> dict[str, Any]:
    valid = reason is None
    if not signature:
        key_valid = False
    if not key_valid:
        time = False
    expected: dict[str, Any] = {
        "prefix": prefix,
        "base45": base45,
        "cbor": cbor,
        "key_known": key,
        "signature": signature,
        "key_valid": key_valid,
        "time": time,
        "valid": valid,
        "reason": reason,
    }
    if valid:
        expected["claims"] = {
            "holder": PRINTED_HOLDER if printed else HOLDER,
            "colour": colour,
            "region": region,
            "issued_at": _at(0),
            "expires_at": _at(PRINTED_DAYS * 24 * 60 if printed else 5),
            "kind": "printed" if printed else "live",
        }
    return expected


def vectors() -> dict[str, dict[str, Any]]:
    good = token()
    published = keys_document(KEY)
    partner = token(PARTNER, region="440100")
    partner_keys = keys_document(
        PARTNER,
        region="440100",
        not_before=ISSUED - timedelta(days=30),
        not_after=ISSUED + timedelta(days=335),
        status="active",
    )
    return {
        "01-valid": {
            "description": "a green code checked two minutes after issue",
            "token": good,
            "keys": published,
            "now": _at(2),
            "expected": _expect(),
        },
        "02-valid-red": {
            "description": "a red code",
            "token": token(colour=Colour.RED),
            "keys": published,
            "now": _at(1),
            "expected": _expect(colour="red"),
        },
        "03-bad-signature": {
            "description": "the last signature bit flipped",
            "token": _flip_last_signature_bit(good),
            "keys": published,
            "now": _at(2),
            "expected": _expect(signature=False, time=False, reason="bad_signature"),
        },
        "04-unknown-key": {
            "description": "signed by a key that is not published",
            "token": token(OTHER),
            "keys": published,
            "now": _at(2),
            "expected": _expect(key=False, signature=False, time=False, reason="unknown_key"),
        },
        "05-forged-kid": {
            "description": "another key signs but claims the published kid",
            "token": token(OTHER, kid=kid_for(raw_public(KEY))),
            "keys": published,
            "now": _at(2),
            "expected": _expect(signature=False, time=False, reason="bad_signature"),
        },
        "06-expired": {
            "description": "checked at issue + 5 minutes: exactly expired",
            "token": good,
            "keys": published,
            "now": _at(5),
            "expected": _expect(time=False, reason="expired"),
        },
        "07-not-yet-valid": {
            "description": "issued two minutes in the checker's future "
            "(more than the 60 s allowed skew)",
            "token": good,
            "keys": published,
            "now": _at(-2),
            "expected": _expect(time=False, reason="not_yet_valid"),
        },
        "08-truncated": {
            "description": "the last 8 characters (5 bytes) cut off",
            "token": good[:-8],
            "keys": published,
            "now": _at(2),
            "expected": _expect(
                base45=True, cbor=False, key=False, signature=False, time=False, reason="malformed"
            ),
        },
        "09-wrong-prefix": {
            "description": "an EU DCC prefix",
            "token": "HC1:" + good[len(hc.PREFIX) :],
            "keys": published,
            "now": _at(2),
            "expected": _expect(
                prefix=False,
                base45=False,
                cbor=False,
                key=False,
                signature=False,
                time=False,
                reason="wrong_prefix",
            ),
        },
        "10-not-base45": {
            "description": "a lower-case letter is not base45",
            "token": good[:20] + "a" + good[21:],
            "keys": published,
            "now": _at(2),
            "expected": _expect(
                base45=False, cbor=False, key=False, signature=False, time=False, reason="malformed"
            ),
        },
        "11-retired-key": {
            "description": "signed after its key's not_after",
            "token": good,
            "keys": keys_document(KEY, not_after=ISSUED - timedelta(minutes=1)),
            "now": _at(2),
            "expected": _expect(key_valid=False, reason="key_expired"),
        },
        # Mutual recognition: a partner region's code checked with a saved trust list.
        "12-partner-valid": {
            "description": "a partner region's (440100) code, its key on the trust list",
            "token": partner,
            "keys": partner_keys,
            "now": _at(2),
            "expected": _expect(region="440100"),
        },
        "13-partner-revoked-key": {
            "description": "the partner's key is marked revoked on the trust list",
            "token": partner,
            "keys": keys_document(
                PARTNER,
                region="440100",
                not_before=ISSUED - timedelta(days=30),
                not_after=ISSUED + timedelta(days=335),
                status="revoked",
            ),
            "now": _at(2),
            "expected": _expect(key_valid=False, reason="revoked_key"),
        },
        "14-partner-key-expired": {
            "description": "signed after the partner key's not_after",
            "token": partner,
            "keys": keys_document(
                PARTNER,
                region="440100",
                not_before=ISSUED - timedelta(days=365),
                not_after=ISSUED - timedelta(days=1),
                status="active",
            ),
            "now": _at(2),
            "expected": _expect(key_valid=False, reason="key_expired"),
        },
        "15-partner-key-not-yet-valid": {
            "description": "signed before the partner key's not_before",
            "token": partner,
            "keys": keys_document(
                PARTNER,
                region="440100",
                not_before=ISSUED + timedelta(days=1),
                not_after=ISSUED + timedelta(days=365),
                status="active",
            ),
            "now": _at(2),
            "expected": _expect(key_valid=False, reason="key_not_yet_valid"),
        },
        "16-partner-region-mismatch": {
            "description": "a partner's key signs a code that names another region: the "
            "signature verifies, but a 440100 key is not valid for a 310100 code (the "
            "verifier answers bad_signature, as for a forgery)",
            "token": token(PARTNER, region="310100"),
            "keys": partner_keys,
            "now": _at(2),
            "expected": _expect(key_valid=False, reason="bad_signature"),
        },
        # Every colour number (0 green, 1 pending, 2 yellow, 3 red) in a valid code.
        "17-valid-pending": {
            "description": "a pending code (colour 1: declared, not yet decided)",
            "token": token(colour=Colour.PENDING),
            "keys": published,
            "now": _at(2),
            "expected": _expect(colour="pending"),
        },
        "18-valid-yellow": {
            "description": "a yellow code (colour 2)",
            "token": token(colour=Colour.YELLOW),
            "keys": published,
            "now": _at(2),
            "expected": _expect(colour="yellow"),
        },
        # The printed code (纸质码): six claims, the sixth kind = 1, always pending.
        "19-printed-valid": {
            "description": "a printed code (kind 1), checked ten days after issue: valid for "
            "30 days (43,200 minutes); colour 1 (pending) always, so a checkpoint takes the "
            "colour online",
            "token": printed_token(),
            "keys": published,
            "now": _at(10 * 24 * 60),
            "expected": _expect(colour="pending", printed=True),
        },
        "20-printed-expired": {
            "description": "the printed code checked at issue + 30 days: exactly expired",
            "token": printed_token(),
            "keys": published,
            "now": _at(PRINTED_DAYS * 24 * 60),
            "expected": _expect(time=False, reason="expired"),
        },
        "21-printed-with-a-colour": {
            "description": "a well-signed printed code (kind 1) that claims green: a printed "
            "code never carries a colour, so its claims are malformed",
            "token": signed_claims(
                [bytes.fromhex(PRINTED_HOLDER), 0, int(ISSUED.timestamp()), 43200, 610100, 1]
            ),
            "keys": published,
            "now": _at(2),
            "expected": _expect(cbor=False, key=False, signature=False, reason="malformed"),
        },
        "22-live-lifetime-too-long": {
            "description": "a well-signed live code (five claims) living 24 minutes: a live "
            "code lives 1..23 minutes, so its claims are malformed",
            "token": signed_claims([bytes.fromhex(HOLDER), 0, int(ISSUED.timestamp()), 24, 610100]),
            "keys": published,
            "now": _at(2),
            "expected": _expect(cbor=False, key=False, signature=False, reason="malformed"),
        },
        "23-unknown-kind": {
            "description": "a well-signed code with a sixth claim kind = 2, which no verifier "
            "knows: malformed",
            "token": signed_claims(
                [bytes.fromhex(PRINTED_HOLDER), 1, int(ISSUED.timestamp()), 5, 610100, 2]
            ),
            "keys": published,
            "now": _at(2),
            "expected": _expect(cbor=False, key=False, signature=False, reason="malformed"),
        },
    }


# --- venue codes (YV1:), in venue/ ------------------------------------------------------


def venue_token(
    key: Ed25519Key = KEY,
    *,
    venue_id: str = VENUE,
    generation: int = 1,
    kid: bytes | None = None,
) -> str:
    claims = venue.VenueClaims(
        venue_id=venue_id, region=venue_id[:6], generation=generation, issued_at=ISSUED
    )
    return venue.build(claims, kid=kid or kid_for(raw_public(key)), sign=key.sign)


def _swap_venue_payload(text: str, claims: list[object]) -> str:
    """The same protected header and signature around other claims: a tampered poster."""
    protected, unprotected, _payload, signature = hc.cbor_decode(
        hc.b45decode(text[len(venue.PREFIX) :])
    )  # type: ignore[misc]
    return venue.PREFIX + hc.b45encode(
        hc.cbor_encode([protected, unprotected, hc.cbor_encode(claims), signature])
    )


def _venue_expect(
    *,
    prefix: bool = True,
    base45: bool = True,
    cbor: bool = True,
    region: bool = True,
    key: bool = True,
    signature: bool = True,
    key_valid: bool = True,
    reason: str | None = None,
    venue_id: str = VENUE,
    generation: int = 1,
) -> dict[str, Any]:
    steps = {
        "prefix": prefix,
        "base45": base45,
        "cbor": cbor,
        "region": region,
        "key_known": key,
        "signature": signature,
        "key_valid": key_valid,
    }
    for name, previous in zip(list(steps)[1:], list(steps), strict=False):
        steps[name] = steps[name] and steps[previous]
    expected: dict[str, Any] = {**steps, "valid": reason is None, "reason": reason}
    if reason is None:
        expected["claims"] = {
            "venue_id": venue_id,
            "region": venue_id[:6],
            "generation": generation,
            "issued_at": _at(0),
        }
    return expected


def venue_vectors() -> dict[str, dict[str, Any]]:
    good = venue_token()
    published = keys_document(KEY)
    local = bytes.fromhex(VENUE[7:])
    return {
        "01-valid": {
            "description": "a venue in 610113 (雁塔区) checked by a 610100 (Xi'an) checkpoint",
            "token": good,
            "keys": published,
            "region": "610100",
            "expected": _venue_expect(),
        },
        "02-valid-reissued": {
            "description": "the same venue's poster reissued (generation 2): valid here; the "
            "check-in also refuses any generation but the venue's current one",
            "token": venue_token(generation=2),
            "keys": published,
            "region": "610113",
            "expected": _venue_expect(generation=2),
        },
        "03-bad-signature": {
            "description": "the last signature bit flipped",
            "token": _flip_last_signature_bit(good, venue.PREFIX),
            "keys": published,
            "region": "610100",
            "expected": _venue_expect(signature=False, reason="bad_signature"),
        },
        "04-tampered-generation": {
            "description": "generation 1's signature around claims that say generation 2 "
            "(a taken-down poster passed off as the current one)",
            "token": _swap_venue_payload(good, [local, 610113, 2, int(ISSUED.timestamp())]),
            "keys": published,
            "region": "610100",
            "expected": _venue_expect(signature=False, reason="bad_signature"),
        },
        "05-tampered-venue": {
            "description": "the signature of one venue around another venue's id",
            "token": _swap_venue_payload(
                good, [bytes.fromhex("0a1b2c3e"), 610113, 1, int(ISSUED.timestamp())]
            ),
            "keys": published,
            "region": "610100",
            "expected": _venue_expect(signature=False, reason="bad_signature"),
        },
        "06-foreign-region": {
            "description": "a venue of 440305 (Shenzhen) scanned in 610100: its own region "
            "records the visit (checked before the key)",
            "token": venue_token(venue_id="440305-01020304"),
            "keys": published,
            "region": "610100",
            "expected": _venue_expect(region=False, reason="foreign_region"),
        },
        "07-unknown-key": {
            "description": "signed by a key that is not published",
            "token": venue_token(OTHER),
            "keys": published,
            "region": "610100",
            "expected": _venue_expect(key=False, reason="unknown_key"),
        },
        "08-forged-kid": {
            "description": "another key signs but claims the published kid",
            "token": venue_token(OTHER, kid=kid_for(raw_public(KEY))),
            "keys": published,
            "region": "610100",
            "expected": _venue_expect(signature=False, reason="bad_signature"),
        },
        "09-revoked-key": {
            "description": "its key is marked revoked (a trust-list entry)",
            "token": good,
            "keys": keys_document(
                KEY,
                not_before=ISSUED - timedelta(days=30),
                not_after=ISSUED + timedelta(days=335),
                status="revoked",
            ),
            "region": "610100",
            "expected": _venue_expect(key_valid=False, reason="revoked_key"),
        },
        "10-health-code-prefix": {
            "description": "a venue code's body behind the health code's prefix YM1:",
            "token": hc.PREFIX + good[len(venue.PREFIX) :],
            "keys": published,
            "region": "610100",
            "expected": _venue_expect(prefix=False, reason="wrong_prefix"),
        },
        "11-truncated": {
            "description": "the last 9 characters (6 bytes) cut off: good base45, short CBOR",
            "token": good[:-9],
            "keys": published,
            "region": "610100",
            "expected": _venue_expect(cbor=False, reason="malformed"),
        },
        "12-health-code-claims": {
            "description": "a health code's body (five claims) behind YV1:, well signed: "
            "not a venue's claims, malformed",
            "token": venue.PREFIX + token()[len(hc.PREFIX) :],
            "keys": published,
            "region": "610100",
            "expected": _venue_expect(cbor=False, reason="malformed"),
        },
    }


def render(vector: dict[str, Any]) -> str:
    return json.dumps(vector, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    for name, vector in vectors().items():
        (HERE / f"{name}.json").write_text(render(vector))
    (HERE / "venue").mkdir(exist_ok=True)
    for name, vector in venue_vectors().items():
        (HERE / "venue" / f"{name}.json").write_text(render(vector))
    return 0


if __name__ == "__main__":
    sys.exit(main())
