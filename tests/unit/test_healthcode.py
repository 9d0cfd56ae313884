"""The token's building blocks: base45 (RFC 9285), the CBOR subset, and parsing garbage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import healthcode as hc
from chalicelib.domain.colour import Colour


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"AB", "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"ietf!", "QED8WEX0"),
        (b"", ""),
    ],
)
def test_base45_matches_rfc_9285(raw, text):
    assert hc.b45encode(raw) == text
    assert hc.b45decode(text) == raw


@given(st.binary(max_size=200))
def test_base45_round_trips(data):
    assert hc.b45decode(hc.b45encode(data)) == data


@pytest.mark.parametrize("text", ["GGW", "ZZZZ", "a", "::"])
def test_base45_refuses_bad_input(text):
    with pytest.raises(ValueError):
        hc.b45decode(text)


cbor_values = st.recursive(
    st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.binary(max_size=40)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.integers(-100, 100) | st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=15,
)


@given(cbor_values)
def test_cbor_round_trips(value):
    assert hc.cbor_decode(hc.cbor_encode(value)) == value


def test_cbor_is_canonical_for_the_header():
    assert hc.cbor_encode({1: -8, 4: b"\xab\xcd"}) == bytes.fromhex("a201270442abcd")


@given(st.text(max_size=300))
def test_any_text_parses_or_is_a_token_error(text):
    try:
        hc.parse(text)
    except hc.TokenError as exc:
        assert exc.reason in ("wrong_prefix", "malformed")


@given(st.binary(max_size=160))
def test_any_bytes_after_the_prefix_parse_or_are_malformed(data):
    try:
        hc.parse(hc.PREFIX + hc.b45encode(data))
    except hc.TokenError as exc:
        assert exc.reason == "malformed"


def test_build_refuses_lifetimes_that_would_grow_the_qr():
    claims = hc.CodeClaims(
        holder="00" * 8,
        colour=Colour.GREEN,
        issued_at=datetime(2026, 11, 20, tzinfo=UTC),
        lifetime_minutes=24,
        region="610100",
    )
    with pytest.raises(ValueError):
        hc.build(claims, kid=b"\x00\x01", sign=lambda m: b"\x00" * 64)


@pytest.mark.parametrize("colour", [[0], {1: 2}, b"\x00", "green"])
def test_a_colour_of_another_cbor_type_is_malformed(colour):
    protected = hc.cbor_encode({1: hc.ALG_EDDSA, 4: b"\x00\x01"})
    payload = hc.cbor_encode([b"\x00" * 8, colour, 1795000000, 5, 610100])
    token = hc.PREFIX + hc.b45encode(hc.cbor_encode([protected, {}, payload, b"\x00" * 64]))

    with pytest.raises(hc.TokenError) as caught:
        hc.parse(token)
    assert caught.value.reason == "malformed"
