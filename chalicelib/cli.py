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
import os
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from chalicelib.kernel.errors import ConfigError, DomainError, InvalidInput
from chalicelib.kernel.roles import Role
from chalicelib.kernel.settings import Settings
from chalicelib.kernel.times import rfc3339

# What ``make run`` writes into its stack file for these commands: settings and
# endpoints, never a key (those stay in the AWS stand-in's Secrets Manager).
LOCAL_STACK_VARIABLES = (
    "YIMA_STAGE",
    "YIMA_REGION_CODE",
    "YIMA_TABLE_PREFIX",
    "YIMA_SECRET_ID",
    "YIMA_KMS_KEY_ID",
    "YIMA_FEED_BUCKET",
    "YIMA_FEED_KEY",
    "YIMA_QUEUE_NAME",
    "YIMA_AWS_ENDPOINT",
    "YIMA_WECHAT_API_URL",
    "YIMA_ALIPAY_GATEWAY_URL",
    "YIMA_NATIONAL_ROOT_KEYS",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
)


class UsageError(Exception):
    """Bad input to a command: reported as one line, exit 2."""


def stack_file(stage: str = "local") -> Path:
    """Where ``make run`` describes the stack of ``stage`` it is running."""
    name = "stack.json" if stage == "local" else f"stack-{stage}.json"
    return local_state_dir() / name


def _running(pid: object, endpoint: str) -> bool:
    """The stack's process is alive and its AWS stand-in answers on its port."""
    import socket
    from urllib.parse import urlsplit

    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, someone else's
    where = urlsplit(endpoint)
    try:
        with socket.create_connection((where.hostname or "", where.port or 80), timeout=1):
            return True
    except (OSError, ValueError):
        return False


def local_stack_env(path: Path | None = None) -> dict[str, str]:
    """The variables of the stack ``make run`` is running, from its stack file; a
    UsageError saying to run ``make run`` when there is none or it has stopped."""
    configured = os.environ.get("YIMA_LOCAL_STACK")
    path = path or (Path(configured) if configured else stack_file())
    hint = "start it with `make run` (or set YIMA_STAGE and the stage's variables)"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        env = {str(k): str(v) for k, v in document["env"].items()}
        pid = document.get("pid")
    except FileNotFoundError:
        raise UsageError(f"YIMA_STAGE is not set and no local stack is running: {hint}") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise UsageError(f"{path} is not a stack file `make run` wrote: {hint}") from None
    if not _running(pid, env.get("YIMA_AWS_ENDPOINT", "")):
        raise UsageError(f"{path} is stale: the local stack (pid {pid}) is not running; {hint}")
    # moto takes any credentials; these only keep botocore from looking for real ones
    return {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", **env}


def _settings() -> Settings:
    if not os.environ.get("YIMA_STAGE"):
        # the services read os.environ (bootstrap.get_container), so they see it too
        os.environ.update(local_stack_env())
    return Settings.from_mapping(os.environ)


def _aws(settings: Settings) -> Any:
    from chalicelib.bootstrap import AwsClients

    return AwsClients(settings)


def create_tables(settings: Settings) -> list[str]:
    """Create the missing tables (with their TTL); return the names created."""
    from chalicelib import datamodel

    datamodel.bind(
        table_prefix=settings.table_prefix, region=settings.aws_region, host=settings.aws_endpoint
    )
    created = []
    for model in datamodel.all_models():
        if not model.exists():
            model.create_table(wait=True)
            created.append(model.Meta.table_name)
    return created


def init_secrets(settings: Settings, *, force: bool = False) -> bool:
    """Create the application secret unless it already holds keys; True if written."""
    from botocore.exceptions import ClientError

    from chalicelib.kernel.errors import ConfigError
    from chalicelib.kernel.secrets import new_secret_document, parse_secret

    client = _aws(settings).client("secretsmanager")
    from chalicelib.bootstrap import utc_now

    document = json.dumps(new_secret_document(utc_now()))
    try:
        current = client.get_secret_value(SecretId=settings.secret_id)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        client.create_secret(Name=settings.secret_id, SecretString=document)
        return True
    try:
        parse_secret(current.get("SecretString") or "")
        if not force:
            return False  # real keys are there already: never overwrite them silently
    except ConfigError:
        pass  # a placeholder (e.g. from CloudFormation): fill it in
    client.put_secret_value(SecretId=settings.secret_id, SecretString=document)
    return True


def _update_secret(
    settings: Settings, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    """Read the secret, apply ``change``, check the result parses, write it back."""
    from chalicelib.kernel.secrets import parse_secret

    client = _aws(settings).client("secretsmanager")
    doc = json.loads(client.get_secret_value(SecretId=settings.secret_id)["SecretString"])
    new_doc = change(doc)
    parse_secret(json.dumps(new_doc))  # raises ConfigError before anything is written
    client.put_secret_value(SecretId=settings.secret_id, SecretString=json.dumps(new_doc))
    return new_doc


def rotate_session_key(settings: Settings) -> str:
    from chalicelib.kernel.secrets import rotate_session_key as rotate

    return str(_update_secret(settings, rotate)["session_active"])


def rotate_code_key(settings: Settings) -> str:
    """A new health-code signing key; the old one verifies for another hour."""
    from datetime import timedelta

    from chalicelib.bootstrap import utc_now
    from chalicelib.kernel.signing import rotate_code_key as rotate

    doc = _update_secret(settings, lambda d: rotate(d, now=utc_now(), grace=timedelta(hours=1)))
    return str(doc["code_active"])


def load_carrier_feed(
    path: str, *, chunk: int = 5000, subject: str = "operator", progress: Any = None
) -> dict[str, int]:
    """Load a carrier batch file (the SPEC's shape) through the same service as the API,
    in chunks (each its own idempotent batch ``<batch_id>.<n>``), with a progress bar."""
    from chalicelib.bootstrap import get_container, utc_now
    from chalicelib.kernel.session import SessionClaims

    document = json.loads(Path(path).read_text(encoding="utf-8"))
    rows, batch_id = document["stays"], str(document["batch_id"])
    container = get_container()
    now = utc_now()
    carrier = SessionClaims(
        subject=f"carrier:{subject}",
        role=Role.CARRIER,
        audience=container.settings.audience,
        issued_at=now,
        expires_at=now,
    )
    out = progress or sys.stderr
    totals = {"rows": len(rows), "accepted": 0, "duplicates": 0}
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        result = container.itinerary.ingest(
            carrier, {"batch_id": f"{batch_id}.{start // chunk}", "stays": part}
        )
        totals["accepted"] += int(result["accepted"])
        totals["duplicates"] += int(bool(result.get("duplicate")))
        done = start + len(part)
        bar = "#" * (30 * done // len(rows))
        out.write(f"\r[{bar:<30}] {done}/{len(rows)} rows")
        out.flush()
    out.write("\n")
    return totals


def read_sites(path: str) -> list[Any]:
    """Test sites from a CSV file (a header row: site_id, name, address, region_code, lat,
    lng, hours) or a JSON file (a list, or ``{"sites": [...]}``), every row checked; the
    first bad one stops the load naming ``sites[i].field`` before anything is written."""
    import csv

    from chalicelib.kernel.reference_data import divisions
    from chalicelib.labs.rules import parse_site

    text = Path(path).read_text(encoding="utf-8-sig")  # spreadsheets add a BOM
    if path.lower().endswith(".json"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"not valid JSON: {exc}", field="sites") from None
        rows = document.get("sites") if isinstance(document, dict) else document
        if not isinstance(rows, list):
            raise InvalidInput("expected a list of sites or {'sites': [...]}", field="sites")
    else:
        rows = list(csv.DictReader(text.splitlines()))
    index = divisions()
    return [
        parse_site(row if isinstance(row, dict) else {}, divisions=index, where=f"sites[{n}]")
        for n, row in enumerate(rows)
    ]


def load_test_sites(path: str, *, chunk: int = 500, progress: Any = None) -> dict[str, int]:
    """Load (or reload) test sites; a moved site leaves its old cells."""
    from chalicelib.bootstrap import get_container

    sites = read_sites(path)
    container = get_container()
    out = progress or sys.stderr
    totals = {"sites": len(sites), "added": 0, "moved": 0, "updated": 0}
    for start in range(0, len(sites), chunk):
        part = sites[start : start + chunk]
        for name, count in container.test_sites.load(part).items():
            totals[name] += count
        done = start + len(part)
        bar = "#" * (30 * done // len(sites))
        out.write(f"\r[{bar:<30}] {done}/{len(sites)} sites")
        out.flush()
    out.write("\n")
    return totals


def decommission(settings: Settings, *, dry_run: bool) -> dict[str, Any]:
    """Purge the personal data, table by table, and report the counts.

    The national rules that ended the health code in December 2022 required the
    personal information collected for it to be deleted. This deletes every item of
    every table in ``retention.PERSONAL_TABLES`` (the runtime table keeps only the
    public policy texts; its wrapped data keys go too), and keeps the public risk
    snapshots and test sites. It scans: acceptable here, in an offline operator
    command that runs once, with the operator's credentials (the Lambda may not
    scan); never on a request or scheduled path.
    """
    from chalicelib import datamodel
    from chalicelib.bootstrap import utc_now
    from chalicelib.kernel import retention
    from chalicelib.kernel.dynamo.purge import purge

    datamodel.bind(
        table_prefix=settings.table_prefix, region=settings.aws_region, host=settings.aws_endpoint
    )

    def keep_public_runtime(item: Any) -> bool:
        return str(item.key).startswith(retention.RUNTIME_KEPT_PREFIXES)

    tables = {}
    for table in retention.PERSONAL_TABLES:
        keep = keep_public_runtime if table == "runtime" else (lambda item: False)
        tables[table] = purge(table, dry_run=dry_run, keep=keep)
    return {
        "stage": settings.stage,
        "dry_run": dry_run,
        "at": rfc3339(utc_now()),
        "tables": tables,
        "found": sum(t["found"] for t in tables.values()),
        "deleted": sum(t["deleted"] for t in tables.values()),
        "kept": ["risk_feeds", "test_sites", "runtime policy:* (public texts)"],
        "next_steps": [
            f"schedule the deletion of the KMS key {settings.kms_key_id}: backups "
            "(point-in-time recovery keeps 35 days) still hold ciphertext and wrapped "
            "data keys, unreadable once the key is gone",
            f"delete the secret {settings.secret_id} (the keyed-hash pepper and signing keys)",
            "empty and delete the feed bucket's old object versions",
        ],
    }


def _read(path: str) -> str:
    """A credential from a file, or from standard input for ``-`` (never an argument)."""
    return (sys.stdin.read() if path == "-" else Path(path).read_text()).strip()


def set_wechat(settings: Settings, *, appid: str, secret_file: str) -> None:
    section = {"appid": appid, "secret": _read(secret_file)}
    _update_secret(settings, lambda doc: {**doc, "wechat": section})


def set_alipay(
    settings: Settings,
    *,
    appid: str,
    private_key_file: str,
    alipay_public_key_file: str,
    aes_key_file: str,
) -> None:
    section = {
        "appid": appid,
        "app_private_key": _read(private_key_file),
        "alipay_public_key": _read(alipay_public_key_file),
        "aes_key": _read(aes_key_file),
    }
    _update_secret(settings, lambda doc: {**doc, "alipay": section})


def issue_token(settings: Settings, *, role: Role, subject: str, hours: float) -> dict[str, str]:
    """A staff or machine token, signed with the stage's active session key."""
    from chalicelib.bootstrap import utc_now
    from chalicelib.kernel.secrets import load_app_secrets
    from chalicelib.kernel.session import mint

    secrets = load_app_secrets(_aws(settings).client("secretsmanager"), settings.secret_id)
    token, claims = mint(
        secrets.session_ring,
        subject=f"{role.value}:{subject}",
        role=role,
        audience=settings.audience,
        now=utc_now(),
        ttl=timedelta(hours=hours),
    )
    return {"token": token, "expires_at": rfc3339(claims.expires_at), "role": role.value}


def ensure_kms_key(settings: Settings) -> bool:
    """Create the data-key KMS key and its alias on the AWS stand-in; True if created.

    Deployed stages get the key from ``infra/`` (CloudFormation), never from here.
    """
    from botocore.exceptions import ClientError

    kms = _aws(settings).client("kms")
    try:
        kms.describe_key(KeyId=settings.kms_key_id)
        return False
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
    key = kms.create_key(Description=f"yima {settings.stage}: wraps field data keys")
    kms.create_alias(AliasName=settings.kms_key_id, TargetKeyId=key["KeyMetadata"]["KeyId"])
    return True


def set_federation_key(settings: Settings, *, key_file: str) -> None:
    """The federation key agreed with the partner regions (base64 of 32+ bytes)."""
    from chalicelib.kernel.secrets import set_federation_key as install

    key_text = _read(key_file)
    _update_secret(settings, lambda doc: install(doc, key_text))


def local_state_dir() -> Path:
    """Where local demos keep state outside the AWS stand-in: ``$YIMA_LOCAL_STATE``, or
    ``.local/`` in the repository (git-ignored)."""
    configured = os.environ.get("YIMA_LOCAL_STATE")
    return Path(configured) if configured else Path(__file__).resolve().parents[1] / ".local"


def local_national_root(path: Path | None = None) -> dict[str, str]:
    """A stand-in for the national platform's root key, for local demos: created once in
    ``.local/national-root.json`` (git-ignored, mode 600), never used on deployed stages.
    Returns its public key and where the private key lives."""
    import base64

    from nacl.signing import SigningKey

    from chalicelib.federation.rules import b64url
    from chalicelib.kernel.signing import raw_public

    path = path or local_state_dir() / "national-root.json"
    if not path.exists():
        private = SigningKey.generate()
        raw = bytes(private)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(
            json.dumps(
                {
                    "private_key": base64.b64encode(raw).decode(),
                    "public_key": b64url(raw_public(private)),
                    "note": "a LOCAL stand-in for the national root key: demos only",
                },
                indent=2,
            )
        )
    document = json.loads(path.read_text())
    return {"public_key": str(document["public_key"]), "private_key_file": str(path)}


def sign_trust_list(
    root_key_file: str,
    keys_documents: Sequence[dict[str, Any]],
    *,
    version: int,
    revoke: Sequence[str] = (),
    valid_days: int = 365,
) -> dict[str, Any]:
    """A trust list of the keys in saved ``GET /v1/keys`` responses, signed with the root
    key in ``root_key_file`` (what ``local_national_root`` writes). ``revoke`` names kids
    (or ``region:kid``) to list as revoked."""
    import base64

    from chalicelib.bootstrap import utc_now
    from chalicelib.federation import rules as federation
    from chalicelib.kernel.signing import private_key, raw_public, sign

    root = private_key(base64.b64decode(json.loads(Path(root_key_file).read_text())["private_key"]))
    now = utc_now().replace(microsecond=0)

    entries = []
    for document in keys_documents:
        for key in document["keys"]:
            revoked = key["kid"] in revoke or f"{key['region']}:{key['kid']}" in revoke
            entries.append(
                {
                    "region": str(key["region"]),
                    "kid": key["kid"],
                    "alg": "EdDSA",
                    "public_key": key["public_key"],
                    "not_before": rfc3339(now - timedelta(days=1)),
                    "not_after": rfc3339(now + timedelta(days=valid_days)),
                    "status": "revoked" if revoked else "active",
                }
            )
    payload = {
        "type": federation.TRUST_LIST_TYPE,
        "version": version,
        "issued_at": rfc3339(now),
        "keys": entries,
    }
    return federation.sign_document(
        payload, kid=federation.kid_of(raw_public(root)), sign=lambda m: sign(root, m)
    )


def bootstrap_local(settings: Settings) -> dict[str, Any]:
    """The AWS resources ``make run`` needs on the embedded AWS stand-in (idempotent)."""
    if not settings.is_local:
        raise ConfigError("bootstrap-local only runs on the local and test stages")
    tables = create_tables(settings)
    wrote_secret = init_secrets(settings)
    ensure_kms_key(settings)
    aws = _aws(settings)
    s3 = aws.client("s3")
    try:
        s3.head_bucket(Bucket=settings.feed_bucket)
    except Exception:
        kwargs: dict[str, Any] = {"Bucket": settings.feed_bucket}
        if settings.aws_region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": settings.aws_region}
        s3.create_bucket(**kwargs)
    aws.client("sqs").create_queue(QueueName=settings.queue_name)
    root = local_national_root()
    return {
        "tables_created": len(tables),
        "secret_written": wrote_secret,
        "national_root": {
            **root,
            "pinned": root["public_key"] in settings.national_root_keys,
        },
    }


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
