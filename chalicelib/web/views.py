"""Response shapes: domain objects → JSON-ready dicts. No storage record passes through."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.identity import Session, User
from chalicelib.domain.roles import Role


def iso(moment: datetime) -> str:
    """UTC, to the second, with a Z: ``2026-11-20T02:00:00Z``."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def session(result: Session) -> dict[str, Any]:
    return {
        "token": result.token,
        "expires_at": iso(result.expires_at),
        "role": result.role.value,
        "user": {"id": result.user.user_id, "phone_bound": result.user.phone_bound},
    }


def me(user: User, role: Role, new_session: Session | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": user.user_id,
        "role": role.value,
        "phone_bound": user.phone_bound,
        "phone_masked": user.phone_masked,
        "channels": list(user.channels),
    }
    if new_session is not None:  # the login joined another account: use this token from now
        view["session"] = session(new_session)
    return view
