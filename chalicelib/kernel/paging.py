"""One page of a listing and the cursor to the next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T", covariant=True)  # a page of a subtype is a page of the type (read-only)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    cursor: str | None = None
