"""The request-schema validator: every problem is InvalidInput naming the field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidInput
from chalicelib.web.schema import validate

STAY = {
    "type": "object",
    "required": ["phone", "kind"],
    "additionalProperties": False,
    "properties": {
        "phone": {"type": "string", "pattern": r"^\d{11}$"},
        "kind": {"enum": ["city", "country"]},
        "hours": {"type": "number", "minimum": 0, "maximum": 24},
    },
}
BATCH = {
    "type": "object",
    "required": ["stays"],
    "additionalProperties": False,
    "properties": {
        "stays": {"type": "array", "maxItems": 3, "items": STAY},
        "count": {"type": "integer"},
    },
}


def _field(value, schema=BATCH):
    with pytest.raises(InvalidInput) as caught:
        validate(value, schema)
    return caught.value.field


def test_valid_value_passes():
    validate({"stays": [{"phone": "13800138000", "kind": "city", "hours": 4.5}]}, BATCH)


def test_nested_fields_are_named_with_their_index():
    assert (
        _field(
            {"stays": [{"phone": "13800138000", "kind": "city"}, {"phone": "1", "kind": "city"}]}
        )
        == "stays[1].phone"
    )


def test_unknown_nested_field_is_named():
    assert _field({"stays": [{"phone": "13800138000", "kind": "city", "x": 1}]}) == "stays[0].x"


def test_missing_nested_field_is_named():
    assert _field({"stays": [{"phone": "13800138000"}]}) == "stays[0].kind"


def test_booleans_are_not_numbers():
    assert _field({"stays": [], "count": True}) == "count"


def test_integral_float_is_an_integer_but_fraction_is_not():
    validate({"stays": [], "count": 2.0}, BATCH)
    assert _field({"stays": [], "count": 2.5}) == "count"


def test_limits_apply():
    assert _field({"stays": [{"phone": "13800138000", "kind": "city", "hours": 25}]}) == (
        "stays[0].hours"
    )
    assert _field({"stays": [{"phone": "13800138000", "kind": "city"}] * 4}) == "stays"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["stays", "count", "phone", "kind", "hours", "x"]), children, max_size=4
        )
    ),
    max_leaves=15,
)


@given(json_values)
def test_any_json_is_valid_or_invalid_input_never_another_error(value):
    try:
        validate(value, BATCH)
    except InvalidInput as exc:
        assert exc.message
