"""Rotated secrets reach warm containers on a short TTL (a closed security debt).

A container used to load the secret once, so after ``cli rotate-code-key`` a warm
container kept signing with the retired key for as long as it lived. Now the secret
is read again once it is ``YIMA_SECRET_TTL_SECONDS`` old (60 s by default, 300 at
most): a retired code key stops signing within 5 minutes, and a new session key is
accepted without a cold start.
"""

from __future__ import annotations

from datetime import timedelta

from chalicelib import cli, cli_stack
from chalicelib.codes.token import parse
from tests.helpers import body, declaration, get, login, post


def _kid(client, token) -> str:
    shown = body(get(client, "/v1/code", token))
    return parse(shown["token"]).kid.hex()


def test_a_retired_code_key_stops_signing_within_five_minutes(client, clock, settings):
    citizen = login(client, "rotating", phone="13812345678")
    assert post(client, "/v1/declarations", declaration(), citizen).status_code == 201
    old = _kid(client, citizen)

    new = cli.rotate_code_key(settings)

    assert new != old
    assert _kid(client, citizen) == old  # within the TTL the container has not looked yet
    clock.now += timedelta(minutes=5)
    assert _kid(client, citizen) == new
    published = {k["kid"] for k in body(get(client, "/v1/keys"))["keys"]}
    assert {old, new} <= published  # the retired key still verifies what it signed


def test_a_rotated_session_key_is_accepted_after_the_ttl(client, clock, settings):
    from chalicelib.kernel import session as tokens
    from chalicelib.kernel.roles import Role
    from chalicelib.kernel.secrets import load_app_secrets

    cli.rotate_session_key(settings)
    fresh_ring = load_app_secrets(
        cli_stack.stack_aws(settings).client("secretsmanager"), settings.secret_id
    ).session_ring
    clock.now += timedelta(minutes=5)
    token, _ = tokens.mint(
        fresh_ring,
        subject="u_someone",
        role=Role.CHECKPOINT,
        audience=settings.audience,
        now=clock.now,
        ttl=timedelta(minutes=10),
    )

    answer = post(client, "/v1/verify", {"token": "YM1:garbage"}, token)

    assert answer.status_code == 200, answer.body  # the new key's token authenticates


def test_a_failed_reload_keeps_the_loaded_secret(clock):
    import json

    from chalicelib.kernel.errors import ConfigError
    from chalicelib.kernel.secrets import SecretsCache, new_secret_document, parse_secret

    calls = {"n": 0}
    first = parse_secret(json.dumps(new_secret_document(clock.now)))

    def load():
        calls["n"] += 1
        raise ConfigError("secrets manager is down")

    cache = SecretsCache(load, ttl=timedelta(seconds=60), clock=clock, first=first)
    clock.now += timedelta(minutes=2)
    assert cache.current() is first
    assert cache.current() is first
    assert calls["n"] == 1  # retried after another TTL, not on every call


def test_a_page_session_is_signed_with_the_rotated_session_key(client, clock, settings):
    import base64
    import json

    from tests.helpers import login, post

    cli.rotate_session_key(settings)
    clock.now += timedelta(minutes=5)
    caller = login(client, "page-rotation")
    code = body(post(client, "/v1/auth/page-code", {"page": "citizen"}, caller))["code"]

    page = body(post(client, "/v1/auth/page-session", {"code": code}))

    def kid(token: str) -> str:
        head = token.split(".")[0]
        return str(json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"])

    assert kid(page["token"]) == kid(caller)  # both follow the reloaded ring
    assert get(client, "/v1/me", page["token"]).status_code == 200
