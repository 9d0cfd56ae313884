"""Status marks, appeals and the audit trail, as the services see them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.colours.model import (
    StatusMark,
)
from chalicelib.colours.ports import DeclarationSeen
from chalicelib.kernel.paging import Page
from chalicelib.kernel.session import SessionClaims
from chalicelib.officials.rules import Appeal, MarkRequest


class Corrections(Protocol):
    """What an upheld appeal may correct: the person's own declarations (the
    declarations capability's ReviewService)."""

    def latest(self, person_id: str) -> DeclarationSeen | None: ...

    def check_withdrawal(self, person_id: str, facts: tuple[str, ...]) -> None: ...

    def correct(
        self,
        reviewer: SessionClaims,
        person_id: str,
        facts: tuple[str, ...] | None,
        *,
        note: str,
        appeal_id: str,
    ) -> tuple[str, ...]: ...


class Marks(Protocol):
    def add(self, mark: MarkRequest) -> None: ...

    def get(self, mark_id: str) -> MarkRequest | None: ...

    def approve(
        self, mark: MarkRequest, *, approver: str, person_id: str | None, now: datetime
    ) -> MarkRequest: ...

    def approved_for(self, id_hash: str) -> list[StatusMark]: ...

    def withdraw(self, mark_id: str) -> bool: ...

    def queue(self, *, limit: int, cursor: str | None) -> Page[MarkRequest]: ...


class Appeals(Protocol):
    def add(self, appeal: Appeal) -> None: ...

    def get(self, appeal_id: str) -> Appeal | None: ...

    def for_user(self, user_id: str, *, limit: int, cursor: str | None) -> Page[Appeal]: ...

    def queue(self, *, limit: int, cursor: str | None) -> Page[Appeal]: ...

    def answer(
        self, appeal_id: str, *, outcome: str, answer: str, reviewer: str, now: datetime
    ) -> Appeal: ...
