"""The printed kind of code (纸质码): its own claim, no colour, up to 30 days, QR <= 7."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.codes.token import (
    KIND_PRINTED,
    CodeClaims,
    TokenError,
    b45decode,
    b45encode,
    build,
    cbor_decode,
    cbor_encode,
    parse,
    signing_input,
    verify,
)
from chalicelib.colours.model import Colour
from chalicelib.kernel import qr
from chalicelib.kernel.keys import PublicKey
from chalicelib.kernel.signing import ed25519_verify, kid_for, raw_public
from chalicelib.people.rules import automatic_outcome, printed_expiry
from tests.keys import Ed25519Key

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
KEY = Ed25519Key.generate()
KID = kid_for(raw_public(KEY))
KEYS = [PublicKey(kid=KID, key=raw_public(KEY), region="610100")]


def printed(minutes: int = 30 * 24 * 60, colour: Colour = Colour.PENDING) -> CodeClaims:
    return CodeClaims("0123456789abcdef", colour, NOW, minutes, "610100", kind=KIND_PRINTED)


def _resign(payload: list[object]) -> str:
    """A token with these claims, correctly signed: only the claim checks can refuse it."""
    protected = cbor_encode({1: -8, 4: KID})
    body = cbor_encode(payload)
    signature = KEY.sign(signing_input(protected, body))
    return "YM1:" + b45encode(cbor_encode([protected, {}, body, signature]))


def test_a_printed_code_round_trips_with_its_kind_and_fits_qr_version_7():
    token = build(printed(), kid=KID, sign=KEY.sign)

    verified = verify(token, KEYS, now=NOW + timedelta(days=29), verifier=ed25519_verify)

    assert verified.claims.kind == "printed" and verified.claims.colour == Colour.PENDING
    assert qr.version(token) <= 7
    with pytest.raises(TokenError, match="expired"):
        verify(token, KEYS, now=NOW + timedelta(days=30), verifier=ed25519_verify)


def test_a_live_code_keeps_five_claims():
    token = build(
        CodeClaims("0123456789abcdef", Colour.GREEN, NOW, 5, "610100"), kid=KID, sign=KEY.sign
    )
    payload = cbor_decode(cbor_decode(b45decode(token[4:]))[2])  # type: ignore[index]

    assert isinstance(payload, list) and len(payload) == 5
    assert parse(token).claims.kind == "live"


@pytest.mark.parametrize(
    "claims",
    [
        # a live code may not live for days; a printed one may not carry a colour,
        # nor live past 30 days; an unknown kind is refused
        [bytes(8), 0, int(NOW.timestamp()), 24 * 60, 610100],
        [bytes(8), 0, int(NOW.timestamp()), 24 * 60, 610100, 1],
        [bytes(8), 1, int(NOW.timestamp()), 30 * 24 * 60 + 1, 610100, 1],
        [bytes(8), 1, int(NOW.timestamp()), 60, 610100, 2],
    ],
)
def test_a_code_that_mixes_the_kinds_is_malformed(claims):
    with pytest.raises(TokenError) as caught:
        verify(_resign(claims), KEYS, now=NOW, verifier=ed25519_verify)

    assert caught.value.reason == "malformed"


def test_building_a_coloured_or_too_long_printed_code_is_refused():
    with pytest.raises(ValueError):
        build(printed(colour=Colour.GREEN), kid=KID, sign=KEY.sign)
    with pytest.raises(ValueError):
        build(printed(minutes=30 * 24 * 60 + 1), kid=KID, sign=KEY.sign)


@given(st.integers(1, 30))
def test_a_printed_code_lives_its_days(days):
    assert printed_expiry(NOW, days) - NOW == timedelta(days=days)


@given(st.booleans(), st.booleans())
def test_only_one_vouched_side_decides_a_dispute_by_itself(claimant, holder):
    outcome = automatic_outcome(claimant_vouched=claimant, holder_vouched=holder)

    assert outcome == (
        "move" if claimant and not holder else "keep" if holder and not claimant else None
    )
