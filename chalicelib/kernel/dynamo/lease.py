"""A lease lock in the runtime table: one holder at a time, expiring by itself.

Scheduled jobs take it before they plan (the risk refresh), and the WeChat access
token is refreshed under it, so two containers never do the same work at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DeleteError, PutError

from chalicelib.kernel.dynamo.errors import conditional_failed, translate
from chalicelib.kernel.dynamo.runtime import RuntimeRecord

LEASE_KEPT = timedelta(days=1)  # a lease item outlives its lease by a day, then TTL deletes it


class DynamoLease:
    """A lease lock in the runtime table: one holder at a time, expiring by itself."""

    def acquire(self, name: str, *, owner: str, until: datetime, now: datetime) -> bool:
        record = RuntimeRecord(
            f"lease:{name}", owner=owner, lease_until=until, expires=until + LEASE_KEPT
        )
        with translate():
            try:
                record.save(
                    condition=RuntimeRecord.key.does_not_exist() | (RuntimeRecord.lease_until < now)
                )
                return True
            except PutError as exc:
                if conditional_failed(exc):
                    return False
                raise

    def release(self, name: str, *, owner: str) -> None:
        with translate():
            try:
                RuntimeRecord(f"lease:{name}").delete(condition=RuntimeRecord.owner == owner)
            except DeleteError as exc:
                if not conditional_failed(exc):
                    raise
