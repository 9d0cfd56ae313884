"""Every parser of client input, fed arbitrary input: a value or a domain error, nothing else.

Each parser that sees what a client (or a carrier, a feed, a checkpoint's
scanner) sends is given structured garbage: wrong types, huge and negative
numbers, infinities, unicode (lone surrogates included), nested junk, and
near misses built from valid values. The property is the same everywhere:
the parser returns a value, or raises the domain's own error
(``InvalidInput``, ``Unauthenticated``, ``TokenError``) which the web layer
maps to a 4xx; any other exception would be a 500. Where a parser returns a
value, the value is checked too (normalised, in range, idempotent).

The cases already covered elsewhere are not repeated here: base45 and CBOR
round trips and unsigned garbage tokens (``test_healthcode.py``), unsigned
session-token text (``test_session_tokens.py``), the schema validator on one
schema (``test_schema.py``), ten-character phone text (``test_pii_and_secrets.py``).
"""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chalicelib.codes import token as hc
from chalicelib.colours.model import Colour, RiskArea
from chalicelib.declarations.schemas import DECLARE
from chalicelib.itinerary.rules import CardPolicy, parse_stays, parse_time
from chalicelib.kernel import session
from chalicelib.kernel.errors import InvalidInput, Unauthenticated
from chalicelib.kernel.http import parse_json
from chalicelib.kernel.phone import parse_mobile
from chalicelib.kernel.reference_data import divisions, is_country, parse_id_number
from chalicelib.kernel.roles import Role
from chalicelib.kernel.schema import validate
from chalicelib.kernel.signing import ed25519_verify, kid_for, raw_public
from chalicelib.risk.rules import Snapshot, parse_feed
from tests.helpers import make_id_number

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
DIVISIONS = divisions()
# `make fuzz` raises YIMA_FUZZ_EXAMPLES (the API fuzz's budget); the parsers take ten times it.
EXAMPLES = 10 * int(os.environ.get("YIMA_FUZZ_EXAMPLES", "10"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- structured garbage -------------------------------------------------------------

any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)  # surrogates too
huge = st.integers(min_value=-(2**200), max_value=2**200)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    huge,
    st.floats(),  # nan and the infinities included
    any_text,
    st.binary(max_size=20),
)
garbage = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(any_text | st.integers(), children, max_size=4)
    ),
    max_leaves=20,
)
json_garbage = st.recursive(
    st.none() | st.booleans() | huge | st.floats(allow_nan=False) | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=20,
)


def sometimes(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's value: valid, or garbage of any type."""
    return st.one_of(valid, valid, garbage)


# --- ID numbers ---------------------------------------------------------------------

id_like = st.text(alphabet="0123456789Xx -", min_size=14, max_size=21)
real_ids = st.builds(
    lambda region, born, serial: make_id_number(f"{region}{born:%Y%m%d}{serial:03d}"),
    st.sampled_from(["610113", "110101", "310115", "999999", "000000", "610100"]),
    st.dates(min_value=date(1800, 1, 1), max_value=date(2100, 12, 31)),
    st.integers(0, 999),
)


@st.composite
def near_ids(draw: st.DrawFn) -> str:
    number = draw(real_ids)
    index = draw(st.integers(0, len(number) - 1))
    other = draw(st.characters(codec=None, exclude_categories=()))
    return number[:index] + other + number[index + 1 :]


@FUZZ
@given(st.one_of(garbage, id_like, real_ids, near_ids()))
def test_id_numbers_parse_or_are_invalid_input(raw):
    try:
        number = parse_id_number(raw, today=TODAY)
    except InvalidInput as exc:
        assert exc.field == "id_number"
        return
    assert len(number) == 18 and number[:17].isascii() and number[:17].isdigit()
    assert number[17] in "0123456789X"
    assert parse_id_number(number, today=TODAY) == number  # normalised: idempotent


# --- division codes -----------------------------------------------------------------

codes = st.one_of(
    st.sampled_from(["610100", "610113", "610000", "110100", "610101", "999999", "429004"]),
    st.from_regex(r"\A[0-9]{6}\Z"),
    st.text(st.characters(categories=["Nd"]), min_size=6, max_size=6),  # other scripts' digits
)


@FUZZ
@given(st.one_of(garbage, codes), st.booleans())
def test_division_codes_parse_or_are_invalid_input(raw, city_only):
    try:
        code = DIVISIONS.parse_region(raw, field="where", city_only=city_only)
    except InvalidInput as exc:
        assert exc.field == "where"
        return
    division = DIVISIONS.get(code)
    assert division is not None and not division.is_province
    assert not city_only or division.is_city
    assert DIVISIONS.display_name(code)


names = st.sampled_from(
    ["陕西省", "西安市", "雁塔区", "上海市", "浦东新区", "湖北省", "仙桃市", ""]
)


@FUZZ
@given(*[st.one_of(names, any_text, names.map(lambda n: f" {n}\t"))] * 3)
def test_division_names_resolve_to_a_code_or_none(province, city, county):
    code = DIVISIONS.resolve(province, city, county)

    assert code is None or DIVISIONS.get(code) is not None


# --- phones -------------------------------------------------------------------------

phone_like = st.from_regex(r"\A(\+86[ -]?)?1[0-9]{10}\Z") | st.text(
    st.characters(categories=["Nd", "Zs"]) | st.sampled_from("+-"), max_size=18
)


@FUZZ
@given(st.one_of(garbage, phone_like))
def test_phones_parse_or_are_invalid_input(raw):
    try:
        phone = parse_mobile(raw, field="phone")
    except InvalidInput as exc:
        assert exc.field == "phone"
        return
    assert len(phone) == 11 and phone.isascii() and phone.isdigit() and phone[0] == "1"
    assert parse_mobile(phone) == phone


# --- times --------------------------------------------------------------------------

offsets = st.integers(-24 * 60 + 1, 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
iso_times = st.one_of(
    st.datetimes(timezones=offsets).map(datetime.isoformat),
    st.datetimes().map(datetime.isoformat),  # naive
    st.datetimes(timezones=offsets).map(lambda d: d.isoformat().replace("+00:00", "Z")),
    st.text(alphabet="0123456789-:T+Z. W", max_size=35),
)


@FUZZ
@given(st.one_of(garbage, iso_times))
def test_times_parse_or_are_invalid_input(raw):
    try:
        moment = parse_time(raw, field="at")
    except InvalidInput as exc:
        assert exc.field == "at"
        return
    assert moment.tzinfo is not None and 2000 <= moment.year <= 2100
    assert moment.astimezone(UTC)  # never overflows later


# --- risk feeds, both shapes ----------------------------------------------------------

recent = st.datetimes(
    min_value=datetime(2026, 11, 10), max_value=datetime(2026, 11, 21), timezones=offsets
).map(datetime.isoformat)
our_feeds = st.fixed_dictionaries(
    {
        "feed_id": sometimes(st.from_regex(r"\A[A-Za-z0-9_.:-]{1,64}\Z")),
        "published_at": sometimes(recent),
        "areas": sometimes(
            st.lists(
                sometimes(
                    st.fixed_dictionaries(
                        {
                            "region_code": sometimes(codes),
                            "area": sometimes(any_text),
                            "level": sometimes(st.sampled_from(["high", "medium", "low"])),
                            "since": sometimes(recent),
                        }
                    )
                ),
                max_size=4,
            )
        ),
    }
)
national_rows = st.fixed_dictionaries(
    {},
    optional={
        "province": sometimes(names),
        "city": sometimes(names),
        "county": sometimes(names),
        "area_name": sometimes(any_text),
        "communitys": sometimes(st.lists(sometimes(any_text), max_size=3)),
    },
)
stamps = st.one_of(
    st.datetimes(min_value=datetime(2022, 1, 1), max_value=datetime(2026, 12, 1)).map(
        lambda d: f"{d:%Y-%m-%d} {d.hour}时"
    ),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{1,2}时\Z"),  # 2022-02-31 99时
)
national_feeds = st.fixed_dictionaries(
    {
        "data": st.fixed_dictionaries(
            {"end_update_time": sometimes(stamps)},
            optional={
                name: sometimes(st.lists(sometimes(national_rows), max_size=3))
                for name in ("highlist", "middlelist", "lowlist")
            },
        )
    },
    optional={"code": sometimes(st.sampled_from([0, "0", 1]))},
)
PREVIOUS = Snapshot(
    feed_id="before",
    published_at=NOW - timedelta(days=1),
    areas=(RiskArea(region_code="610113", level="high", since=NOW - timedelta(days=3), area="A"),),
)


@FUZZ
@given(st.one_of(garbage, our_feeds, national_feeds), st.booleans())
def test_risk_feeds_parse_or_are_invalid_input(document, with_previous):
    previous = PREVIOUS if with_previous else None
    try:
        snapshot = parse_feed(document, divisions=DIVISIONS, previous=previous, now=NOW)
    except InvalidInput as exc:
        assert exc.field
        return
    assert snapshot.published_at <= NOW + timedelta(hours=1)
    for area in snapshot.areas:
        assert DIVISIONS.get(area.region_code) is not None
        assert area.level in ("high", "medium", "low") and area.since.tzinfo is not None


# --- carrier batches ----------------------------------------------------------------

window = st.datetimes(
    min_value=datetime(2026, 11, 5), max_value=datetime(2026, 11, 21), timezones=offsets
).map(datetime.isoformat)
carrier_rows = st.fixed_dictionaries(
    {},
    optional={
        "phone": sometimes(phone_like),
        "kind": sometimes(st.sampled_from(["city", "country"])),
        "place": sometimes(st.one_of(codes, st.sampled_from(["JP", "us", "XK", "ZZ", "CN"]))),
        "entered_at": sometimes(window),
        "left_at": sometimes(window),
    },
)


@FUZZ
@given(st.lists(st.one_of(carrier_rows, carrier_rows, garbage), max_size=4))
def test_carrier_batches_parse_or_are_invalid_input(rows):
    try:
        stays = parse_stays(
            rows, divisions=DIVISIONS, is_country=is_country, now=NOW, policy=CardPolicy()
        )
    except InvalidInput as exc:
        assert exc.field and exc.field.startswith("stays[")
        return
    assert len(stays) == len(rows)
    for stay in stays:
        assert stay.entered_at < stay.left_at <= NOW + timedelta(minutes=5)
        assert stay.kind in ("city", "country")


# --- health-code tokens ---------------------------------------------------------------


def _signer() -> tuple[Any, hc.PublicKey]:
    from tests.keys import Ed25519Key

    private = Ed25519Key(bytes(range(32)))
    public = raw_public(private)
    return private, hc.PublicKey(kid=kid_for(public), key=public, region="610100")


PRIVATE, KEY = _signer()
CLAIMS = hc.CodeClaims(
    holder="0123456789abcdef",
    colour=Colour.GREEN,
    issued_at=NOW,
    lifetime_minutes=5,
    region="610100",
)
TOKEN = hc.build(CLAIMS, kid=KEY.kid, sign=PRIVATE.sign)
cbor_garbage = st.recursive(
    st.integers(min_value=-(2**64), max_value=2**64 - 1) | st.binary(max_size=70) | any_text,
    lambda children: (
        st.lists(children, max_size=6)
        | st.dictionaries(st.integers(-10, 10) | st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=12,
)


def _cbor(value: Any) -> bytes:
    try:
        return hc.cbor_encode(value)
    except (TypeError, ValueError, UnicodeEncodeError):
        assume(False)
        raise


@st.composite
def signed_garbage_claims(draw: st.DrawFn) -> str:
    """Correctly signed by a published key, with claims of any shape and size:
    only the issuer can make these, and even so they must not crash a verifier."""
    protected = draw(
        st.sampled_from([_cbor({1: hc.ALG_EDDSA, 4: KEY.kid})]) | cbor_garbage.map(_cbor)
    )
    claims = st.one_of(
        cbor_garbage,
        st.tuples(
            st.binary(min_size=8, max_size=8) | cbor_garbage,
            st.integers(-2, 5) | cbor_garbage,
            st.integers(-(2**64), 2**64 - 1),
            st.integers(-5, 30),
            st.integers(-(2**64), 2**64 - 1) | st.just(610100),
        ).map(list),
    )
    payload = _cbor(draw(claims))
    signature = PRIVATE.sign(hc.signing_input(protected, payload))
    return hc.PREFIX + hc.b45encode(_cbor([protected, {}, payload, signature]))


@st.composite
def flipped_tokens(draw: st.DrawFn) -> str:
    raw = bytearray(hc.b45decode(TOKEN[len(hc.PREFIX) :]))
    index = draw(st.integers(0, len(raw) - 1))
    raw[index] ^= 1 << draw(st.integers(0, 7))
    cut = draw(st.integers(1, len(raw)))
    return hc.PREFIX + hc.b45encode(bytes(raw[:cut]))


@FUZZ
@given(st.one_of(any_text, signed_garbage_claims(), flipped_tokens()), st.integers(-3600, 3600))
def test_code_tokens_verify_or_are_token_errors(token, skew):
    now = NOW + timedelta(seconds=skew)
    try:
        verified = hc.verify(token, [KEY], now=now, verifier=ed25519_verify)
    except hc.TokenError as exc:
        assert exc.reason in {
            "wrong_prefix",
            "malformed",
            "unknown_key",
            "bad_signature",
            "not_yet_valid",
            "expired",
        }
        return
    claims = verified.claims
    assert claims.issued_at <= now + hc.CLOCK_SKEW and now < claims.expires_at
    assert claims.region == KEY.region


def test_the_signed_token_itself_verifies():  # the strategies above start from a good one
    assert hc.verify(TOKEN, [KEY], now=NOW, verifier=ed25519_verify).claims == CLAIMS


# --- session tokens -----------------------------------------------------------------

LAST_SECOND = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())
RING = session.KeyRing(keys={"s1": b"k" * 32}, active="s1")
AUD = "yima:test:610100"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json(value: Any) -> bytes:
    try:
        return json.dumps(value).encode()
    except (TypeError, ValueError, UnicodeEncodeError):
        assume(False)
        raise


claim_values = {
    "iss": sometimes(st.just("yima")),
    "sub": sometimes(st.text(min_size=1, max_size=10)),
    "role": sometimes(st.sampled_from([r.value for r in Role])),
    "aud": sometimes(st.just(AUD)),
    "iat": sometimes(st.integers(-(2**40), 2**40) | st.floats() | st.just(LAST_SECOND)),
    "exp": sometimes(st.integers(-(2**40), 2**40) | st.floats() | st.just(LAST_SECOND)),
    "sid": sometimes(st.text(max_size=10)),
}


@st.composite
def signed_sessions(draw: st.DrawFn) -> str:
    """Correctly HMAC-signed with a ring key, but with any header and claims."""
    header = draw(
        sometimes(
            st.fixed_dictionaries(
                {"alg": sometimes(st.just("HS256")), "kid": sometimes(st.just("s1"))}
            )
        )
    )
    payload = draw(
        st.one_of(
            st.fixed_dictionaries({}, optional=claim_values),
            st.fixed_dictionaries(claim_values),
            json_garbage,
        )
    )
    signing_input = f"{_b64(_json(header))}.{_b64(_json(payload))}"
    return signing_input + "." + _b64(session._sign(b"k" * 32, signing_input.encode()))


@FUZZ
@given(signed_sessions(), st.integers(-(10**6), 10**6))
def test_signed_sessions_with_any_claims_verify_or_are_unauthenticated(token, skew):
    now = NOW + timedelta(seconds=skew)
    try:
        claims = session.verify(RING, token, audience=AUD, now=now)
    except Unauthenticated as exc:
        assert exc.code in {"invalid_token", "wrong_audience", "token_expired"}
        return
    assert isinstance(claims.subject, str) and claims.subject
    assert claims.role in Role and claims.audience == AUD
    leeway = timedelta(seconds=30)
    assert claims.issued_at <= now + leeway and now - leeway < claims.expires_at


@FUZZ
@given(st.lists(st.text(max_size=40) | st.binary(max_size=30).map(_b64), min_size=1, max_size=5))
def test_any_dotted_parts_are_unauthenticated(parts):
    with pytest.raises(Unauthenticated):
        session.verify(RING, ".".join(parts), audience=AUD, now=NOW)


# --- the strict JSON body parser -------------------------------------------------------

json_texts = st.one_of(
    json_garbage.map(lambda v: json.dumps(v, ensure_ascii=False)),
    json_garbage.map(json.dumps),  # \\ud800 escapes for lone surrogates
    st.sampled_from(
        [
            '{"a": 1, "a": 2}',
            "[NaN]",
            "-Infinity",
            "1e999999",
            "9" * 5000,  # past Python's int-parsing limit
            "[" * 50_000 + "]" * 50_000,
            '"\\udfff"',
            '{"a": 1}\x00',
        ]
    ),
    st.text(alphabet='{}[]":,0123456789.eE+-tfnulrsa \\', max_size=40),
)


@settings(FUZZ, max_examples=2 * EXAMPLES)
@given(st.one_of(json_texts.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary()))
def test_json_bodies_parse_or_are_invalid_input(raw):
    try:
        value = parse_json(raw)
    except InvalidInput as exc:
        assert exc.code in {"invalid_json", "duplicate_field"}
        return
    json.dumps(value, ensure_ascii=False).encode("utf-8")  # storable: no lone surrogates


# --- the schema validator, on every schema the API publishes ----------------------------


def _published_schemas() -> list[tuple[str, dict[str, Any]]]:
    from app import api

    found = []
    for op in api.operations:
        if op.body is not None:
            found.append((f"{op.method} {op.path} body", op.body))
        for name, schema in op.query.items():
            found.append((f"{op.method} {op.path} ?{name}", schema))
    return found


SCHEMAS = _published_schemas()


def _shaped(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values of the schema's outline, with garbage in any field."""
    branches = [schema[k] for k in ("then", "else") if k in schema]
    if branches:
        return st.one_of([_shaped(b) for b in branches])
    properties = schema.get("properties")
    if properties:
        return st.fixed_dictionaries(
            {}, optional={k: sometimes(_shaped(v)) for k, v in properties.items()}
        )
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return st.lists(sometimes(_shaped(schema["items"])), max_size=3)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    return json_garbage


@pytest.mark.parametrize(("where", "schema"), SCHEMAS, ids=[w for w, _ in SCHEMAS])
@settings(FUZZ, max_examples=EXAMPLES // 3)
@given(data=st.data())
def test_every_published_schema_accepts_or_names_the_field(where, schema, data):
    value = data.draw(st.one_of(json_garbage, _shaped(schema)))
    try:
        validate(value, schema)
    except InvalidInput as exc:
        assert exc.message and (exc.field is None or isinstance(exc.field, str))
        assert exc.code in {
            "invalid_input",
            "wrong_type",
            "missing_field",
            "unknown_field",
            "control_character",
        }


def test_the_declaration_schema_is_among_them():  # the list above is not empty by accident
    assert any(schema is DECLARE for _, schema in SCHEMAS)
