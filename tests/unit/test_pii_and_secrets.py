"""Masks, keyed hashes, phone parsing, and the application secret's format."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.kernel.errors import ConfigError, InvalidInput
from chalicelib.kernel.phone import mask_mobile, parse_mobile
from chalicelib.kernel.pii import keyed_hash, mask_id_number, mask_name
from chalicelib.kernel.secrets import new_secret_document, parse_secret, rotate_session_key


@pytest.mark.parametrize(
    ("name", "masked"), [("张三", "张*"), ("张小三", "张*三"), ("欧阳小明", "欧**明"), ("王", "*")]
)
def test_names_are_masked_as_the_spec_shows(name, masked):
    assert mask_name(name) == masked


def test_id_and_phone_masks():
    assert mask_id_number("330106199001011234") == "3301**********1234"
    assert mask_mobile("13812345678") == "138****5678"


@pytest.mark.parametrize("raw", ["13812345678", "+86 13812345678", " 19912345678 "])
def test_mobile_numbers_parse(raw):
    assert len(parse_mobile(raw)) == 11


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "abc", 13812345678])
def test_bad_mobile_numbers_name_the_field(raw):
    with pytest.raises(InvalidInput) as caught:
        parse_mobile(raw, field="phone")
    assert caught.value.field == "phone"


@given(st.text(max_size=20))
def test_phone_parser_gives_a_number_or_invalid_input(raw):
    with contextlib.suppress(InvalidInput):
        assert parse_mobile(raw).isdigit()


def test_keyed_hash_depends_on_key_and_purpose():
    a = keyed_hash(b"a" * 32, "phone", "13812345678")

    assert a == keyed_hash(b"a" * 32, "phone", "13812345678")
    assert a != keyed_hash(b"b" * 32, "phone", "13812345678")
    assert a != keyed_hash(b"a" * 32, "id", "13812345678")


def test_secret_round_trip_and_rotation():
    doc = new_secret_document(datetime(2026, 11, 20, tzinfo=UTC))
    secrets = parse_secret(json.dumps(doc))
    rotated = parse_secret(json.dumps(rotate_session_key(doc)))

    assert rotated.session_ring.active != secrets.session_ring.active
    assert set(secrets.session_ring.keys) < set(rotated.session_ring.keys)


@pytest.mark.parametrize(
    "text", ['{"placeholder": true}', "not json", "[]", '{"hash_key": "short"}']
)
def test_placeholder_or_broken_secrets_are_refused(text):
    with pytest.raises(ConfigError):
        parse_secret(text)


def test_the_federation_key_is_optional_but_never_short():
    import base64

    doc = new_secret_document(datetime(2026, 11, 20, tzinfo=UTC))
    without = {k: v for k, v in doc.items() if k != "federation_key"}

    assert len(parse_secret(json.dumps(doc)).federation_key or b"") == 32
    assert parse_secret(json.dumps(without)).federation_key is None
    short = {**doc, "federation_key": base64.b64encode(b"x" * 16).decode()}
    with pytest.raises(ConfigError, match="federation_key"):
        parse_secret(json.dumps(short))


@pytest.mark.parametrize(
    "value", ["REPLACE_ME", "changeme", "<todo>", "xxxx", "your-secret-xxx", "PLACEHOLDER"]
)
def test_a_placeholder_credential_is_refused(value):
    from chalicelib.kernel.errors import ConfigError
    from chalicelib.kernel.secrets import _text

    with pytest.raises(ConfigError, match="placeholder"):
        _text({"secret": value}, "secret", "wechat")


@given(st.binary(min_size=16, max_size=32))
def test_a_random_key_is_never_taken_for_a_placeholder(raw):
    # A random AES key's base64 holds "xxx" or "todo" now and then: it once made
    # `make run` refuse its own freshly made Alipay stand-in key.
    import base64

    from chalicelib.kernel.secrets import _text

    for text in (base64.b64encode(raw).decode(), raw.hex()):
        assert _text({"key": text}, "key", "alipay") == text


def test_a_key_with_xxx_and_todo_inside_is_a_key():
    from chalicelib.kernel.secrets import _text

    assert _text({"k": "abXxXcdTODOef+/g=="}, "k", "alipay") == "abXxXcdTODOef+/g=="
