"""Shared by the health repositories: ids, the guarded state change, paging cursors, time text.

Reads of tables with a TTL drop expired items (``ttl.live`` / ``ttl.expired``):
DynamoDB deletes them only lazily. Retention periods come from
``chalicelib/kernel/retention.py``.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.kernel.dynamo.errors import conditional_failed, translate
from chalicelib.kernel.errors import Conflict, InvalidInput
from chalicelib.kernel.paging import Page

T = TypeVar("T")
ACTIVE_FEED = "@active"
Clock = Callable[[], datetime]


class StaleWrite(Conflict):
    """Someone else wrote first (optimistic lock); re-read and try again."""

    code = "stale_write"


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


def transition(record: Model, actions: list[Action], condition: Condition, message: str) -> None:
    """A state change guarded by its condition (pending → decided, open → answered):
    Conflict(already_decided) when someone decided first."""
    with translate():
        try:
            record.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if conditional_failed(exc):
                raise Conflict(message, code="already_decided") from None
            raise


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode_cursor(
    cursor: str | None, keys: frozenset[str], partition: tuple[str, str] | None = None
) -> dict[str, Any] | None:
    """A cursor we issued for this query (exactly its ``keys``, all strings), or
    InvalidInput naming ``cursor``: never a DynamoDB validation error."""
    if not cursor:
        return None
    bad = InvalidInput(
        "the cursor is not one this API issued", field="cursor", code="invalid_cursor"
    )
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise bad from None
    if not isinstance(key, dict) or set(key) != keys:
        raise bad
    for name, value in key.items():
        if not (isinstance(name, str) and isinstance(value, dict) and len(value) == 1):
            raise bad
        ((kind, text),) = value.items()
        if kind != "S" or not isinstance(text, str) or not text or len(text) > 256:
            raise bad
    if partition is not None and key[partition[0]]["S"] != partition[1]:
        raise bad  # a cursor from another partition: DynamoDB would refuse it
    return key


# The attributes of each query's LastEvaluatedKey: the table key plus the index key.
DECLARATION_BY_PERSON = frozenset({"declaration_id", "person_id", "created_at"})
DECLARATION_QUEUE = frozenset({"declaration_id", "review_queue", "created_at"})
APPEAL_BY_USER = frozenset({"appeal_id", "user_id", "created_at"})
APPEAL_QUEUE = frozenset({"appeal_id", "queue", "created_at"})
HELD_FEEDS = frozenset({"feed_id", "queue", "stored_at"})
MARK_QUEUE = frozenset({"mark_id", "queue", "requested_at"})
AUDIT_BY_DAY = frozenset({"subject_id", "event_key", "day"})
AUDIT_BY_SUBJECT = frozenset({"subject_id", "event_key"})


def to_page(result: Any, convert: Any) -> Page[Any]:
    items = tuple(convert(record) for record in result)
    return Page(items=items, cursor=encode_cursor(result.last_evaluated_key))


def iso_text(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def parse_time_text(text: Any) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) and text else None
