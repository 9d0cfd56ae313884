"""``GET /v1/code.png`` answers the PNG whatever the Accept header says.

Chalice's own rule refuses a binary answer (400) unless Accept names a binary
type, which an ``<img>`` tag, ``Accept: image/*`` or a client that sends no
Accept header do not; the path already names the format, so the Api answers
binary routes itself (``chalicelib/kernel/api.py``). The same requests go over
HTTP in ``tests/e2e/test_local_gateway.py``.
"""

from __future__ import annotations

import pytest

from tests.helpers import assert_error, declaration, login, post

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
IMG_TAG = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


@pytest.fixture
def citizen(client):
    token = login(client, "png-holder", phone="13812345678")
    assert post(client, "/v1/declarations", declaration(), token).status_code == 201
    return token


@pytest.mark.parametrize(
    "accept",
    [None, "image/png", "image/*", "*/*", BROWSER, IMG_TAG, "application/json"],
    ids=["none", "png", "image-star", "star-star", "browser", "img-tag", "json"],
)
def test_the_png_is_served_for_any_accept(client, citizen, accept):
    headers = {"Authorization": f"Bearer {citizen}"}
    if accept is not None:
        headers["Accept"] = accept

    response = client.http.get("/v1/code.png", headers=headers)

    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "image/png"
    assert response.body[:8] == b"\x89PNG\r\n\x1a\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers.get("X-Request-Id")


def test_png_errors_keep_the_error_shape(client):
    assert_error(client.http.get("/v1/code.png"), 401, code="missing_credentials")
    officer = login(client, "png-officer", role="official")
    assert_error(
        client.http.get("/v1/code.png", headers={"Authorization": f"Bearer {officer}"}),
        403,
        code="wrong_role",
    )


def test_the_png_route_still_checks_its_query(client, citizen):
    response = client.http.get(
        "/v1/code.png?colour=red", headers={"Authorization": f"Bearer {citizen}"}
    )

    assert_error(response, 400, field="colour")


def test_json_routes_are_untouched(client, citizen):
    response = client.http.get(
        "/v1/code", headers={"Authorization": f"Bearer {citizen}", "Accept": "image/png"}
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
