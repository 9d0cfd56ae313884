"""One error shape for everything a client can send, and never a 500 for it."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import assert_error, body, post

DEV = "/v1/auth/dev"


def test_invalid_json_is_400(client):
    assert_error(post(client, DEV, b"{not json"), 400, code="invalid_json")


def test_non_utf8_body_is_400(client):
    assert_error(post(client, DEV, b'{"subject": "\xff\xfe"}'), 400, code="invalid_json")


def test_json_that_is_not_an_object_is_400(client):
    assert_error(post(client, DEV, b"[1, 2]"), 400, code="wrong_type")


def test_nan_is_not_json(client):
    assert_error(post(client, DEV, b'{"subject": NaN}'), 400, code="invalid_json")


def test_duplicate_keys_are_rejected_naming_the_field(client):
    response = post(client, DEV, b'{"subject": "a", "subject": "b"}')

    assert_error(response, 400, code="duplicate_field", field="subject")


def test_missing_body_is_400(client):
    assert_error(post(client, DEV, b""), 400, code="missing_body")


def test_missing_field_is_named(client):
    assert_error(post(client, DEV, {}), 400, code="missing_field", field="subject")


def test_empty_string_field_is_named(client):
    assert_error(post(client, DEV, {"subject": ""}), 400, field="subject")


def test_unknown_field_is_named(client):
    response = post(client, DEV, {"subject": "a", "admin": True})

    assert_error(response, 400, code="unknown_field", field="admin")


@pytest.mark.parametrize("value", [1, 1.5, True, None, [], {}])
def test_wrong_type_is_named(client, value):
    response = post(client, DEV, {"subject": value})

    assert_error(response, 400, code="wrong_type", field="subject")


def test_deeply_nested_body_is_400_not_500(client):
    response = post(client, DEV, b'{"subject": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")

    assert response.status_code in (400, 413)
    assert_error(response, response.status_code)


def test_body_over_64_kib_is_413(client):
    response = post(client, DEV, {"subject": "a" * (65 * 1024)})

    assert_error(response, 413, code="payload_too_large")


def test_wrong_content_type_is_415_in_our_shape(client):
    response = client.http.post(DEV, headers={"Content-Type": "text/plain"}, body="subject=a")

    assert_error(response, 415, code="unsupported_media_type")


def test_a_route_without_a_body_ignores_the_content_type(client):
    # Alipay's my.request sends this Content-Type on every request, GETs included.
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    response = client.http.get("/v1/keys", headers=headers)

    assert response.status_code == 200, response.body
    assert "keys" in body(response)


def test_wrong_method_is_405_in_our_shape(client):
    response = client.http.delete("/v1/auth/dev")

    assert_error(response, 405, code="method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_unknown_query_parameter_is_named(client):
    response = client.http.get("/v1/openapi.json?debug=1")

    assert_error(response, 400, code="unknown_field", field="debug")


def test_body_on_a_get_route_is_rejected(client):
    response = client.http.get(
        "/v1/openapi.json", headers={"Content-Type": "application/json"}, body=b'{"x": 1}'
    )

    assert_error(response, 400, code="unexpected_body")


def test_an_unexpected_bug_is_a_500_in_our_shape_without_details(client, container, monkeypatch):
    def explode(**_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(container.auth, "dev_login", explode)

    response = post(client, DEV, {"subject": "a"})

    error = assert_error(response, 500, code="internal_error")
    assert "secret" not in error["message"]


def test_a_throttled_table_is_503_not_500(client, monkeypatch):
    from pynamodb.exceptions import GetError

    from chalicelib.identity import store as identity_repo

    class Throttled(GetError):
        cause_response_code = "ProvisionedThroughputExceededException"

    def throttled(*_args, **_kwargs):
        raise Throttled("throttled")

    monkeypatch.setattr(identity_repo.IdentityRecord, "get", throttled)

    assert_error(post(client, DEV, {"subject": "a"}), 503, code="upstream_unavailable")


def test_every_response_carries_a_request_id(client):
    response = post(client, DEV, {"subject": "a"})

    assert response.headers["X-Request-Id"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payload=st.one_of(
        json_values.map(lambda v: json.dumps(v).encode()),
        st.fixed_dictionaries(
            {"subject": json_values}, optional={"role": json_values, "phone": json_values}
        ).map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=200),
    )
)
def test_no_body_a_client_can_send_yields_a_5xx(client, payload):
    response = post(client, DEV, payload)

    assert response.status_code < 500, response.body
    if response.status_code >= 400:
        assert_error(response, response.status_code)
    else:
        assert "token" in body(response)
