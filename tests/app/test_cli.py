"""Operator commands against moto: secrets, rotation, staff tokens."""

from __future__ import annotations

import json
import re

import pytest

from chalicelib import cli
from chalicelib.kernel.contract import TIME_PATTERN
from chalicelib.kernel.roles import MACHINE_ROLES, Role
from tests.conftest import TEST_ENV


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("YIMA_LOCAL_STATE", str(tmp_path / "local"))


def _refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2


def _one_error_line(capsys) -> str:
    """What a refused command printed: one line on stderr, nothing on stdout."""
    out, err = capsys.readouterr()
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


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
    assert re.match(TIME_PATTERN, result["expires_at"])  # the API's one format, not +00:00


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


def test_bootstrap_local_refuses_a_deployed_stage(monkeypatch, env, capsys):
    monkeypatch.setenv("YIMA_STAGE", "prod")

    _refused(["bootstrap-local"])
    assert "only runs on the local and test stages" in _one_error_line(capsys)


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


def test_a_placeholder_credential_is_refused_and_nothing_is_written(
    aws, env, settings, tmp_path, capsys
):
    secret = tmp_path / "wx"
    secret.write_text("REPLACE_ME")
    _refused(["set-wechat", "--appid", "wx1", "--secret-file", str(secret)])
    assert "placeholder" in _one_error_line(capsys)

    from chalicelib import bootstrap

    assert bootstrap.build(settings).auth.wechat() is None


def test_load_carrier_feed_in_chunks_with_a_progress_bar(aws, env, container, tmp_path, capsys):
    import io

    from chalicelib.itinerary.store import StayRecord
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
    from chalicelib.bootstrap import utc_now
    from chalicelib.federation import rules as federation
    from chalicelib.kernel.signing import ed25519_verify

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
    from chalicelib.codes.schemas import public_key

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
    _refused(["set-federation-key", "--key-file", str(key)])
    assert "federation_key" in _one_error_line(capsys)
    assert bootstrap.build(settings).federation.federation_key == b"s" * 32


def test_issue_token_gives_a_vaccinator_token_the_feed_accepts(aws, env, container, clock, capsys):
    """The vaccinator machine role (issue 17) gets its token from the operator command."""
    from chalicelib.bootstrap import utc_now

    clock.now = utc_now()
    result = _run(capsys, "issue-token", "--role", "vaccinator", "--subject", "yanta-cdc")

    claims = container.auth.authenticate(result["token"])
    assert claims.role is Role.VACCINATOR and claims.subject == "vaccinator:yanta-cdc"
    assert Role.VACCINATOR in MACHINE_ROLES


# Bad input: one line on stderr and exit 2, never a traceback, nothing written.


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("missing.csv", None, "No such file"),
        ("sites.json", "{not json", "not valid JSON"),
        ("sites.json", '{"sites": 3}', "expected a list of sites"),
        ("sites.csv", "site_id,name\nx-1,a\n", "sites[0]"),
        ("sites.csv", b"\xff\xfe\x00bad", "codec"),
    ],
)
def test_load_test_sites_answers_a_bad_file_with_one_line(
    aws, env, tmp_path, capsys, name, content, says
):
    from chalicelib.labs.store import TestSiteRecord

    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)

    _refused(["load-test-sites", str(path)])
    assert says in _one_error_line(capsys)
    assert TestSiteRecord.count() == 0


@pytest.mark.parametrize("content", [None, "", "[1, 2", '{"batch_id": "b1"}', '{"stays": 5}'])
def test_load_carrier_feed_answers_a_bad_file_with_one_line(aws, env, tmp_path, capsys, content):
    path = tmp_path / "feed.json"
    if content is not None:
        path.write_text(content)

    _refused(["load-carrier-feed", str(path)])
    _one_error_line(capsys)


def test_a_missing_credential_file_is_one_line(aws, env, tmp_path, capsys):
    missing = str(tmp_path / "nope")

    _refused(["set-wechat", "--appid", "wx1", "--secret-file", missing])
    assert missing in _one_error_line(capsys)


def test_a_trust_list_from_a_keys_file_that_is_not_json_is_one_line(env, tmp_path, capsys):
    keys = tmp_path / "keys.json"
    keys.write_text("")
    root = cli.local_national_root()

    argv = ["sign-trust-list", "--root-key-file", root["private_key_file"], "--keys", str(keys)]
    _refused([*argv, "--version", "1"])
    _one_error_line(capsys)


def _cli(env: dict[str, str], *argv: str, module: str = "chalicelib.cli"):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "YIMA_"))}
    return subprocess.run(
        [sys.executable, "-m", module, *argv],
        cwd=root,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _one_line_exit_2(done) -> str:
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    return done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["issue-token", "--role", "emperor", "--subject", "x"],
        ["issue-token", "--role", "official"],
        ["issue-token", "--role", "official", "--subject", "x", "--hours", "lots"],
        ["no-such-command"],
        [],
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(tmp_path, argv):
    _one_line_exit_2(_cli({"YIMA_LOCAL_STATE": str(tmp_path)}, *argv))


def test_with_no_stage_and_no_running_stack_it_says_to_run_make_run(tmp_path):
    done = _cli(
        {"YIMA_LOCAL_STATE": str(tmp_path)}, "issue-token", "--role", "lab", "--subject", "x"
    )

    assert "make run" in _one_line_exit_2(done)


def _stack_file(path, *, pid: int, port: int) -> None:
    path.write_text(
        json.dumps(
            {
                "stage": "local",
                "pid": pid,
                "env": {**TEST_ENV, "YIMA_AWS_ENDPOINT": f"http://127.0.0.1:{port}"},
            }
        )
    )


def test_a_stale_stack_file_says_to_run_make_run(tmp_path):
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that no longer runs
    _stack_file(tmp_path / "stack.json", pid=gone.pid, port=9)

    done = _cli(
        {"YIMA_LOCAL_STATE": str(tmp_path)}, "issue-token", "--role", "lab", "--subject", "x"
    )

    err = _one_line_exit_2(done)
    assert "stale" in err and "make run" in err


@pytest.mark.parametrize("content", ["", "{", '{"env": 3}', "[]"])
def test_a_broken_stack_file_is_one_line(tmp_path, content):
    (tmp_path / "stack.json").write_text(content)

    done = _cli({"YIMA_LOCAL_STATE": str(tmp_path)}, "rotate-code-key")

    assert "make run" in _one_line_exit_2(done)


def test_the_stack_file_of_a_running_stack_gives_its_settings(monkeypatch, tmp_path):
    import os
    import socket

    for name in TEST_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("YIMA_LOCAL_STATE", str(tmp_path))
    with socket.socket() as listening:  # the stand-in's port, answering
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        _stack_file(cli.stack_file(), pid=os.getpid(), port=port)

        env = cli.local_stack_env()

    assert env["YIMA_AWS_ENDPOINT"] == f"http://127.0.0.1:{port}"
    assert env["YIMA_STAGE"] == TEST_ENV["YIMA_STAGE"]
    assert cli.Settings.from_mapping(env).table_prefix == TEST_ENV["YIMA_TABLE_PREFIX"]
    with pytest.raises(cli.UsageError, match="stale"):  # the port closed: stopped
        cli.local_stack_env()


@pytest.mark.parametrize("content", [None, "", "   \n", "{oops", "[1]", '{"keys": 5}'])
def test_verify_answers_a_bad_keys_file_with_one_line(tmp_path, content):
    keys = tmp_path / "keys.json"
    if content is not None:
        keys.write_text(content)

    done = _cli({}, "YM1:XYZ", "--keys", str(keys), module="chalicelib.verify")

    assert "--keys" in _one_line_exit_2(done)


def test_verify_answers_a_bad_now_with_one_line(tmp_path):
    keys = tmp_path / "keys.json"
    keys.write_text('{"keys": []}')

    done = _cli(
        {}, "YM1:XYZ", "--keys", str(keys), "--now", "yesterday", module="chalicelib.verify"
    )

    assert "--now" in _one_line_exit_2(done)


@pytest.mark.parametrize(
    "argv",
    [
        ["--national-root", "-AbC"],
        ["--national-root=-AbC"],
        ["--keys", "k.json", "--national-root", "-AbC"],
        ["--national-root", "-AbC", "--", "YM1:X"],
    ],
)
def test_verify_joins_an_option_and_a_value_that_starts_with_a_dash(argv):
    from chalicelib.verify import _join_option_values

    joined = _join_option_values(argv)

    assert "--national-root=-AbC" in joined and "-AbC" not in joined


def test_verify_still_says_a_value_is_missing(tmp_path):
    keys = tmp_path / "keys.json"
    keys.write_text('{"keys": []}')

    done = _cli({}, "YM1:XYZ", "--national-root", "--keys", str(keys), module="chalicelib.verify")

    assert done.returncode == 2 and done.stdout == ""
    assert "argument --national-root: expected one argument" in done.stderr
