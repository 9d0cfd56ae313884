"""Offline verification, the checkpoint's path when the backend is down.

    python -m chalicelib.verify TOKEN --keys keys.json [--now 2026-11-20T10:00:00+08:00]

``keys.json`` is a saved copy of ``GET /v1/keys``. Only the token, the cached
public keys and the local clock are used: no network, no database. The
answer is the token's own colour and times; the current colour and the
holder's masked name need the backend (``POST /v1/verify``).
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalicelib.domain.healthcode import PublicKey, TokenError, verify


def load_keys(document: dict[str, Any]) -> list[PublicKey]:
    keys = []
    for entry in document.get("keys", []):
        raw = entry["public_key"]
        keys.append(
            PublicKey(
                kid=bytes.fromhex(entry["kid"]),
                key=base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)),
                region=str(entry["region"]),
                not_after=datetime.fromisoformat(entry["not_after"].replace("Z", "+00:00"))
                if entry.get("not_after")
                else None,
            )
        )
    return keys


def verify_offline(token: str, keys_document: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    from chalicelib.adapters.signing import ed25519_verify

    try:
        verified = verify(token, load_keys(keys_document), now=now, verifier=ed25519_verify)
    except TokenError as exc:
        return {"valid": False, "reason": exc.reason, "message": str(exc)}
    claims = verified.claims
    return {
        "valid": True,
        "colour": claims.colour.value,
        "region": claims.region,
        "issued_at": claims.issued_at.isoformat(),
        "expires_at": claims.expires_at.isoformat(),
        "kid": verified.key.kid.hex(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chalicelib.verify",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("token")
    parser.add_argument("--keys", required=True, help="a saved GET /v1/keys response")
    parser.add_argument("--now", help="ISO time to check against (default: this clock)")
    args = parser.parse_args(argv)
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    if now.tzinfo is None:
        parser.error("--now needs an offset, e.g. 2026-11-20T10:00:00+08:00")
    result = verify_offline(args.token, json.loads(Path(args.keys).read_text()), now=now)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if result["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
