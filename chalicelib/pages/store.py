"""The pages' one-time sign-in codes in the runtime table (``page-code:<sha256>``).

``take`` reads the item and then deletes it on the condition that it still
exists, so of two exchanges racing for one code exactly one gets the value.
The TTL (``expires``) sweeps codes nobody used; the service checks the time
itself, since DynamoDB's TTL deletes late.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DeleteError, DoesNotExist

from chalicelib.kernel.dynamo.errors import conditional_failed, translate
from chalicelib.kernel.dynamo.runtime import RuntimeRecord


class DynamoOneTimeCodes:
    def put(self, key: str, value: str, *, expires: datetime) -> None:
        with translate():
            RuntimeRecord(key, value=value, expires=expires).save(
                condition=RuntimeRecord.key.does_not_exist()
            )

    def take(self, key: str) -> str | None:
        with translate():
            try:
                record = RuntimeRecord.get(key, consistent_read=True)
            except DoesNotExist:
                return None
        try:
            with translate():
                record.delete(condition=RuntimeRecord.key.exists())
        except DeleteError as exc:
            if conditional_failed(exc):
                return None  # another exchange took it first
            raise
        return record.value
