"""Public data is cacheable: ETag, Cache-Control and 304 to If-None-Match.

``/v1/keys``, ``/v1/trust-list``, ``/v1/regions/{code}`` and ``/v1/test-sites`` carry
no personal data and change rarely, so checkpoints, a CDN and API Gateway's cache may
keep them (``Routes.route(cache=...)``). Everything else, errors included, stays
``no-store``.
"""

from __future__ import annotations

import json
import random

import pytest

from app import api
from chalicelib.kernel.http import etag_matches
from chalicelib.kernel.roles import Role
from tests.app.test_test_sites import random_sites
from tests.helpers import assert_error, get, login

CACHED = {
    "/v1/keys": 300,
    "/v1/trust-list": 300,
    "/v1/regions/{code}": 60,
    "/v1/regions": 60,
    "/v1/test-sites": 600,
}
SAMPLES = {
    "/v1/keys": "/v1/keys",
    "/v1/trust-list": "/v1/trust-list",
    "/v1/regions/{code}": "/v1/regions/610113",
    "/v1/regions": "/v1/regions?parent=610100",
    "/v1/test-sites": "/v1/test-sites?lat=34.2&lng=108.9",
}


def _get(client, path, **headers):
    return client.http.get(path, headers=headers)


@pytest.mark.parametrize("route", sorted(CACHED))
def test_a_public_answer_carries_an_etag_and_a_max_age_and_304s_when_unchanged(client, route):
    path = SAMPLES[route]
    first = _get(client, path)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) == 34
    assert first.headers["Cache-Control"] == f"public, max-age={CACHED[route]}"
    assert json.loads(first.body)  # the full body on a plain GET

    again = _get(client, path, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.body in (b"", "")
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == f"public, max-age={CACHED[route]}"

    for header in (f"W/{etag}", f'"other", {etag}', "*"):
        assert _get(client, path, **{"If-None-Match": header}).status_code == 304, header
    for header in ('"other"', etag[:-2] + '"', "", "garbage, ,"):
        assert _get(client, path, **{"If-None-Match": header}).status_code == 200, header


def test_the_same_data_gives_the_same_etag_in_every_container(client, container, clock):
    from chalicelib import bootstrap

    tags = {_get(client, p).headers["ETag"] for p in ("/v1/keys",)}
    other = bootstrap.build(container.settings, clock=clock)  # another Lambda container
    bootstrap.set_container(other)
    try:
        assert {_get(client, "/v1/keys").headers["ETag"]} == tags
    finally:
        bootstrap.set_container(container)


def test_a_changed_region_answers_200_with_a_new_etag(client, clock):
    official = login(client, "etag-official", role="official")
    old = _get(client, "/v1/regions/610113").headers["ETag"]
    changed = client.http.put(
        "/v1/admin/regions/610113/policy",
        headers={"Authorization": f"Bearer {official}", "Content-Type": "application/json"},
        body=json.dumps({"text": "新政策"}),
    )
    assert changed.status_code == 200
    fresh = _get(client, "/v1/regions/610113", **{"If-None-Match": old})
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != old
    assert json.loads(fresh.body)["policy"] == "新政策"
    assert json.loads(fresh.body)["policy_updated_at"] == "2026-11-20T02:00:00Z"  # clock's second


def test_new_test_sites_change_the_etag(client, container):
    path = "/v1/test-sites?lat=34.2&lng=108.9"
    empty = _get(client, path).headers["ETag"]
    container.test_sites.sites.load(random_sites(random.Random(3), 5, 34.2, 108.9, 0.01))
    now = _get(client, path, **{"If-None-Match": empty})
    assert now.status_code == 200 and now.headers["ETag"] != empty
    assert json.loads(now.body)["items"]


def test_errors_on_cached_routes_and_every_other_route_are_no_store(client):
    missing = _get(client, "/v1/regions/999999", **{"If-None-Match": "*"})
    assert_error(missing, 404, code="region_not_found")
    assert missing.headers["Cache-Control"] == "no-store" and "ETag" not in missing.headers
    bad = _get(client, "/v1/test-sites?lat=north&lng=1")
    assert bad.status_code == 400 and bad.headers["Cache-Control"] == "no-store"
    citizen = login(client, "etag-citizen")
    private = get(client, "/v1/me", citizen)
    assert private.headers["Cache-Control"] == "no-store" and "ETag" not in private.headers


def test_only_public_routes_are_declared_cacheable():
    cached = {op.path: op.cache for op in api.operations if op.cache is not None}
    assert cached == CACHED
    for op in api.operations:
        if op.cache is not None:
            assert op.roles is None and op.method == "GET", op.path  # never personal data
        assert op.roles is None or Role.CITIZEN not in op.roles or op.cache is None


def test_the_openapi_document_describes_the_validators_and_the_304(client):
    doc = json.loads(_get(client, "/v1/openapi.json").body)
    for route, max_age in CACHED.items():
        operation = doc["paths"][route]["get"]
        assert set(operation["responses"]["200"]["headers"]) == {"ETag", "Cache-Control"}
        assert "304" in operation["responses"] and "content" not in operation["responses"]["304"]
        names = {(p["in"], p["name"]) for p in operation["parameters"]}
        assert ("header", "If-None-Match") in names
        assert operation["x-cache-max-age"] == max_age
    assert "304" not in doc["paths"]["/v1/code"]["get"]["responses"]


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ("", False),
        ('"a"', True),
        ('W/"a"', True),
        ('"b", "a"', True),
        ("*", True),
        ('"b"', False),
        ('"a', False),
    ],
)
def test_if_none_match_parsing(header, matches):
    assert etag_matches(header, '"a"') is matches
