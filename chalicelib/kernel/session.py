"""Session tokens: our own short-lived, audience-bound, HMAC-signed tokens.

The format is a compact JWS (``header.payload.signature``, base64url, HS256)
so that any JWT tool can read it, but it is minted and checked here with the
standard library only. The header names the key id (``kid``); verification
accepts every key in the key ring, so a token signed by a key that has since
been rotated out of signing keeps working until it expires.

Decoding is strict: each segment is unpadded base64url in its one canonical
spelling (no ``=``, no ``+`` or ``/``, no spare bits set), so a token has exactly
one accepted form. The ``sid`` claim is an opaque random session id: the login
identity behind it (a WeChat openid, an Alipay user id, a dev login name) stays on
the server (the identity store resolves it), never in a payload anyone can decode.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chalicelib.kernel.errors import Unauthenticated
from chalicelib.kernel.roles import Role

ISSUER = "yima"
_MAX_TOKEN_CHARS = 2048
_LEEWAY = timedelta(seconds=30)
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
# What ``new_session_id`` makes: 24 random bytes, 32 base64url characters.
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class SessionClaims:
    subject: str
    role: Role
    audience: str
    issued_at: datetime
    expires_at: datetime
    # The opaque session id (``sid``): the identity store knows which login it is for.
    session_id: str | None = None


@dataclass(frozen=True)
class KeyRing:
    """HMAC keys by key id; ``active`` signs, all of them verify."""

    keys: Mapping[str, bytes]
    active: str

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise ValueError("the active key id is not in the key ring")
        if any(len(k) < 32 for k in self.keys.values()):
            raise ValueError("session keys must be at least 32 bytes")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """Strict base64url: the alphabet only, no padding, the canonical spelling (a
    lenient decoder accepts ``=``, foreign characters and set spare bits); ValueError
    otherwise."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not canonical base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("not canonical base64url")
    return data


def new_session_id() -> str:
    """A random, opaque session id for the ``sid`` claim."""
    return secrets.token_urlsafe(24)


def _sign(key: bytes, signing_input: bytes) -> bytes:
    return hmac.new(key, signing_input, hashlib.sha256).digest()


def mint(
    ring: KeyRing,
    *,
    subject: str,
    role: Role,
    audience: str,
    now: datetime,
    ttl: timedelta,
    session_id: str | None = None,
) -> tuple[str, SessionClaims]:
    """Sign a session token; returns the token and the claims it carries. ``session_id``
    comes from ``new_session_id`` (anything else would put meaning in a readable claim)."""
    if session_id is not None and not _SESSION_ID.fullmatch(session_id):
        raise ValueError("the session id must come from new_session_id")
    claims = SessionClaims(
        subject=subject,
        role=role,
        audience=audience,
        issued_at=now,
        expires_at=now + ttl,
        session_id=session_id,
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": ring.active}
    payload = {
        "iss": ISSUER,
        "sub": subject,
        "role": role.value,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
    }
    if session_id is not None:
        payload["sid"] = session_id
    signing_input = ".".join(
        _b64(json.dumps(part, separators=(",", ":"), sort_keys=True).encode())
        for part in (header, payload)
    ).encode("ascii")
    token = signing_input.decode("ascii") + "." + _b64(_sign(ring.keys[ring.active], signing_input))
    return token, claims


def verify(ring: KeyRing, token: str, *, audience: str, now: datetime) -> SessionClaims:
    """Check signature, issuer, audience and lifetime; raise Unauthenticated otherwise."""
    bad = Unauthenticated("the session token is not valid", code="invalid_token")
    if not token or len(token) > _MAX_TOKEN_CHARS or token.count(".") != 2 or not token.isascii():
        raise bad
    head_b64, body_b64, sig_b64 = token.split(".")
    try:
        header = json.loads(_unb64(head_b64))
        signature = _unb64(sig_b64)
    except (ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise bad
    kid = header.get("kid")
    key = ring.keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise bad
    expected = _sign(key, f"{head_b64}.{body_b64}".encode("ascii"))
    if not hmac.compare_digest(expected, signature):
        raise bad
    try:
        payload = json.loads(_unb64(body_b64))
        subject = payload["sub"]
        role = Role(payload["role"])
        issued = datetime.fromtimestamp(int(payload["iat"]), UTC)
        expires = datetime.fromtimestamp(int(payload["exp"]), UTC)
    # OSError: the C library refuses some large timestamps that fit in a year 9999 check.
    except (ValueError, KeyError, TypeError, OverflowError, OSError, UnicodeDecodeError):
        raise bad from None
    if payload.get("iss") != ISSUER or not isinstance(subject, str) or not subject:
        raise bad
    if payload.get("aud") != audience:
        raise Unauthenticated("the session token is for another audience", code="wrong_audience")
    # The leeway moves ``now``, never the claims: a claim at datetime.max must not overflow.
    if now - _LEEWAY >= expires:
        raise Unauthenticated("the session token has expired", code="token_expired")
    if issued > now + _LEEWAY:
        raise bad
    # A sid that is not an opaque id (a token minted when sid named the login) is refused.
    session_id = payload.get("sid")
    if session_id is not None and not (
        isinstance(session_id, str) and _SESSION_ID.fullmatch(session_id)
    ):
        raise bad
    return SessionClaims(
        subject=subject,
        role=role,
        audience=audience,
        issued_at=issued,
        expires_at=expires,
        session_id=session_id,
    )
