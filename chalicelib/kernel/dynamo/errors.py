"""Turn DynamoDB failures the client did not cause into domain errors.

Throttling and timeouts become UpstreamUnavailable (HTTP 503) so that a busy
table gives a clear, retryable answer instead of a 500. Conditional-check
failures are left to the caller, which knows what the condition meant.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pynamodb.exceptions import PutError, PynamoDBException

from chalicelib.kernel.errors import Conflict, UpstreamUnavailable

_BUSY = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
}


def conditional_failed(exc: Exception) -> bool:
    """True when a write failed its condition: the caller decides what that means."""
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


@contextmanager
def translate() -> Iterator[None]:
    try:
        yield
    except PynamoDBException as exc:
        code = getattr(exc, "cause_response_code", None)
        if code == "ConditionalCheckFailedException":
            raise
        if code in _BUSY or code is None:
            raise UpstreamUnavailable("the database is busy; try again shortly") from exc
        raise


def save_new(record: Any, condition: Any, *, what: str) -> None:
    """Save an item that must not exist yet: a second write of the same key is a
    Conflict ``already_exists`` (as the services' fakes answer), never pynamodb's
    PutError reaching a route as a 500."""
    with translate():
        try:
            record.save(condition=condition)
        except PutError as exc:
            if conditional_failed(exc):
                raise Conflict(f"{what} is already recorded", code="already_exists") from None
            raise
