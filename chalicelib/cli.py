"""Operator commands: ``python -m chalicelib.cli <command>``.

Settings come from the environment, as in Lambda (``YIMA_*``, ``AWS_*``). When
``YIMA_STAGE`` is not set, they come from the stack ``make run`` is running, which it
describes in ``.local/stack.json`` (``$YIMA_LOCAL_STACK`` names another such file, e.g.
``.local/stack-local-b.json``). Bad input of any kind is one line on stderr and exit 2.

- ``create-tables``      create every table from the pynamodb models (local stacks;
                         deployed stages get theirs from ``infra/``)
- ``init-secrets``       write the application secret with fresh random keys
- ``rotate-session-key`` add a session-signing key and make it active
- ``rotate-code-key``    a new health-code signing key; the old one stays published an hour
- ``issue-token``        mint a staff or machine session token (never a public endpoint)
- ``set-wechat``         store the WeChat mini-program AppID and AppSecret in the secret
- ``set-alipay``         store the Alipay app id, RSA2 keys and AES key in the secret
- ``bootstrap-local``    tables, secret, feed bucket and queue for ``make run``, and a
                         local stand-in for the national root key (demos only)
- ``load-carrier-feed``  load a carrier batch file in idempotent chunks, with a progress bar
- ``set-federation-key`` store the federation key shared with the partner regions
- ``sign-trust-list``    sign a trust list with a root key file, as the national platform
                         would (local demos and tests; the real root never leaves it)
- ``load-test-sites``    load test sites from a CSV or JSON file (idempotent), with a progress bar
- ``decommission``       when the epidemic rules end: purge every table of personal data,
                         table by table, with a report (``--dry-run`` counts only;
                         deleting needs ``--confirm <stage>``)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# The commands live by subject in chalicelib/cli_*.py: cli_stack (where the settings come
# from), cli_local (a local stack's resources), cli_secrets (the application secret and
# staff tokens), cli_federation (the local national root, trust lists) and cli_data
# (loading and purging data). This module parses the command line and runs them.
from chalicelib.cli_data import decommission, load_carrier_feed, load_test_sites, read_sites
from chalicelib.cli_federation import local_national_root, sign_trust_list
from chalicelib.cli_local import bootstrap_local, create_tables, ensure_kms_key
from chalicelib.cli_secrets import (
    init_secrets,
    issue_token,
    rotate_code_key,
    rotate_session_key,
    set_alipay,
    set_federation_key,
    set_wechat,
)
from chalicelib.cli_stack import (
    LOCAL_STACK_VARIABLES,
    UsageError,
    _settings,
    local_stack_env,
    local_state_dir,
    stack_file,
)
from chalicelib.kernel.errors import ConfigError, DomainError, InvalidInput
from chalicelib.kernel.roles import Role
from chalicelib.kernel.settings import Settings

# What scripts/ and the tests call as ``chalicelib.cli.<name>``, as before the split.
__all__ = [
    "LOCAL_STACK_VARIABLES",
    "Settings",
    "UsageError",
    "bootstrap_local",
    "create_tables",
    "decommission",
    "ensure_kms_key",
    "init_secrets",
    "issue_token",
    "load_carrier_feed",
    "load_test_sites",
    "local_national_root",
    "local_stack_env",
    "local_state_dir",
    "main",
    "read_sites",
    "rotate_code_key",
    "rotate_session_key",
    "set_alipay",
    "set_federation_key",
    "set_wechat",
    "sign_trust_list",
    "stack_file",
]


class _Parser(argparse.ArgumentParser):
    """Bad arguments are one line (no usage block) and exit 2."""

    def error(self, message: str) -> Any:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        text = f"{exc.field}: {exc.message}" if exc.field else exc.message
    elif isinstance(exc, OSError) and exc.filename:
        text = f"{exc.filename}: {exc.strerror or exc}"
    elif isinstance(exc, KeyError):
        text = f"missing field {exc}"
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; every error a caller can cause is one line on stderr and
    ``SystemExit(2)``, as for bad arguments."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return _main(argv)
    except (
        UsageError,
        ConfigError,
        DomainError,  # a row a service refuses, say
        OSError,
        ValueError,  # bad JSON, bad UTF-8, a bad number
        KeyError,
        TypeError,  # a JSON document of the wrong shape
        BotoCoreError,
        ClientError,
    ) as exc:
        sys.stderr.write(f"python -m chalicelib.cli: error: {_one_line(exc)}\n")
        raise SystemExit(2) from None  # as argparse does for bad arguments


def _main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(
        prog="python -m chalicelib.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("create-tables")
    init = sub.add_parser("init-secrets")
    init.add_argument("--force", action="store_true", help="replace existing keys")
    sub.add_parser("rotate-session-key")
    sub.add_parser("rotate-code-key", help="new health-code signing key; old one kept 1 h")
    tok = sub.add_parser("issue-token")
    tok.add_argument("--role", required=True, choices=[r.value for r in Role])
    tok.add_argument("--subject", required=True, help="who the token is for, e.g. an staff id")
    tok.add_argument("--hours", type=float, default=8.0)
    sub.add_parser("bootstrap-local")
    load = sub.add_parser("load-carrier-feed", help="load a carrier batch file in chunks")
    load.add_argument("file")
    load.add_argument("--chunk", type=int, default=5000)
    fed = sub.add_parser("set-federation-key", help="store the key shared with partners")
    fed.add_argument("--key-file", required=True, help="file with the base64 key, - for stdin")
    sig = sub.add_parser("sign-trust-list", help="sign a trust list with a root key file")
    sig.add_argument("--root-key-file", required=True, help="e.g. .local/national-root.json")
    sig.add_argument("--keys", action="append", required=True, help="a saved GET /v1/keys")
    sig.add_argument("--version", type=int, required=True)
    sig.add_argument("--revoke", action="append", default=[], help="a kid to list as revoked")
    sites = sub.add_parser("load-test-sites", help="load test sites from a CSV or JSON file")
    sites.add_argument("file")
    sites.add_argument("--chunk", type=int, default=500)
    dec = sub.add_parser(
        "decommission", help="purge every table of personal data (the epidemic is over)"
    )
    dec.add_argument("--dry-run", action="store_true", help="count what would go; delete nothing")
    dec.add_argument(
        "--confirm",
        metavar="STAGE",
        help="delete for real: the stage's name, as a check that it is the right one",
    )
    wx = sub.add_parser("set-wechat", help="store the WeChat mini-program credentials")
    wx.add_argument("--appid", required=True)
    wx.add_argument("--secret-file", required=True, help="file with the AppSecret, - for stdin")
    ali = sub.add_parser("set-alipay", help="store the Alipay mini-program credentials")
    ali.add_argument("--appid", required=True)
    ali.add_argument("--private-key-file", required=True, help="the app's RSA2 private key")
    ali.add_argument("--alipay-public-key-file", required=True, help="Alipay's public key")
    ali.add_argument("--aes-key-file", required=True, help="the content-encryption AES key")
    args = parser.parse_args(argv)

    result: Any
    if args.command == "sign-trust-list":  # no stage needed: the root's own business
        if args.version < 1:
            parser.error("--version must be at least 1")
        documents = [json.loads(Path(f).read_text()) for f in args.keys]
        result = sign_trust_list(
            args.root_key_file, documents, version=args.version, revoke=args.revoke
        )
        json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    settings = _settings()
    if args.command == "create-tables":
        result = {"created": create_tables(settings)}
    elif args.command == "init-secrets":
        result = {"written": init_secrets(settings, force=args.force)}
    elif args.command == "rotate-session-key":
        result = {"active": rotate_session_key(settings)}
    elif args.command == "rotate-code-key":
        result = {"active": rotate_code_key(settings)}
    elif args.command == "load-carrier-feed":
        if not 1 <= args.chunk <= 10_000:
            parser.error("--chunk must be between 1 and 10000")
        result = load_carrier_feed(args.file, chunk=args.chunk)
    elif args.command == "set-federation-key":
        set_federation_key(settings, key_file=args.key_file)
        result = {"federation_key": "stored"}
    elif args.command == "load-test-sites":
        if not 1 <= args.chunk <= 5000:
            parser.error("--chunk must be between 1 and 5000")
        try:
            result = load_test_sites(args.file, chunk=args.chunk)
        except InvalidInput as exc:
            raise UsageError(f"{args.file}: {_one_line(exc)}") from None
    elif args.command == "decommission":
        if not args.dry_run and args.confirm != settings.stage:
            parser.error(
                f"decommission deletes all personal data of stage {settings.stage!r}: "
                f"pass --dry-run to count, or --confirm {settings.stage} to delete"
            )
        result = decommission(settings, dry_run=args.dry_run)
    elif args.command == "set-wechat":
        set_wechat(settings, appid=args.appid, secret_file=args.secret_file)
        result = {"wechat": "stored"}
    elif args.command == "set-alipay":
        set_alipay(
            settings,
            appid=args.appid,
            private_key_file=args.private_key_file,
            alipay_public_key_file=args.alipay_public_key_file,
            aes_key_file=args.aes_key_file,
        )
        result = {"alipay": "stored"}
    elif args.command == "issue-token":
        if not 0 < args.hours <= 24 * 30:
            parser.error("--hours must be between 0 and 720")
        result = issue_token(settings, role=Role(args.role), subject=args.subject, hours=args.hours)
    else:
        result = bootstrap_local(settings)
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
