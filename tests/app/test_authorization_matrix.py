"""Who may call what: every route × every role, as one table.

The table is written out by hand, not derived from the routes, so a route
that opens up by mistake (or a new route nobody placed here) fails the test.
"""

from __future__ import annotations

import re

import pytest

from app import app
from chalicelib.domain.roles import Role
from tests.helpers import body, post

ANYONE = "anyone"
CITIZEN = frozenset({Role.CITIZEN})
REVIEWER = frozenset({Role.REVIEWER})
OFFICIAL = frozenset({Role.OFFICIAL})
ADMIN = frozenset({Role.ADMIN})

MATRIX: dict[tuple[str, str], object] = {
    ("GET", "/v1/openapi.json"): ANYONE,
    ("POST", "/v1/auth/dev"): ANYONE,
    ("POST", "/v1/auth/wechat"): ANYONE,
    ("POST", "/v1/auth/alipay"): ANYONE,
    ("GET", "/v1/me"): CITIZEN,
    ("POST", "/v1/me/phone"): CITIZEN,
    ("POST", "/v1/declarations"): CITIZEN,
    ("GET", "/v1/declarations"): CITIZEN,
    ("POST", "/v1/me/appeals"): CITIZEN,
    ("GET", "/v1/me/appeals"): CITIZEN,
    ("GET", "/v1/admin/reviews"): REVIEWER,
    ("POST", "/v1/admin/reviews/{declaration_id}"): REVIEWER,
    ("GET", "/v1/admin/appeals"): REVIEWER,
    ("POST", "/v1/admin/appeals/{appeal_id}"): REVIEWER,
    ("POST", "/v1/admin/status"): OFFICIAL,
    ("GET", "/v1/admin/status"): OFFICIAL,
    ("POST", "/v1/admin/status/{mark_id}/approve"): OFFICIAL,
    ("GET", "/v1/admin/audit"): ADMIN,
    ("GET", "/v1/code"): CITIZEN,
    ("GET", "/v1/code.svg"): CITIZEN,
    ("GET", "/v1/code.png"): CITIZEN,
    ("GET", "/v1/pass"): CITIZEN,
    ("GET", "/v1/keys"): ANYONE,
    ("POST", "/v1/verify"): frozenset({Role.CHECKPOINT}),
    ("POST", "/v1/feeds/carrier"): frozenset({Role.CARRIER}),
    ("GET", "/v1/itinerary"): CITIZEN,
    ("POST", "/v1/feeds/tests"): frozenset({Role.LAB}),
    ("GET", "/v1/tests"): CITIZEN,
    ("GET", "/v1/test-sites"): ANYONE,
    ("POST", "/v1/feeds/risk-areas"): OFFICIAL,
    ("POST", "/v1/feeds/risk-areas/{feed_id}/confirm"): OFFICIAL,
    ("GET", "/v1/regions/{code}"): ANYONE,
    ("PUT", "/v1/admin/regions/{code}/policy"): OFFICIAL,
    # mutual recognition (docs/federation.md)
    ("GET", "/v1/trust-list"): ANYONE,
    ("PUT", "/v1/admin/trust-list"): ADMIN,
    ("POST", "/v1/federation/convert"): CITIZEN,
    ("POST", "/v1/federation/status"): frozenset({Role.PARTNER}),
}

CASES = [(method, path, role) for (method, path) in MATRIX for role in [None, *Role]]


def test_every_route_is_in_the_matrix():
    routed = {(method, path) for path, entries in app.routes.items() for method in entries}

    assert routed == set(MATRIX)


@pytest.fixture
def tokens(client):
    return {
        role: body(
            post(client, "/v1/auth/dev", {"subject": f"m-{role.value}", "role": role.value})
        )["token"]
        for role in Role
    }


def _call(client, method, path, token):
    path = re.sub(r"\{[a-z_]+\}", "x_0000", path)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if method == "PUT":
        return client.http.put(path, headers=headers, body=b"{}")
    if method == "GET":
        return client.http.get(
            path, headers={k: v for k, v in headers.items() if k == "Authorization"}
        )
    return client.http.post(path, headers=headers, body=b"{}")


@pytest.mark.parametrize(
    ("method", "path", "role"),
    CASES,
    ids=[f"{m} {p} {r.value if r else 'no-token'}" for m, p, r in CASES],
)
def test_route_role(client, tokens, method, path, role):
    allowed = MATRIX[(method, path)]
    response = _call(client, method, path, tokens[role] if role else None)

    if allowed == ANYONE or (role is not None and role in allowed):
        assert response.status_code not in (401, 403), response.body
    elif role is None:
        assert response.status_code == 401
        assert body(response)["error"]["code"] == "missing_credentials"
    else:
        assert response.status_code == 403
        assert body(response)["error"]["code"] == "wrong_role"


@pytest.mark.parametrize(("method", "path"), [k for k, v in MATRIX.items() if v != ANYONE])
def test_a_garbage_token_is_401_everywhere(client, method, path):
    response = _call(client, method, path, "not.a.token")

    assert response.status_code == 401
