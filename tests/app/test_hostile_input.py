"""Inputs a review found to break things: each is now a clean 4xx in the SPEC's shape."""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest

from tests.helpers import assert_error, body, declaration, get, login, post


@pytest.mark.parametrize(
    ("path", "payload", "role"),
    [
        ("/v1/me/appeals", b'{"reason": "\\ud800x"}', "citizen"),
        ("/v1/auth/dev", b'{"subject": "\\udfff"}', None),
        ("/v1/verify", b'{"token": "YM1:AA", "venue_id": "610113-\\ud800"}', "checkpoint"),
        ("/v1/auth/dev", b'{"\\ud800": 1, "\\ud800": 2}', None),
    ],
)
def test_lone_surrogates_are_400_not_500(client, path, payload, role):
    token = login(client, f"s-{role}", role=role) if role else None

    response = post(client, path, payload, token)

    assert response.status_code == 400
    assert_error(response, 400)


def test_a_non_ascii_token_is_401_not_500(client):
    token = login(client, "ascii")
    head, payload, sig = token.split(".")

    assert_error(get(client, "/v1/me", f"{head}.é{payload}.{sig}"), 401)


def test_full_width_digits_are_not_a_phone(client):
    response = post(client, "/v1/auth/dev", {"subject": "fw", "phone": "１３８１２３４５６７８"})

    assert_error(response, 400, field="phone")


def _cursor(key):
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


@pytest.mark.parametrize(
    "key",
    [
        {"foo": {"S": "x"}},
        {"declaration_id": {"S": "d"}, "person_id": {"S": "p_other"}, "created_at": {"S": "x"}},
        {"declaration_id": {"N": "1"}, "person_id": {"S": "p"}, "created_at": {"S": "x"}},
    ],
)
def test_crafted_cursors_are_400(client, key):
    token = login(client, "cursor", phone="13812345678")
    post(client, "/v1/declarations", declaration(), token)

    assert_error(get(client, f"/v1/declarations?cursor={_cursor(key)}", token), 400, field="cursor")


@pytest.mark.parametrize(
    ("entered", "left", "field"),
    [
        ("0001-01-01T00:00:00+14:00", "2026-11-17T14:30:00+08:00", "stays[0].entered_at"),
        ("2026-10-01T00:00:00+08:00", "2026-11-17T14:30:00+08:00", "stays[0].entered_at"),
    ],
)
def test_carrier_times_that_overflow_or_span_months_are_400(client, entered, left, field):
    carrier = login(client, "cmcc", role="carrier")
    batch = {
        "batch_id": "b",
        "stays": [
            {
                "phone": "13800138000",
                "kind": "city",
                "place": "610100",
                "entered_at": entered,
                "left_at": left,
            }
        ],
    }

    assert_error(post(client, "/v1/feeds/carrier", batch, carrier), 400, field=field)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"feed_id": "f", "published_at": "2099-01-01T00:00:00+08:00", "areas": []},
            "published_at",
        ),
        (
            {"feed_id": "f", "published_at": "9999-12-31T23:59:59-14:00", "areas": []},
            "published_at",
        ),
        (
            {
                "code": 0,
                "data": {
                    "end_update_time": "2026-11-20 09时",
                    "highlist": [
                        {
                            "province": "陕西省",
                            "city": "西安市",
                            "county": "雁塔区",
                            "communitys": 5,
                        }
                    ],
                },
            },
            "data.highlist[0].communitys",
        ),
    ],
)
def test_risk_feeds_from_the_future_or_misshapen_are_400(client, payload, field):
    official = login(client, "official", role="official")

    assert_error(post(client, "/v1/feeds/risk-areas", payload, official), 400, field=field)


def test_the_dev_login_is_a_bare_404_and_undocumented_on_deployed_stages(client, container):
    container.settings = dataclasses.replace(container.settings, stage="prod")

    assert_error(post(client, "/v1/auth/dev", {}), 404, code="not_found")
    assert "/v1/auth/dev" not in body(client.http.get("/v1/openapi.json"))["paths"]
