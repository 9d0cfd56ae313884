"""The local dev login, sessions on protected routes, and their failures."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.kernel import session as tokens
from chalicelib.kernel.roles import Role
from tests.helpers import assert_error, body, get, login, make_id_number, post


def test_dev_login_returns_a_session_for_a_new_citizen(client):
    response = post(client, "/v1/auth/dev", {"subject": "alice"})

    assert response.status_code == 200
    payload = body(response)
    assert payload["role"] == "citizen"
    assert payload["user"]["id"].startswith("u_")
    assert payload["user"]["phone_bound"] is False
    assert payload["expires_at"].endswith("Z")


def test_same_subject_logs_into_the_same_account(client):
    first = body(post(client, "/v1/auth/dev", {"subject": "alice"}))
    second = body(post(client, "/v1/auth/dev", {"subject": "alice"}))

    assert first["user"]["id"] == second["user"]["id"]
    assert first["token"] != second["token"] or first["expires_at"] == second["expires_at"]


def test_phone_is_bound_verified_and_shown_masked(client):
    token = login(client, "bob", phone="13812345678")

    me = body(get(client, "/v1/me", token))

    assert me["phone_bound"] is True
    assert me["phone_masked"] == "138****5678"
    assert "13812345678" not in str(me)


def test_two_logins_of_one_vouched_person_with_one_verified_phone_share_one_account(client):
    # A phone alone joins nothing (carriers reissue numbers): the same vouched ID number does.
    vouched = make_id_number("61011319800101123")
    first = body(
        post(
            client,
            "/v1/auth/dev",
            {"subject": "wx-bob", "phone": "13812345678", "vouched_id_number": vouched},
        )
    )
    second = body(
        post(
            client,
            "/v1/auth/dev",
            {"subject": "ali-bob", "phone": "13812345678", "vouched_id_number": vouched},
        )
    )

    assert first["user"]["id"] == second["user"]["id"]
    again = body(post(client, "/v1/auth/dev", {"subject": "ali-bob"}))
    assert again["user"]["id"] == first["user"]["id"]


def test_phone_is_stored_encrypted_and_hashed_never_plain(client):
    from chalicelib.identity.store import UserRecord

    user_id = body(post(client, "/v1/auth/dev", {"subject": "c", "phone": "13912345678"}))["user"][
        "id"
    ]

    record = UserRecord.get(user_id)
    assert "13912345678" not in str(record.attribute_values)
    assert record.phone_enc and record.phone_hash and len(record.phone_hash) == 64


def test_bad_phone_is_rejected_naming_the_field_and_nothing_is_stored(client):
    from chalicelib.identity.store import IdentityRecord

    response = post(client, "/v1/auth/dev", {"subject": "dave", "phone": "12345"})

    assert_error(response, 400, field="phone")
    assert IdentityRecord.count() == 0


def test_unknown_role_is_rejected(client):
    assert_error(post(client, "/v1/auth/dev", {"subject": "x", "role": "root"}), 400, field="role")


def test_dev_login_is_absent_on_deployed_stages(client, container):
    container.auth.dev_login_enabled = False

    assert_error(post(client, "/v1/auth/dev", {"subject": "x"}), 404, code="not_found")


def test_me_requires_a_token(client):
    assert_error(get(client, "/v1/me"), 401, code="missing_credentials")


def test_malformed_authorization_header_is_401(client):
    response = client.http.get("/v1/me", headers={"Authorization": "Basic abc"})

    assert_error(response, 401, code="invalid_authorization_header", field="Authorization")


def test_forged_token_is_401(client):
    token = login(client)
    head, payload, _sig = token.split(".")

    assert_error(get(client, "/v1/me", f"{head}.{payload}.AAAA"), 401, code="invalid_token")


def test_expired_token_is_401(client, clock):
    token = login(client)
    clock.now += timedelta(hours=3)

    assert_error(get(client, "/v1/me", token), 401, code="token_expired")


def test_token_for_another_audience_is_401(client, container, clock):
    token, _ = tokens.mint(
        container.auth.ring,
        subject="u_x",
        role=Role.CITIZEN,
        audience="yima:prod:110100",
        now=clock(),
        ttl=timedelta(hours=1),
    )

    assert_error(get(client, "/v1/me", token), 401, code="wrong_audience")


def test_other_role_gets_403(client):
    token = login(client, "officer", role="checkpoint")

    assert_error(get(client, "/v1/me", token), 403, code="wrong_role")


def test_token_signed_by_a_rotated_out_key_still_works_until_expiry(client, container):
    from chalicelib.kernel.session import KeyRing

    old = login(client)
    ring = container.auth.ring
    container.auth.ring = KeyRing(keys={**ring.keys, "s2": b"n" * 32}, active="s2")
    new = login(client)

    assert get(client, "/v1/me", old).status_code == 200
    assert get(client, "/v1/me", new).status_code == 200
    assert new.split(".")[0] != old.split(".")[0]  # a different kid in the header
