"""Pages and cursors as the DynamoDB stores give them, over a list already in query order.

A cursor is opaque to callers; here it is the sort key of the last item returned, tied
to the partition it came from. As with the DynamoDB stores (``decode_cursor``), a cursor
this store did not issue for this partition is ``InvalidInput`` naming ``cursor``, and
a page carries a cursor only while items remain (what PynamoDB on moto answers; see
docs/testing.md for the one place real DynamoDB may differ).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import TypeVar

from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.paging import Page

T = TypeVar("T")


def _bad() -> InvalidInput:
    return InvalidInput(
        "the cursor is not one this API issued", field="cursor", code="invalid_cursor"
    )


def encode(partition: str, key: str) -> str:
    raw = json.dumps({"p": partition, "k": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode(cursor: str, partition: str) -> str:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise _bad() from None
    if not isinstance(value, dict) or set(value) != {"p", "k"}:
        raise _bad()
    if value["p"] != partition or not isinstance(value["k"], str):
        raise _bad()  # a cursor of another partition: DynamoDB would refuse it
    return value["k"]


def page(
    ordered: Sequence[T],
    *,
    key: Callable[[T], str],
    partition: str,
    limit: int,
    cursor: str | None,
) -> Page[T]:
    """Up to ``limit`` items after the cursor's item, in the order given."""
    start = 0
    if cursor:
        after = decode(cursor, partition)
        keys = [key(item) for item in ordered]
        start = keys.index(after) + 1 if after in keys else _position(keys, after)
    chunk = tuple(ordered[start : start + limit])
    more = start + limit < len(ordered)
    return Page(items=chunk, cursor=encode(partition, key(chunk[-1])) if more and chunk else None)


def _position(keys: list[str], after: str) -> int:
    """The cursor's item is gone (expired or deleted): resume where it would have been.
    Keys are in query order, ascending or descending: follow their direction."""
    if len(keys) > 1 and keys[0] > keys[-1]:
        return next((i for i, k in enumerate(keys) if k < after), len(keys))
    return next((i for i, k in enumerate(keys) if k > after), len(keys))
