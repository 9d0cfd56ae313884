"""The token's building blocks: base45 (RFC 9285), the CBOR subset, and parsing garbage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.codes import token as hc
from chalicelib.colours.model import Colour


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


# --- the hand-written codecs against the libraries of the field ------------------------


@given(st.binary(max_size=200))
def test_base45_agrees_with_the_base45_package(data):
    import base45

    assert hc.b45encode(data) == base45.b45encode(data).decode()
    assert hc.b45decode(base45.b45encode(data).decode()) == data


@given(st.text(alphabet=hc._B45 + "abc\u00e9\n", max_size=40))
def test_base45_refuses_exactly_what_the_base45_package_refuses(text):
    import base45

    try:
        expected: bytes | None = base45.b45decode(text)
    except ValueError:
        expected = None
    if text.endswith("\n"):
        expected = None  # the package strips a trailing newline; a token never has one
    try:
        got: bytes | None = hc.b45decode(text)
    except ValueError:
        got = None
    assert got == expected


@given(cbor_values)
def test_cbor_agrees_with_cbor2(value):
    import cbor2

    assert hc.cbor_encode(value) == cbor2.dumps(value)
    assert cbor2.loads(hc.cbor_encode(value)) == value


@given(cbor_values)
def test_cbor_reads_what_cbor2_writes_in_the_subset(value):
    import cbor2

    try:
        decoded = hc.cbor_decode(cbor2.dumps(value))
    except ValueError:
        return  # deeper or longer than the subset allows: refused, never misread
    assert decoded == value


@pytest.mark.parametrize(
    "data",
    [
        "c11a6a4b3c00",  # tag 1, an epoch time
        "c249ffffffffffffffffff",  # tag 2, a bignum
        "d8236328282a",  # tag 35, a regular expression
        "f93c00",  # a half float
        "f5",  # true
        "f6",  # null
        "9f01ff",  # an indefinite-length array
        "a20100" + "0101",  # a map with the key 1 twice
    ],
)
def test_cbor_outside_the_subset_is_refused(data):
    with pytest.raises(ValueError):
        hc.cbor_decode(bytes.fromhex(data))


# --- RFC 9052: headers, crit, the COSE_Sign1 tag ---------------------------------------

CLAIMS = hc.CodeClaims(
    holder="8f3a2c71d4e05b96",
    colour=Colour.GREEN,
    issued_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
    lifetime_minutes=5,
    region="610100",
)
KID = b"\x00\x01"
SIGNATURE = b"\x07" * 64


def _token(protected: bytes, unprotected: object = None, *, tag: bytes = b"") -> str:
    payload = hc.cbor_encode(hc._claims_array(CLAIMS))
    outer = hc.cbor_encode([protected, unprotected or {}, payload, SIGNATURE])
    return hc.PREFIX + hc.b45encode(tag + outer)


def _malformed(token: str) -> str:
    with pytest.raises(hc.TokenError) as caught:
        hc.parse(token)
    assert caught.value.reason == "malformed"
    return str(caught.value)


def test_the_plain_header_parses():
    parsed = hc.parse(_token(hc.cbor_encode({1: hc.ALG_EDDSA, 4: KID})))

    assert (parsed.kid, parsed.claims) == (KID, CLAIMS)


def test_a_header_label_given_twice_is_malformed():
    # {1: -8, 4: kid, 4: other kid}: the map says three entries and repeats the kid
    protected = bytes.fromhex("a3012704420001") + bytes.fromhex("04420002")

    assert "duplicate" in _malformed(_token(protected))


def test_the_alg_given_twice_is_malformed_even_with_the_same_value():
    protected = bytes.fromhex("a301270127") + bytes.fromhex("04420001")

    _malformed(_token(protected))


@pytest.mark.parametrize("label", [99, -70000, "x-policy", 3])
def test_a_critical_label_we_do_not_understand_is_malformed(label):
    protected = hc.cbor_encode({1: hc.ALG_EDDSA, 2: [label], 4: KID, label: 1})

    assert "critical" in _malformed(_token(protected))


def test_critical_labels_we_understand_are_accepted():
    protected = hc.cbor_encode({1: hc.ALG_EDDSA, 2: [1, 4], 4: KID})

    assert hc.parse(_token(protected)).kid == KID


@pytest.mark.parametrize(
    "crit",
    [[], 4, "1", [[1]], [5]],  # empty, not an array, a label not in the header
    ids=["empty", "int", "text", "nested", "absent-label"],
)
def test_a_crit_that_is_not_a_list_of_present_labels_is_malformed(crit):
    _malformed(_token(hc.cbor_encode({1: hc.ALG_EDDSA, 2: crit, 4: KID})))


def test_crit_in_the_unprotected_header_is_malformed():
    _malformed(_token(hc.cbor_encode({1: hc.ALG_EDDSA, 4: KID}), {2: [99], 99: 1}))


def test_a_label_in_both_headers_is_malformed():
    _malformed(_token(hc.cbor_encode({1: hc.ALG_EDDSA, 4: KID}), {4: b"\x00\x02"}))


def test_unknown_labels_that_are_not_critical_are_ignored():
    protected = hc.cbor_encode({1: hc.ALG_EDDSA, 4: KID, 99: "hint"})

    assert hc.parse(_token(protected, {98: 1})).kid == KID


def test_the_cose_sign1_tag_is_accepted_and_changes_nothing_signed():
    protected = hc.cbor_encode({1: hc.ALG_EDDSA, 4: KID})
    untagged, tagged = hc.parse(_token(protected)), hc.parse(_token(protected, tag=b"\xd2"))

    assert tagged == untagged  # same protected header, payload and signature: same check


@pytest.mark.parametrize(
    "tag",
    [b"\xd8\x12", b"\xd1", b"\xd2\xd2", b"\xd8\x3d"],  # long form of 18, Mac0, twice, CWT 61
    ids=["tag-18-long-form", "tag-17", "tag-18-twice", "cwt-tag-61"],
)
def test_other_tags_are_malformed(tag):
    _malformed(_token(hc.cbor_encode({1: hc.ALG_EDDSA, 4: KID}), tag=tag))


@given(st.binary(max_size=160))
def test_any_bytes_after_a_tag_parse_or_are_malformed(data):
    try:
        hc.parse(hc.PREFIX + hc.b45encode(b"\xd2" + data))
    except hc.TokenError as exc:
        assert exc.reason == "malformed"


def test_the_signing_input_is_the_rfc_9052_sig_structure():
    import cbor2

    protected, payload = hc.cbor_encode({1: -8, 4: KID}), b"\x01" * 30

    assert hc.signing_input(protected, payload) == cbor2.dumps(
        ["Signature1", protected, b"", payload]
    )


# --- the fast paths read exactly what the general decoder reads ---------------------------


def _general_envelope(raw: bytes) -> tuple[bytes, bytes, bytes] | None:
    try:
        outer = hc.cbor_decode(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not (isinstance(outer, list) and len(outer) == 4):
        return None
    protected, unprotected, payload, signature = outer
    if not (
        isinstance(protected, bytes)
        and unprotected == {}
        and isinstance(payload, bytes)
        and isinstance(signature, bytes)
        and len(signature) == 64
    ):
        return None
    return protected, payload, signature


def _built(claims: hc.CodeClaims, kid: bytes) -> bytes:
    return hc.b45decode(hc.build(claims, kid=kid, sign=lambda m: b"\x07" * 64)[len(hc.PREFIX) :])


LIVE = st.builds(
    hc.CodeClaims,
    holder=st.binary(min_size=8, max_size=8).map(bytes.hex),
    colour=st.sampled_from(list(Colour)),
    issued_at=st.integers(0, 2**32 - 1).map(lambda t: datetime.fromtimestamp(t, UTC)),
    lifetime_minutes=st.integers(1, 23),
    region=st.integers(100000, 999999).map(str),
)


def _mutations(raw: bytes) -> st.SearchStrategy[bytes]:
    def mutate(draw_pos: int, value: int) -> bytes:
        out = bytearray(raw)
        out[draw_pos % len(out)] = value
        return bytes(out)

    return st.one_of(
        st.just(raw),
        st.builds(mutate, st.integers(0, 10_000), st.integers(0, 255)),
        st.integers(0, len(raw)).map(lambda n: raw[:n]),
        st.binary(max_size=4).map(lambda extra: raw + extra),
    )


@given(st.data(), LIVE, st.binary(min_size=1, max_size=20))
def test_the_fast_envelope_agrees_with_the_general_decoder(data, claims, kid):
    raw = data.draw(_mutations(_built(claims, kid)))

    fast = hc._fast_envelope(raw)

    assert fast is None or fast == _general_envelope(raw)


@given(st.data(), LIVE)
def test_the_fast_claims_agree_with_the_general_decoder(data, claims):
    payload = data.draw(_mutations(hc.cbor_encode(hc._claims_array(claims))))

    fast = hc._fast_claims(payload)

    if fast is not None:
        assert fast == hc.cbor_decode(payload)


@given(LIVE, st.binary(min_size=1, max_size=18))  # a kid past 18 bytes: a longer header
def test_what_build_writes_takes_the_fast_path(claims, kid):
    raw = _built(claims, kid)
    envelope = hc._fast_envelope(raw)

    assert envelope is not None
    assert hc._fast_claims(envelope[1]) is not None or claims.issued_at.timestamp() < 2**16
