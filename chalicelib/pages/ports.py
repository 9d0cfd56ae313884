"""The pages' one-time sign-in codes, as their service sees them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class OneTimeCodes(Protocol):
    """Short-lived single-use values by key (the pages' sign-in codes)."""

    def put(self, key: str, value: str, *, expires: datetime) -> None: ...

    def take(self, key: str) -> str | None:
        """The value, deleted in the same step: a second take of the key gets None."""
        ...
