"""How a session reaches a page without a long-lived token in a URL.

A mini-program (or any signed-in client) asks for a one-time page code
(``POST /v1/auth/page-code``) and opens the page with it in the URL's
fragment (``…/v1/pages/citizen.html#code=…``), which browsers never send to a
server, so no access log holds it. The page exchanges the code once
(``POST /v1/auth/page-session``) for a session of the same subject and role
that ends no later than the session that asked for it. A code lives 60
seconds and is stored only as its SHA-256, in the runtime table, deleted by
the exchange that uses it: a second exchange, or one after the minute, is a
401.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.kernel import session as tokens
from chalicelib.kernel.errors import Forbidden, Unauthenticated
from chalicelib.kernel.roles import Role
from chalicelib.kernel.session import KeyRing, SessionClaims
from chalicelib.pages.ports import OneTimeCodes

CODE_TTL = timedelta(seconds=60)

# Which roles each page signs in; a code for another page's role is refused up front.
PAGE_ROLES: dict[str, frozenset[Role]] = {
    "citizen": frozenset({Role.CITIZEN}),
    "scanner": frozenset({Role.CHECKPOINT}),
    "console": frozenset({Role.REVIEWER, Role.OFFICIAL, Role.ADMIN}),
}
SIGN_IN_ROLES: frozenset[Role] = frozenset().union(*PAGE_ROLES.values())


@dataclass(frozen=True)
class PageCode:
    code: str
    page: str
    expires_at: datetime


@dataclass(frozen=True)
class PageSession:
    token: str
    claims: SessionClaims
    page: str


def _key(code: str) -> str:
    return "page-code:" + hashlib.sha256(code.encode("utf-8")).hexdigest()


@dataclass
class PageSessionService:
    codes: OneTimeCodes
    ring: KeyRing
    audience: str
    session_ttl: timedelta
    clock: Callable[[], datetime]
    # The session keys as the secret holds them now (reloaded on a short TTL), as
    # AuthService reads them: a page session is signed with the rotated key too.
    # None: ``ring`` as built.
    ring_source: Callable[[], KeyRing] | None = None

    def issue(self, caller: SessionClaims, page: str) -> PageCode:
        """A one-time code for ``page`` that signs in as the caller."""
        if caller.role not in PAGE_ROLES[page]:
            raise Forbidden(
                f"the {caller.role.value} role has no {page} page", code="wrong_page_for_role"
            )
        now = self.clock()
        code = secrets.token_urlsafe(24)
        expires = now + CODE_TTL
        value = {
            "sub": caller.subject,
            "role": caller.role.value,
            "sid": caller.session_id,
            "page": page,
            "exp": int(caller.expires_at.timestamp()),
            "code_exp": int(expires.timestamp()),
        }
        self.codes.put(_key(code), json.dumps(value, separators=(",", ":")), expires=expires)
        return PageCode(code=code, page=page, expires_at=expires)

    def exchange(self, code: str) -> PageSession:
        """The session behind a code, once; Unauthenticated for an unknown, used or late one."""
        refused = Unauthenticated(
            "the page code is unknown, used or expired: open the page again",
            code="invalid_page_code",
            field="code",
        )
        stored = self.codes.take(_key(code))
        if stored is None:
            raise refused
        value = json.loads(stored)
        now = self.clock()
        if now.timestamp() >= value["code_exp"]:
            raise refused
        remaining = timedelta(seconds=value["exp"] - int(now.timestamp()))
        ttl = min(self.session_ttl, remaining)
        if ttl <= timedelta(0):
            raise refused
        ring = self.ring_source() if self.ring_source is not None else self.ring
        try:
            token, claims = tokens.mint(
                ring,
                subject=value["sub"],
                role=Role(value["role"]),
                audience=self.audience,
                now=now,
                ttl=ttl,
                session_id=value.get("sid"),
            )
        except ValueError:  # a code issued when sid still named the login
            raise refused from None
        return PageSession(token=token, claims=claims, page=value["page"])
