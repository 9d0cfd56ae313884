"""Builds the pages' sign-in: one-time codes that bring a session to a page."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.kernel.wiring import Kernel
from chalicelib.pages.service import PageSessionService


def wire(kernel: Kernel) -> PageSessionService:
    from chalicelib.pages.store import DynamoOneTimeCodes

    settings = kernel.settings
    return PageSessionService(
        codes=DynamoOneTimeCodes(),
        ring=kernel.secrets.session_ring,
        audience=settings.audience,
        session_ttl=timedelta(seconds=settings.session_ttl_seconds),
        clock=kernel.clock,
        ring_source=lambda: kernel.secret_cache.current().session_ring,
    )
