"""The request-schema validator: every problem is InvalidInput naming the field."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, ValidationError, validators

from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.schema import validate
from chalicelib.kernel.text import refused_char

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


def _accepts(value, schema) -> bool:
    """Our verdict, to set beside jsonschema's."""
    try:
        validate(value, schema)
    except InvalidInput:
        return False
    return True


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


# --- the validator against jsonschema, on every schema the API publishes ---------------


def _published() -> list[tuple[str, dict]]:
    from tests.unit.test_parsers_fuzz import SCHEMAS

    return SCHEMAS


PUBLISHED = _published()


def _valid(schema: dict) -> st.SearchStrategy:
    """Values the schema should accept (a sketch of the keywords it uses; the oracle
    decides, so a value this draws wrongly only tests the other verdict)."""
    if "if" in schema:  # either branch, on top of what the schema says itself
        base = {k: v for k, v in schema.items() if k not in ("if", "then", "else")}
        branches = [schema[k] for k in ("then", "else") if k in schema] or [{}]
        return st.one_of([_valid({**base, **branch}) for branch in branches])
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([_valid({**schema, "type": k}) for k in kind])
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False)
    if kind == "string":
        low, high = schema.get("minLength", 0), schema.get("maxLength", 40)
        if "pattern" in schema:
            text = st.from_regex(schema["pattern"])
            return text.filter(lambda t: low <= len(t) <= high)
        return st.text(min_size=low, max_size=min(high, low + 40))
    if kind == "array":
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", low + 3), low + 3)
        return st.lists(_valid(schema.get("items", {})), min_size=low, max_size=high)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: _valid(v) for k, v in properties.items() if k in required},
            optional={k: _valid(v) for k, v in properties.items() if k not in required},
        )
    return st.none() | st.integers() | st.text(max_size=5)


@pytest.mark.parametrize(("where", "schema"), PUBLISHED, ids=[w for w, _ in PUBLISHED])
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_it_accepts_exactly_what_jsonschema_accepts(where, schema, data):
    """jsonschema (the reference implementation) as the oracle: the same verdict on
    valid bodies, near misses and garbage alike; ours adds the field and the code.
    The oracle knows the one rule the contract adds to JSON Schema (docs/api.md): a
    string holds no control or format character, and ``x-text`` free text may keep
    line breaks and tabs."""
    from tests.unit.test_parsers_fuzz import _shaped, json_garbage

    value = data.draw(st.one_of(_valid(schema), _valid(schema), _shaped(schema), json_garbage))
    assert _accepts(value, schema) is _ORACLE(schema).is_valid(value)


def _clean_strings(validator, types, instance, schema):
    yield from _DRAFT.VALIDATORS["type"](validator, types, instance, schema)
    if isinstance(instance, str) and refused_char(instance, text=schema.get("x-text", False)):
        yield ValidationError("holds a control character")


_DRAFT = Draft202012Validator
_ORACLE = validators.extend(_DRAFT, {"type": _clean_strings})


@pytest.mark.parametrize(
    ("value", "schema", "ok"),
    [
        ("a\u0000", {"type": "string"}, False),
        ("a\nb", {"type": "string"}, False),
        ("a\nb", {"type": "string", "x-text": True}, True),
        ("a\u202eb", {"type": "string", "x-text": True}, False),
        ("雁塔\u3000路", {"type": "string"}, True),
    ],
)
def test_the_oracle_and_ours_agree_on_control_characters(value, schema, ok):
    assert _ORACLE(schema).is_valid(value) is ok
    try:
        validate(value, schema)
        assert ok
    except InvalidInput as exc:
        assert not ok and exc.code == "control_character"


# --- if / then / else: a body of two shapes ----------------------------------------------

SHAPES = {
    "type": "object",
    "if": {"required": ["data"], "properties": {"data": {"type": "object"}}},
    "then": {
        "required": ["data"],
        "properties": {
            "data": {
                "type": "object",
                "required": ["stamp"],
                "properties": {"stamp": {"type": "string", "pattern": "^[0-9]{4}$"}},
            },
            "code": {"type": ["integer", "string"], "enum": [0, "0"]},
        },
    },
    "else": {
        "required": ["feed_id", "areas"],
        "properties": {
            "feed_id": {"type": "string", "minLength": 1},
            "areas": {"type": "array", "maxItems": 2},
        },
    },
}


def test_the_branch_the_if_picks_is_the_one_checked():
    validate({"data": {"stamp": "2022"}}, SHAPES)
    validate({"feed_id": "f1", "areas": []}, SHAPES)
    # data that is not an object does not make the national shape: the other branch applies
    validate({"feed_id": "f1", "areas": [], "data": []}, SHAPES)


def test_the_error_names_the_field_of_the_shape_that_was_sent():
    assert _field({"data": {}}, SHAPES) == "data.stamp"
    assert _field({"data": {"stamp": "20"}}, SHAPES) == "data.stamp"
    assert _field({"feed_id": "f1"}, SHAPES) == "areas"
    assert _field({"feed_id": "f1", "areas": [1, 2, 3]}, SHAPES) == "areas"
    assert _field({"areas": [], "data": "x"}, SHAPES) == "feed_id"


def test_the_top_level_type_is_checked_before_either_branch():
    with pytest.raises(InvalidInput) as caught:
        validate([], SHAPES)
    assert caught.value.code == "wrong_type" and caught.value.field is None


def test_a_branch_error_says_what_was_wanted():
    with pytest.raises(InvalidInput) as caught:
        validate({"data": {}}, SHAPES)
    assert caught.value.code == "missing_field"
    assert caught.value.message == "data.stamp is required"


def test_an_enum_of_mixed_types_quotes_its_values():
    with pytest.raises(InvalidInput) as caught:
        validate({"data": {"stamp": "2022"}, "code": 1}, SHAPES)
    assert caught.value.field == "code"
    assert caught.value.message == 'code must be one of: 0, "0"'


def test_if_without_then_or_else_changes_nothing():
    schema = {"type": "object", "if": {"required": ["a"]}}
    validate({}, schema)
    validate({"a": 1}, schema)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "data": st.one_of(
                    st.fixed_dictionaries({}, optional={"stamp": st.sampled_from(["2022", "x"])}),
                    st.lists(st.integers(), max_size=1),
                    st.none(),
                ),
                "code": st.sampled_from([0, "0", 1, False, 0.0]),
                "feed_id": st.sampled_from(["", "f", 3]),
                "areas": st.lists(st.integers(), max_size=3),
            },
        ),
        json_values,
    )
)
def test_conditions_agree_with_jsonschema(value):
    assert _accepts(value, SHAPES) is Draft202012Validator(SHAPES).is_valid(value)


def test_null_is_held_to_an_enum_without_a_type():
    schema = {"type": "object", "properties": {"level": {"enum": ["high", "low"]}}}
    assert _field({"level": None}, schema) == "level"
    validate({"level": None}, {"properties": {"level": {"enum": ["high", None]}}})
