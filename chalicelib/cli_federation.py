"""Operator commands for mutual recognition's local demos (``python -m chalicelib.cli``):
a stand-in for the national root key (``.local/national-root.json``) and
``sign-trust-list``, which signs a trust list with such a root key file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from chalicelib.cli_stack import local_state_dir
from chalicelib.kernel.times import rfc3339


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
