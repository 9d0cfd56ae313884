"""Request-body checking against the JSON Schemas that the OpenAPI document publishes.

One schema per request body serves twice: as documentation in
``/v1/openapi.json`` and as the first gate on input. The validator covers
the subset of JSON Schema the API uses (object with ``properties`` /
``required`` / ``additionalProperties: false``, string, integer, number,
boolean, array, ``enum``, ``const``, ``minLength`` / ``maxLength``,
``pattern``, ``minimum`` / ``maximum``, ``minItems`` / ``maxItems``,
``nullable`` via a type list, ``if`` / ``then`` / ``else``) and reports the
first problem as InvalidInput with the dotted path of the field
(``stays[3].entered_at``). Anything the schema cannot express (checksums,
calendars) is the domain's job.

A body that comes in more than one shape (the risk-area feed) picks its shape
with ``if`` / ``then`` / ``else`` rather than ``oneOf``: the ``if`` is the same
test the domain parser makes, so the client is told what is wrong with the
shape it sent (``data.end_update_time is required``), never that it matched
neither of two shapes, and the validator needs no rule for choosing between
two branches' errors.

Every string is also refused when it holds a control or format character
(:mod:`chalicelib.kernel.text`); a field marked ``"x-text": true`` is free text
and may keep line breaks and tabs.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.text import check_clean

Schema = dict[str, Any]

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "null": (type(None),),
}


@lru_cache(maxsize=256)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _type_ok(value: Any, expected: str) -> bool:
    if expected in ("integer", "number") and isinstance(value, bool):
        return False  # JSON true is not a number, although bool subclasses int
    if expected == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES[expected])


def validate(value: Any, schema: Schema, path: str = "") -> None:
    """Raise InvalidInput naming the first offending field; return None if valid."""
    field = path or None
    expected = schema.get("type")
    if expected is not None:
        options = expected if isinstance(expected, list) else [expected]
        if not any(_type_ok(value, t) for t in options):
            wanted = " or ".join(options)
            raise InvalidInput(
                f"{path or 'body'} must be of type {wanted}", field=field, code="wrong_type"
            )
    if "const" in schema and value != schema["const"]:
        raise InvalidInput(f"{path} must be {schema['const']!r}", field=field)
    if "enum" in schema and value not in schema["enum"]:
        values = schema["enum"]
        # 0 and "0" would both read 0: quote them as JSON once any value is not text
        shown = values if all(isinstance(v, str) for v in values) else map(json.dumps, values)
        allowed = ", ".join(shown)
        raise InvalidInput(f"{path} must be one of: {allowed}", field=field)
    if value is None:  # allowed by its type or its enum: nothing more to check
        return
    if isinstance(value, str):
        _check_string(value, schema, path)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise InvalidInput(f"{path} must be at least {schema['minimum']}", field=field)
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            raise InvalidInput(
                f"{path} must be more than {schema['exclusiveMinimum']}", field=field
            )
        if "maximum" in schema and value > schema["maximum"]:
            raise InvalidInput(f"{path} must be at most {schema['maximum']}", field=field)
    elif isinstance(value, list):
        _check_array(value, schema, path)
    elif isinstance(value, dict):
        _check_object(value, schema, path)
    if "if" in schema:
        _check_condition(value, schema, path)


def _check_condition(value: Any, schema: Schema, path: str) -> None:
    """``then`` applies when the value passes ``if``, ``else`` when it does not."""
    try:
        validate(value, schema["if"], path)
    except InvalidInput:
        branch = schema.get("else")
    else:
        branch = schema.get("then")
    if branch is not None:
        validate(value, branch, path)


def _check_string(value: str, schema: Schema, path: str) -> None:
    field = path or None
    if len(value) < schema.get("minLength", 0):
        what = (
            "must not be empty"
            if schema.get("minLength") == 1
            else (f"must be at least {schema['minLength']} characters")
        )
        raise InvalidInput(
            f"{path} {what}", field=field, code="missing_field" if not value else "invalid_input"
        )
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        raise InvalidInput(f"{path} must be at most {schema['maxLength']} characters", field=field)
    check_clean(value, field=field, text=schema.get("x-text", False))
    if "pattern" in schema and not _pattern(schema["pattern"]).search(value):
        hint = schema.get("description") or f"the pattern {schema['pattern']}"
        raise InvalidInput(f"{path} does not match {hint}", field=field)


def _check_array(value: list[Any], schema: Schema, path: str) -> None:
    field = path or None
    if len(value) < schema.get("minItems", 0):
        raise InvalidInput(f"{path} needs at least {schema['minItems']} items", field=field)
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        raise InvalidInput(f"{path} may have at most {schema['maxItems']} items", field=field)
    items = schema.get("items")
    if items is not None:
        for index, item in enumerate(value):
            validate(item, items, _join(path, index))
    if schema.get("uniqueItems") and len({repr(v) for v in value}) != len(value):
        raise InvalidInput(f"{path} must not repeat items", field=field)


def _check_object(value: dict[str, Any], schema: Schema, path: str) -> None:
    properties: dict[str, Schema] = schema.get("properties", {})
    if schema.get("additionalProperties") is False:
        for key in value:
            if key not in properties:
                raise InvalidInput(
                    f"unknown field {_join(path, key)}",
                    field=_join(path, key),
                    code="unknown_field",
                )
    for key in schema.get("required", ()):
        if key not in value:
            raise InvalidInput(
                f"{_join(path, key)} is required", field=_join(path, key), code="missing_field"
            )
    for key, sub in properties.items():
        if key in value:
            validate(value[key], sub, _join(path, key))
