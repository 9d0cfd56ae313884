"""The one table every capability shares: small runtime state under prefixed keys.

Job leases (``lease:``), the WeChat access token (``wechat:``), rate-limit
counters, the wrapped data keys (``datakey:``), the regions' policy texts
(``policy:``), one-time page codes: items too few and too small for a table of
their own. Decommission keeps only ``retention.RUNTIME_KEPT_PREFIXES``.
"""

from __future__ import annotations

from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from chalicelib.kernel.dynamo.tables import TableMeta, table


@table
class RuntimeRecord(Model):
    """Small shared state: job leases, the WeChat access token, rate-limit counters."""

    class Meta(TableMeta):
        table_name = "runtime"

    key = UnicodeAttribute(hash_key=True)
    value = UnicodeAttribute(null=True)
    owner = UnicodeAttribute(null=True)
    counter = NumberAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)
    expires = TTLAttribute(null=True)
