"""The API fuzz over real HTTP, against the server ``make run`` starts.

``test_api_fuzz.py`` drives the app in-process; this drives ``scripts/devserver.py``
(moto's server, the demo data, the WeChat and Alipay stand-ins, the threaded
HTTP/1.1 server) over a socket on the loopback, with one keep-alive
``requests.Session`` per test, every documented operation with every role's
token and with none. What it adds: the server's own framing and answers
(unknown methods, the PNG's content negotiation, keep-alive), the stand-ins
behind the logins, and state that a whole run of clients builds up. Every
response must pass the same checks as in-process (``CHECKS``: no 5xx, the
documented status, content type and schema, the error shape, negative data
refused), and no request may meet a connection error.

After the results pytest prints, e.g., ``API fuzz over HTTP: 700 requests, 210
answered 2xx, 0 answered 5xx, 0 connection errors``. ``YIMA_FUZZ_EXAMPLES``
(``make fuzz``) scales the examples here too: a tenth of the in-process number
for callers that pass authentication, at least 3; one for callers refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from app import api
from chalicelib.kernel.roles import Role
from chalicelib.people.rules import care_link_id
from tests.conftest import Clock
from tests.e2e import stack
from tests.fuzz.conftest import KEYS, OWNER_ID, OWNER_PHONE, World
from tests.fuzz.domain import BODIES
from tests.fuzz.test_api_fuzz import CHECKS, error_shape
from tests.helpers import declaration, make_id_number

pytestmark = pytest.mark.e2e

EXAMPLES = max(3, int(os.environ.get("YIMA_FUZZ_EXAMPLES", "10")) // 10)
CALLERS: list[Role | None] = [None, *Role]
OPERATIONS = [(op.method, op.path) for op in api.operations]
CASES = [(method, path, caller) for method, path in OPERATIONS for caller in CALLERS]
PATHS = sorted({path for _, path in OPERATIONS})
TIMEOUT = 60  # seconds per request: a busy machine, never a hang


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.Stack]:
    running = stack.start(tmp_path_factory.mktemp("local-state"))  # as `make run`: demo data
    yield running
    running.stop()


def _call(base: str, method: str, path: str, token: str | None, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.request(method, base + path, json=body, headers=headers, timeout=TIMEOUT)
    assert response.status_code < 300, (method, path, response.text)
    return response.json()


def _login(base: str, subject: str, role: str = "citizen", phone: str | None = None) -> str:
    body: dict[str, Any] = {"subject": subject, "role": role}
    if phone:
        body["phone"] = phone
    return str(_call(base, "POST", "/v1/auth/dev", None, body)["token"])


@pytest.fixture(scope="module")
def world(server: stack.Stack) -> World:
    """Tokens for every role and real ids, made through the API as a client would."""
    base = server.base
    tokens: dict[Role, str] = {
        role: _login(base, f"http-fuzz-{role.value}", role.value) for role in Role
    }
    tokens[Role.PARTNER] = _login(base, "440100", "partner")  # a partner is its region
    owner = _login(base, "http-fuzz-citizen", phone=OWNER_PHONE)
    tokens[Role.CITIZEN] = owner
    _call(base, "POST", "/v1/declarations", owner, declaration(symptoms=["cough"]))
    appeal = _call(base, "POST", "/v1/me/appeals", owner, {"reason": "过敏"})
    other_id = make_id_number("61011319900101456")
    other = _login(base, "http-fuzz-other", phone="13912345678")
    pending = _call(
        base,
        "POST",
        "/v1/declarations",
        other,
        declaration(phone="13912345678", id_number=other_id, contact_with_confirmed=True),
    )
    now = datetime.now(UTC)
    mark = _call(
        base,
        "POST",
        "/v1/admin/status",
        tokens[Role.OFFICIAL],
        {
            "id_number": other_id,
            "status": "close_contact",
            "category": "contact_tracing",
            "note": "同一航班",
            "contact_date": ((now + timedelta(hours=8)).date() - timedelta(days=2)).isoformat(),
        },
    )
    # A venue the owner checked in at, a grandparent with a printed code, an identity
    # dispute (issues 16 and 17), as the in-process world has them.
    cafe = {
        "name": "咖啡馆",
        "address": "雁塔路1号",
        "region_code": "610113",
        "lat": 34.2,
        "lng": 108.9,
        "kind": "restaurant",
    }
    venue = _call(base, "POST", "/v1/admin/venues", tokens[Role.OFFICIAL], cafe)
    _call(base, "POST", "/v1/checkins", owner, {"venue_token": venue["token"]})
    gate = _call(
        base,
        "POST",
        "/v1/auth/dev",
        None,
        {"subject": "http-fuzz-checkpoint", "role": "checkpoint"},
    )
    posted = {"user_id": gate["user"]["id"], "venue_id": venue["id"]}
    assignment = _call(base, "POST", "/v1/admin/assignments", tokens[Role.OFFICIAL], posted)
    grandpa = _call(
        base,
        "POST",
        "/v1/declarations",
        owner,
        declaration(
            name="王老汉",
            id_number=make_id_number("11010119400101123"),
            dependant={"relation": "grandparent"},
        ),
    )
    _call(base, "POST", f"/v1/people/{grandpa['person']}/printed-code", owner, {})
    claimant = _login(base, "http-fuzz-claimant", phone="13712345678")
    claim = declaration(phone="13712345678", id_number=other_id)
    response = requests.post(
        base + "/v1/declarations",
        json=claim,
        headers={"Authorization": f"Bearer {claimant}"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 409, response.text  # the held number: a dispute
    disputes = _call(base, "GET", "/v1/admin/disputes", tokens[Role.REVIEWER])
    # Another account asks to care for the owner, who has an account: a care request.
    asked = requests.post(
        base + "/v1/declarations",
        json=declaration(dependant={"relation": "child"}),
        headers={"Authorization": f"Bearer {other}"},
        timeout=TIMEOUT,
    )
    assert asked.status_code == 409, asked.text  # consent_required
    care = _call(base, "GET", "/v1/me/care-requests", owner)
    code = _call(base, "GET", "/v1/code", owner)
    # The id a link from the asker to the owner's person would have (GET /v1/me/carers).
    asker = _call(base, "GET", "/v1/me", other)
    owners = _call(base, "GET", "/v1/people", owner)
    link_id = care_link_id(str(owners["items"][0]["id"]), str(asker["id"]))
    return World(
        client=None,
        clock=Clock(now),
        tokens=tokens,
        ids={
            "declaration_id": str(pending["id"]),
            "appeal_id": str(appeal["id"]),
            "mark_id": str(mark["id"]),
            "feed_id": "2026-11-20T10",  # the demo risk feed
            "code": "610113",
            "venue_id": str(venue["id"]),
            "assignment_id": str(assignment["id"]),
            "person_id": str(grandpa["person"]),
            "dispute_id": str(disputes["items"][0]["id"]),
            "request_id": str(care["items"][0]["id"]),
            "link_id": link_id,
            "name": "scanner.js",  # a page's file (GET /v1/pages/{name})
        },
        code_token=str(code["token"]),
        venue_token=str(venue["token"]),
        id_number=OWNER_ID,
        phone=OWNER_PHONE,
        subjects=[str(pending["id"]), str(mark["id"])],
        keys=KEYS,
    )


@pytest.fixture(scope="module")
def schema(server: stack.Stack) -> Any:
    document = requests.get(f"{server.base}/v1/openapi.json", timeout=TIMEOUT).json()
    return schemathesis.openapi.from_dict(document)


def _budget(method: str, path: str, caller: Role | None) -> int:
    op = next(o for o in api.operations if (o.method, o.path) == (method, path))
    passes = op.roles is None or (caller is not None and caller in op.roles)
    return EXAMPLES if passes else 1


def _record(record_property: Any, counted: dict[str, int]) -> None:
    for name, value in counted.items():  # summed and printed by tests/conftest.py
        record_property(name, value)


@pytest.mark.parametrize(
    ("method", "path", "caller"),
    CASES,
    ids=[f"{m} {p} {c.value if c else 'no-token'}" for m, p, c in CASES],
)
def test_operation_over_http(server, world, schema, record_property, method, path, caller):
    operation = schema[path][method]
    strategies = [
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    ]
    params = re.findall(r"\{(\w+)\}", path)
    if params:  # real ids too, so that examples reach past "not found"
        known = {name: world.ids[name] for name in params}
        strategies.append(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=known)
        )
    if (method, path) in BODIES:
        strategies.append(BODIES[method, path](world).map(lambda kw: operation.Case(**kw)))
    headers = {"Authorization": f"Bearer {world.tokens[caller]}"} if caller else {}
    counted = {
        "fuzz_http_requests": 0,
        "fuzz_http_2xx": 0,
        "fuzz_http_5xx": 0,
        "fuzz_http_connection_errors": 0,
    }

    with requests.Session() as session:  # keep-alive across the examples, as clients do

        @settings(
            max_examples=_budget(method, path, caller),
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(strategies))
        def fuzz(case: Any) -> None:
            counted["fuzz_http_requests"] += 1
            try:
                response = case.call(
                    base_url=server.base, session=session, headers=headers, timeout=TIMEOUT
                )
            except requests.RequestException:
                counted["fuzz_http_connection_errors"] += 1
                raise
            counted["fuzz_http_2xx"] += 200 <= response.status_code < 300
            counted["fuzz_http_5xx"] += response.status_code >= 500
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            fuzz()
        finally:
            _record(record_property, counted)


class _As400:
    """A 405 read as ``error_shape`` reads errors: the SPEC's statuses leave 405 out (no
    documented route answers it), but an undocumented method gets it, as from API Gateway."""

    def __init__(self, response: requests.Response) -> None:
        self.status_code, self.content = 400, response.content


@pytest.mark.parametrize("path", PATHS)
def test_undocumented_methods_over_http(server, world, record_property, path):
    """What schemathesis' unsupported-method check sends: 405 with Allow, in the error shape,
    and the keep-alive connection still good afterwards."""
    concrete = re.sub(r"\{(\w+)\}", lambda m: world.ids[m.group(1)], path)
    documented = {m for m, p in OPERATIONS if p == path}
    counted = {"fuzz_http_requests": 0, "fuzz_http_5xx": 0, "fuzz_http_connection_errors": 0}
    with requests.Session() as session:
        for method in ("TRACE", "PATCH", "DELETE", "PUT", "POST"):
            if method in documented:
                continue
            counted["fuzz_http_requests"] += 1
            try:
                response = session.request(
                    method, server.base + concrete, data=b'{"x": 1}', timeout=TIMEOUT
                )
            except requests.RequestException:
                counted["fuzz_http_connection_errors"] += 1
                raise
            counted["fuzz_http_5xx"] += response.status_code >= 500
            assert response.status_code == 405, (method, path, response.text)
            assert set(response.headers["Allow"].split(", ")) == documented
            assert error_shape(None, _As400(response), None)
    _record(record_property, counted)
