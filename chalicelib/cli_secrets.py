"""Operator commands on the application secret (``python -m chalicelib.cli``):
``init-secrets``, ``rotate-session-key``, ``rotate-code-key``, ``set-wechat``,
``set-alipay``, ``set-federation-key``, and ``issue-token``, which signs with the
secret's active session key. Credentials are read from files or standard input, never
from arguments.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from chalicelib.cli_stack import stack_aws
from chalicelib.kernel.roles import Role
from chalicelib.kernel.settings import Settings
from chalicelib.kernel.times import rfc3339


def init_secrets(settings: Settings, *, force: bool = False) -> bool:
    """Create the application secret unless it already holds keys; True if written."""
    from botocore.exceptions import ClientError

    from chalicelib.kernel.errors import ConfigError
    from chalicelib.kernel.secrets import new_secret_document, parse_secret

    client = stack_aws(settings).client("secretsmanager")
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


def update_secret(
    settings: Settings, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    """Read the secret, apply ``change``, check the result parses, write it back."""
    from chalicelib.kernel.secrets import parse_secret

    client = stack_aws(settings).client("secretsmanager")
    doc = json.loads(client.get_secret_value(SecretId=settings.secret_id)["SecretString"])
    new_doc = change(doc)
    parse_secret(json.dumps(new_doc))  # raises ConfigError before anything is written
    client.put_secret_value(SecretId=settings.secret_id, SecretString=json.dumps(new_doc))
    return new_doc


def rotate_session_key(settings: Settings) -> str:
    from chalicelib.kernel.secrets import rotate_session_key as rotate

    return str(update_secret(settings, rotate)["session_active"])


def rotate_code_key(settings: Settings) -> str:
    """A new health-code signing key; the old one verifies for another hour."""
    from datetime import timedelta

    from chalicelib.bootstrap import utc_now
    from chalicelib.kernel.signing import rotate_code_key as rotate

    doc = update_secret(settings, lambda d: rotate(d, now=utc_now(), grace=timedelta(hours=1)))
    return str(doc["code_active"])


def _read(path: str) -> str:
    """A credential from a file, or from standard input for ``-`` (never an argument)."""
    return (sys.stdin.read() if path == "-" else Path(path).read_text()).strip()


def set_wechat(settings: Settings, *, appid: str, secret_file: str) -> None:
    section = {"appid": appid, "secret": _read(secret_file)}
    update_secret(settings, lambda doc: {**doc, "wechat": section})


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
    update_secret(settings, lambda doc: {**doc, "alipay": section})


def issue_token(settings: Settings, *, role: Role, subject: str, hours: float) -> dict[str, str]:
    """A staff or machine token, signed with the stage's active session key."""
    from chalicelib.bootstrap import utc_now
    from chalicelib.kernel.secrets import load_app_secrets
    from chalicelib.kernel.session import mint

    secrets = load_app_secrets(stack_aws(settings).client("secretsmanager"), settings.secret_id)
    token, claims = mint(
        secrets.session_ring,
        subject=f"{role.value}:{subject}",
        role=role,
        audience=settings.audience,
        now=utc_now(),
        ttl=timedelta(hours=hours),
    )
    return {"token": token, "expires_at": rfc3339(claims.expires_at), "role": role.value}


def set_federation_key(settings: Settings, *, key_file: str) -> None:
    """The federation key agreed with the partner regions (base64 of 32+ bytes)."""
    from chalicelib.kernel.secrets import set_federation_key as install

    key_text = _read(key_file)
    update_secret(settings, lambda doc: install(doc, key_text))
