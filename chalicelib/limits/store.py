"""Rate-limit counters in the runtime table: one atomic ``UpdateItem ADD`` per hit.

``ADD counter :1`` creates the item at zero when it is missing, so a hit is
a single write with no read before it and no race between two containers.
The key names the window (``rl:<group>:<scope>:<hash>:<seconds>:<start>``),
so every window is a new item and the TTL (``expires``, a little after the
window ends) deletes the old ones.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.kernel.dynamo.errors import translate
from chalicelib.kernel.dynamo.runtime import RuntimeRecord


class DynamoCounters:
    def hit(self, key: str, *, expires: datetime) -> int:
        record = RuntimeRecord(key)
        with translate():
            record.update(
                actions=[
                    RuntimeRecord.counter.add(1),
                    RuntimeRecord.expires.set(expires),
                ]
            )
        return int(record.counter or 0)
