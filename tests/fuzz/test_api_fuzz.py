"""Property-based API fuzzing with schemathesis over the app's own /v1/openapi.json.

Every documented operation is fuzzed with every role's session token and with
none. The requests come from four sources, mixed: schemathesis' own, inside
the published schemas (positive) and outside them (negative); positive ones
with the ids of records that exist, so they get past "not found"; and bodies
that look like real data (``tests/fuzz/domain.py``), so they get past the
domain checks into the services. Each goes through the real routing,
middleware and handlers on moto (``tests/fuzz/wsgi.py``), and each response
must:

- never be a 5xx: no input a client can send yields a 500 (nor a 503: moto,
  WeChat and Alipay all answer here, see ``conftest.py``);
- use a status code the operation documents, with the documented content type;
- match the documented response schema (``contract.py``);
- if it is an error, be exactly the SPEC's shape
  ``{"error": {"code", "message", "field"?}}`` with one of the SPEC's statuses;
- reject what the schema rejects (negative data never gets a 2xx).

``YIMA_FUZZ_EXAMPLES`` sets the examples per operation for the roles that
pass authentication (default 10, a few seconds' worth inside ``make test``);
callers the route refuses get a fifth of that, at least 2. ``make fuzz`` runs
with 200.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from app import api
from chalicelib.kernel.contract import TIME_PATTERN
from chalicelib.kernel.roles import Role
from tests.fuzz.conftest import World, document
from tests.fuzz.domain import BODIES
from tests.fuzz.wsgi import chalice_wsgi

EXAMPLES = int(os.environ.get("YIMA_FUZZ_EXAMPLES", "10"))
SPEC_STATUSES = {400, 401, 403, 404, 409, 413, 415, 429, 502, 503}
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
CALLERS: list[Role | None] = [None, *Role]
OPERATIONS = [(op.method, op.path) for op in api.operations]
CASES = [(method, path, caller) for method, path in OPERATIONS for caller in CALLERS]


def error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """The SPEC's error shape and statuses, checked strictly (schemathesis check signature)."""
    if response.status_code < 400:
        return None
    assert response.status_code in SPEC_STATUSES, f"status {response.status_code} not in the SPEC"
    payload = json.loads(response.content)
    assert isinstance(payload, dict) and set(payload) == {"error"}, payload
    error = payload["error"]
    assert isinstance(error, dict) and {"code", "message"} <= set(error), error
    assert set(error) <= {"code", "message", "field"}, error
    assert isinstance(error["code"], str) and _CODE.match(error["code"]), error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error.get("field", ""), str), error
    return True


def negative_data_refused(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis's negative-data check, with 413 counted as a refusal: a body
    that breaks ``maxItems`` is often also over the size cap, and 413 says so."""
    if response.status_code == 413:
        return None
    return negative_data_rejection(ctx, response, case)


_LOOKS_LIKE_TIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")
_ONE_FORMAT = re.compile(TIME_PATTERN)


def _strings(value: Any) -> Any:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def one_time_format(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every time in a JSON answer, documented as one or not (an audit entry's
    before/after, a region's policy stamp), is RFC 3339 UTC whole seconds with a Z."""
    try:
        payload = json.loads(response.content)
    except ValueError:  # an image, a page: no times to check
        return None
    for text in _strings(payload):
        if _LOOKS_LIKE_TIME.match(text):
            assert _ONE_FORMAT.match(text), f"time {text!r} is not in the one format"
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_refused,
    error_shape,
    one_time_format,
]


@pytest.fixture(scope="module")
def schema(world: World) -> Any:
    return schemathesis.openapi.from_dict(document(world))


@pytest.fixture(scope="module")
def wsgi_app(world: World) -> Any:
    return chalice_wsgi(world.client.http)


def _budget(method: str, path: str, caller: Role | None) -> int:
    op = next(o for o in api.operations if (o.method, o.path) == (method, path))
    passes = op.roles is None or (caller is not None and caller in op.roles)
    return EXAMPLES if passes else max(2, EXAMPLES // 5)


@pytest.mark.parametrize(
    ("method", "path", "caller"),
    CASES,
    ids=[f"{m} {p} {c.value if c else 'no-token'}" for m, p, c in CASES],
)
def test_operation(world, schema, wsgi_app, record_property, method, path, caller):
    operation = schema[path][method]
    strategies = [
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    ]
    params = [p for p in re.findall(r"\{(\w+)\}", path)]
    if params:  # real ids too, so that examples reach past "not found"
        known = {name: world.ids[name] for name in params}
        strategies.append(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=known)
        )
    if (method, path) in BODIES:  # bodies that look like real data, to get past the checks
        strategies.append(BODIES[method, path](world).map(lambda kw: operation.Case(**kw)))
    headers = {"Authorization": f"Bearer {world.tokens[caller]}"} if caller else {}
    counted = {"fuzz_requests": 0, "fuzz_2xx": 0, "fuzz_5xx": 0}

    @settings(
        max_examples=_budget(method, path, caller),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def fuzz(case: Any) -> None:
        response = case.call(app=wsgi_app, headers=headers)
        counted["fuzz_requests"] += 1
        counted["fuzz_2xx"] += 200 <= response.status_code < 300
        counted["fuzz_5xx"] += response.status_code >= 500
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        fuzz()
    finally:  # summed over the run by tests/conftest.py, printed after the results
        for name, value in counted.items():
            record_property(name, value)


# --- the harness can fail ---------------------------------------------------------------


def _region_case(schema: Any) -> Any:
    return schema["/v1/regions/{code}"]["GET"].Case(path_parameters={"code": "610113"})


def test_the_checks_catch_a_500(schema, wsgi_app, monkeypatch):
    from chalicelib import bootstrap

    def explode(code: str) -> dict[str, Any]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(bootstrap.get_container().regions, "describe", explode)
    case = _region_case(schema)

    with pytest.raises(FailureGroup, match="Server error"):
        case.validate_response(case.call(app=wsgi_app), checks=CHECKS)


def test_the_checks_catch_an_undocumented_body(schema, wsgi_app, monkeypatch):
    from chalicelib import bootstrap

    monkeypatch.setattr(
        bootstrap.get_container().regions, "describe", lambda code: {"code": code, "risk_areas": []}
    )
    case = _region_case(schema)

    with pytest.raises(FailureGroup, match="Response violates schema"):
        case.validate_response(case.call(app=wsgi_app), checks=CHECKS)


def test_the_checks_catch_a_second_time_format(schema, wsgi_app, monkeypatch):
    from chalicelib import bootstrap

    regions = bootstrap.get_container().regions
    real = regions.describe

    def offset_stamp(code: str) -> dict[str, Any]:
        return {**real(code), "policy_updated_at": "2026-11-20T02:00:00.123456+00:00"}

    monkeypatch.setattr(regions, "describe", offset_stamp)
    case = _region_case(schema)

    with pytest.raises(FailureGroup, match="one format"):
        case.validate_response(case.call(app=wsgi_app), checks=[one_time_format])


class _Answer:
    def __init__(self, status: int, payload: Any) -> None:
        self.status_code, self.content = status, json.dumps(payload).encode()


@pytest.mark.parametrize(
    ("status", "payload"),
    [
        (400, {"error": {"code": "BadInput", "message": "x"}}),
        (400, {"error": {"code": "bad", "message": ""}}),
        (404, {"error": {"code": "bad", "message": "x", "detail": 1}}),
        (404, {"message": "Missing Authentication Token"}),
        (405, {"error": {"code": "method_not_allowed", "message": "x"}}),
        (409, {"error": {"code": "bad", "message": "x", "field": 3}}),
    ],
)
def test_the_error_shape_check_refuses_other_shapes(status, payload):
    with pytest.raises(AssertionError):
        error_shape(None, _Answer(status, payload), None)
