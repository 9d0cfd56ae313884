"""Operator commands against moto: secrets, rotation, staff tokens."""

from __future__ import annotations

import json

import pytest

from chalicelib import cli
from chalicelib.domain.errors import ConfigError
from chalicelib.domain.roles import MACHINE_ROLES, Role
from tests.conftest import TEST_ENV


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("YIMA_LOCAL_STATE", str(tmp_path / "local"))


def _run(capsys, *argv: str) -> dict:
    assert cli.main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_issue_token_gives_a_staff_token_the_app_accepts(aws, env, container, clock, capsys):
    from chalicelib.bootstrap import utc_now

    clock.now = utc_now()  # the CLI signs with the real clock
    result = _run(
        capsys, "issue-token", "--role", "official", "--subject", "wang.li", "--hours", "8"
    )

    claims = container.auth.authenticate(result["token"])
    assert claims.role is Role.OFFICIAL
    assert claims.subject == "official:wang.li"


def test_init_secrets_never_overwrites_real_keys(aws, env, capsys):
    assert _run(capsys, "init-secrets") == {"written": False}


def test_rotation_keeps_old_tokens_valid(aws, env, settings, capsys):
    from chalicelib import bootstrap

    old = _run(capsys, "issue-token", "--role", "lab", "--subject", "lab-1")["token"]
    active = _run(capsys, "rotate-session-key")["active"]
    rebuilt = bootstrap.build(settings)  # a new container loads the rotated secret

    assert rebuilt.auth.ring.active == active
    assert rebuilt.auth.authenticate(old).role is Role.LAB


def test_bootstrap_local_is_idempotent(aws, env, capsys):
    first = _run(capsys, "bootstrap-local")
    second = _run(capsys, "bootstrap-local")

    assert first["tables_created"] == 0 == second["tables_created"]  # the fixture made them
    assert second["secret_written"] is False
    # the local stand-in for the national root: made once, its private key's file named
    assert first["national_root"] == second["national_root"]
    assert first["national_root"]["private_key_file"].endswith("local/national-root.json")


def test_bootstrap_local_refuses_a_deployed_stage(monkeypatch, env):
    monkeypatch.setenv("YIMA_STAGE", "prod")

    with pytest.raises(SystemExit):
        cli.main(["bootstrap-local"])


def test_channel_credentials_go_into_the_secret_and_switch_the_channels_on(
    aws, env, settings, tmp_path, capsys
):
    from chalicelib import bootstrap

    secret = tmp_path / "wx"
    secret.write_text("0123456789abcdef0123456789abcdef\n")
    _run(capsys, "set-wechat", "--appid", "wx0123456789abcdef", "--secret-file", str(secret))

    rebuilt = bootstrap.build(settings)
    assert rebuilt.auth.wechat().appid == "wx0123456789abcdef"
    assert rebuilt.auth.alipay() is None


def test_a_placeholder_credential_is_refused_and_nothing_is_written(aws, env, settings, tmp_path):
    from chalicelib.domain.errors import ConfigError

    secret = tmp_path / "wx"
    secret.write_text("REPLACE_ME")
    with pytest.raises(ConfigError):
        cli.main(["set-wechat", "--appid", "wx1", "--secret-file", str(secret)])

    from chalicelib import bootstrap

    assert bootstrap.build(settings).auth.wechat() is None


def test_load_carrier_feed_in_chunks_with_a_progress_bar(aws, env, container, tmp_path, capsys):
    import io

    from chalicelib.adapters.dynamo.models import StayRecord
    from scripts.demo_carrier import generate

    feed = generate(phones=20, seed=1, now=container.clock())
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed))
    bar = io.StringIO()

    first = cli.load_carrier_feed(str(path), chunk=40, progress=bar)
    again = cli.load_carrier_feed(str(path), chunk=40, progress=io.StringIO())

    assert first["accepted"] == len(feed["stays"])
    assert StayRecord.count() == len(
        {(s["phone"], s["entered_at"], s["kind"], s["place"]) for s in feed["stays"]}
    )
    assert again["duplicates"] == -(-len(feed["stays"]) // 40)  # every chunk seen before
    assert f"{len(feed['stays'])}/{len(feed['stays'])} rows" in bar.getvalue()


def test_a_trust_list_signed_with_the_local_root_loads_and_revokes(
    aws, env, settings, container, capsys, tmp_path
):
    """The demo path: the local national root signs our keys' list; a region pinning that
    root loads it, and a later version revokes a key."""
    from chalicelib.adapters.signing import ed25519_verify
    from chalicelib.bootstrap import utc_now
    from chalicelib.domain import federation

    root = cli.local_national_root()
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"keys": [_key_entry(k) for k in container.codes.public_keys()]}))
    first = _run(
        capsys,
        "sign-trust-list",
        "--root-key-file",
        root["private_key_file"],
        "--keys",
        str(keys),
        "--version",
        "1",
    )
    kid = first["payload"]["keys"][0]["kid"]
    second = _run(
        capsys,
        "sign-trust-list",
        "--root-key-file",
        root["private_key_file"],
        "--keys",
        str(keys),
        "--version",
        "2",
        "--revoke",
        kid,
    )

    roots = federation.root_keys([root["public_key"]])
    now = utc_now()  # the command signs with the real clock
    loaded = federation.parse_trust_list(first, roots, verifier=ed25519_verify, now=now)
    revoked = federation.parse_trust_list(second, roots, verifier=ed25519_verify, now=now)
    assert [k.status for k in loaded.keys] == ["active"]
    assert [(k.kid.hex(), k.status) for k in revoked.keys] == [(kid, "revoked")]
    assert loaded.keys[0].region == settings.region_code


def _key_entry(key):
    from chalicelib.web.views import public_key

    return public_key(key)


def test_the_federation_key_goes_into_the_secret(aws, env, settings, tmp_path, capsys):
    import base64

    from chalicelib import bootstrap

    key = tmp_path / "federation.key"
    key.write_text(base64.b64encode(b"s" * 32).decode())

    assert _run(capsys, "set-federation-key", "--key-file", str(key)) == {
        "federation_key": "stored"
    }
    assert bootstrap.build(settings).federation.federation_key == b"s" * 32
    key.write_text("c2hvcnQ=")  # "short": refused before anything is written
    with pytest.raises(ConfigError, match="federation_key"):
        cli.main(["set-federation-key", "--key-file", str(key)])


def test_issue_token_gives_a_vaccinator_token_the_feed_accepts(aws, env, container, clock, capsys):
    """The vaccinator machine role (issue 17) gets its token from the operator command."""
    from chalicelib.bootstrap import utc_now

    clock.now = utc_now()
    result = _run(capsys, "issue-token", "--role", "vaccinator", "--subject", "yanta-cdc")

    claims = container.auth.authenticate(result["token"])
    assert claims.role is Role.VACCINATOR and claims.subject == "vaccinator:yanta-cdc"
    assert Role.VACCINATOR in MACHINE_ROLES
