"""Reading around DynamoDB's lazy TTL: an item past its ``expires`` is gone for us.

DynamoDB deletes expired items in the background, typically within days, and
until then a GetItem or a Query still returns them (moto never deletes them
at all). Every reader of a table with a TTL attribute therefore drops items
past it: ``live(Model, now)`` as a Query's filter, ``expired(record, now)``
after a GetItem.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from chalicelib.kernel.dynamo.tables import ttl_attribute


def _attribute(model: type[Model]) -> str:
    name = ttl_attribute(model)
    if name is None:
        raise TypeError(f"{model.__name__} has no TTL attribute")
    return name


def live(model: type[Model], now: datetime) -> Condition:
    """A filter that keeps items without a TTL value or with one still ahead."""
    attribute = getattr(model, _attribute(model))
    condition: Condition = attribute.does_not_exist() | (attribute > now)
    return condition


def expired(record: Model, now: datetime) -> bool:
    value = getattr(record, _attribute(type(record)))
    return value is not None and value <= now
