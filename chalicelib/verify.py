"""Offline verification, the checkpoint's path when the backend is down.

    python -m chalicelib.verify TOKEN --keys keys.json [--now 2026-11-20T10:00:00+08:00]
    python -m chalicelib.verify TOKEN --keys trust-list.json [--national-root KEY]

A base64url key may start with ``-`` (one key in 64 does): both
``--national-root KEY`` and ``--national-root=KEY`` take it as the key, never as an
option.

``keys.json`` is a saved copy of ``GET /v1/keys`` (our region's codes only),
``trust-list.json`` one of ``GET /v1/trust-list``: our keys and the partner
regions' and the national code's, so codes of other regions verify too
(mutual recognition). A saved trust list is checked before use: its
``signed`` copy must verify with one of our own keys listed in it, and with
``--national-root`` (the national platform's root key, base64url) the keys of
other regions are taken only from the national root's signed list inside it.
Only the token, the cached keys and the local clock are used: no network, no
database. The answer is the token's own colour and times; the current colour
and the holder's masked name need the backend (``POST /v1/verify``). A printed
code (``kind: printed``) carries no colour: offline it answers "identity only:
check the colour online".

A checkpoint that scans many codes makes the saved list ready once
(``OfflineVerifier.from_document``: the list checked, each key loaded) and
verifies each code with ``.verify(token, now=...)``; ``verify_offline`` does
both for one code.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalicelib.codes.token import TokenError, Verifier, verify
from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.keys import PublicKey
from chalicelib.kernel.times import rfc3339


def _time(text: Any) -> datetime | None:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None


def load_keys(document: dict[str, Any]) -> list[PublicKey]:
    keys = []
    for entry in document.get("keys", []):
        raw = entry["public_key"]
        keys.append(
            PublicKey(
                kid=bytes.fromhex(entry["kid"]),
                key=base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)),
                region=str(entry["region"]),
                not_after=_time(entry.get("not_after")),
                not_before=_time(entry.get("not_before")),
                status=str(entry.get("status") or "active"),
            )
        )
    return keys


def trusted_keys(
    document: dict[str, Any], *, now: datetime, national_root: str | None = None
) -> tuple[list[PublicKey], str | None]:
    """The keys of a saved ``/v1/keys`` or ``/v1/trust-list`` response, checked as far as
    the file allows; (keys, problem) where a problem means: do not trust this file."""
    from chalicelib.federation import rules as federation
    from chalicelib.kernel.signing import ed25519_verify

    signed = document.get("signed")
    if signed is None:
        if national_root:
            return [], "--national-root needs a saved GET /v1/trust-list"
        return load_keys(document), None
    try:
        region = str(document["region"])
        own = [k for k in load_keys(signed["payload"]) if k.region == region]
        payload, _key = federation.verify_document(
            signed, own, expected_type=federation.PUBLISHED_KEYS_TYPE, verifier=ed25519_verify
        )
    except (InvalidInput, KeyError, TypeError, ValueError) as exc:
        return [], f"the saved trust list does not verify: {exc}"
    keys = load_keys(payload)
    if national_root:
        try:
            roots = federation.root_keys([national_root])
            national = federation.parse_trust_list(
                document.get("national") or {},
                roots,
                verifier=ed25519_verify,
                now=now,
            )
        except (InvalidInput, ValueError) as exc:
            return [], f"the national trust list does not verify against the root: {exc}"
        keys = [k for k in keys if k.region == region] + [
            k for k in national.keys if k.region != region
        ]
    return keys, None


@dataclass(frozen=True)
class OfflineVerifier:
    """A saved key list made ready once, then any number of codes verified against it:
    the file is checked (``trusted_keys``) and each key loaded once, not per code.
    What a checkpoint holds between scans; ``verify_offline`` is one of these for
    one code."""

    keys: tuple[PublicKey, ...]
    problem: str | None  # the file is not to be trusted: every code answers so
    verifier: Verifier

    @classmethod
    def from_document(
        cls, document: dict[str, Any], *, now: datetime, national_root: str | None = None
    ) -> OfflineVerifier:
        from chalicelib.kernel.signing import ed25519_verify

        keys, problem = trusted_keys(document, now=now, national_root=national_root)
        return cls(keys=tuple(keys), problem=problem, verifier=ed25519_verify)

    def verify(self, token: str, *, now: datetime) -> dict[str, Any]:
        if self.problem is not None:
            return {"valid": False, "reason": "untrusted_keys", "message": self.problem}
        try:
            verified = verify(token, self.keys, now=now, verifier=self.verifier)
        except TokenError as exc:
            return {"valid": False, "reason": exc.reason, "message": str(exc)}
        claims = verified.claims
        answer: dict[str, Any] = {"valid": True, "kind": claims.kind}
        if claims.kind == "printed":  # a paper card proves who, never the colour
            answer.update(colour=None, message="identity only: check the colour online")
        else:
            answer["colour"] = claims.colour.value
        answer.update(
            region=claims.region,
            issued_at=rfc3339(claims.issued_at),
            expires_at=rfc3339(claims.expires_at),
            kid=verified.key.kid.hex(),
        )
        return answer


def verify_offline(
    token: str,
    keys_document: dict[str, Any],
    *,
    now: datetime,
    national_root: str | None = None,
) -> dict[str, Any]:
    """One code against a saved key list: the list checked and loaded, then the code."""
    return OfflineVerifier.from_document(
        keys_document, now=now, national_root=national_root
    ).verify(token, now=now)


_VALUE_OPTIONS = ("--keys", "--now", "--national-root")


def _join_option_values(argv: Sequence[str]) -> list[str]:
    """``--option VALUE`` as ``--option=VALUE``, so that a value starting with ``-`` (a
    base64url key such as ``-AbC…``) is read as the value; argparse would take it for
    an option and stop with "expected one argument". A following option name or help
    flag is left alone, so a forgotten value is still reported as one."""
    out: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--":
            out += [arg, *args]
            break
        if arg in _VALUE_OPTIONS:
            value = next(args, None)
            if value is None:
                out.append(arg)
            elif value in _VALUE_OPTIONS or value in ("-h", "--help", "--"):
                out += [arg, value]
            else:
                out.append(f"{arg}={value}")
            continue
        out.append(arg)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chalicelib.verify",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # --national-root, never --national: values are joined by name
    )
    parser.add_argument("token")
    parser.add_argument(
        "--keys", required=True, help="a saved GET /v1/keys or GET /v1/trust-list response"
    )
    parser.add_argument("--now", help="ISO time to check against (default: this clock)")
    parser.add_argument(
        "--national-root",
        metavar="KEY",
        help="the national root public key (base64url) to check the list; a key that "
        "starts with - is fine, as --national-root KEY or --national-root=KEY",
    )
    args = parser.parse_args(_join_option_values(sys.argv[1:] if argv is None else argv))
    from typing import NoReturn

    def fail(message: str) -> NoReturn:  # one line, exit 2: never a traceback
        parser.exit(2, f"{parser.prog}: error: {message}\n")

    try:
        now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    except ValueError:
        fail(f"--now {args.now!r} is not an ISO time")
    if now.tzinfo is None:
        fail("--now needs an offset, e.g. 2026-11-20T10:00:00+08:00")
    try:
        text = Path(args.keys).read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"--keys {args.keys}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        fail(f"--keys {args.keys}: not UTF-8 text")
    if not text.strip():
        fail(f"--keys {args.keys} is empty: save GET /v1/keys or GET /v1/trust-list into it")
    try:
        document = json.loads(text)
    except ValueError:
        fail(f"--keys {args.keys} is not JSON: save GET /v1/keys or GET /v1/trust-list into it")
    if not isinstance(document, dict):
        fail(f"--keys {args.keys} is not a GET /v1/keys or GET /v1/trust-list response")
    try:
        result = verify_offline(args.token, document, now=now, national_root=args.national_root)
    except (KeyError, TypeError, ValueError, AttributeError):
        fail(f"--keys {args.keys} is not a GET /v1/keys or GET /v1/trust-list response")
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if result["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
