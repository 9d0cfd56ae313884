"""What every DynamoDB table shares: the Meta defaults, the registry of tables, binding.

Each capability declares its own tables as pynamodb models in its store (storage
shapes only: nothing there is ever serialised into a response), built on
:class:`TableMeta` and registered with :func:`table`; the small tables that every
capability shares (``runtime``) live beside this module. The kernel imports no
capability: ``chalicelib/datamodel.py``, outside it, names every table in order and
the module that declares it, and loads them for the composition root, the
generator in ``infra/`` and the tests.

A model's ``Meta.table_name`` holds its *logical* name until the composition root
calls :func:`bind`, which prefixes it for the stage and points the connection at
the right region and endpoint (pynamodb fixes the table name at class creation, so
binding has to rewrite it before first use); :func:`table` records the logical
name when the class is created, before any binding.

Every access path is a GetItem or a Query on a table key or a GSI key; the table
of access paths lives in ``docs/data-model.md``. Items that expire carry a TTL
attribute named ``expires`` (``expiration`` for the idempotency table, whose
schema is aws-lambda-powertools'), set from the retention rules in
``chalicelib/kernel/retention.py``; a table without one is listed there with the
reason it keeps its items.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pynamodb.attributes import TTLAttribute
from pynamodb.indexes import AllProjection
from pynamodb.models import Model

from chalicelib.kernel.dynamo.sessions import share_sessions

M = TypeVar("M", bound=type[Model])

# Every registered model and its logical name, in the order the classes were created.
_LOGICAL_NAMES: dict[type[Model], str] = {}


class TableMeta:
    """Defaults shared by every table; ``bind`` fills in name, region and host."""

    billing_mode = "PAY_PER_REQUEST"
    region = "cn-northwest-1"
    host: str | None = None
    connect_timeout_seconds = 1
    read_timeout_seconds = 2
    max_retry_attempts = 3


def index_meta(name: str, projection: Any = None) -> type:
    """The ``Meta`` of a global secondary index (all attributes projected by default)."""

    class Meta:
        index_name = name

    Meta.projection = projection or AllProjection()  # type: ignore[attr-defined]
    return Meta


def table(model: M) -> M:
    """Class decorator: register a table's model under its logical name, the
    ``Meta.table_name`` it is declared with."""
    logical = model.Meta.table_name
    for other, name in _LOGICAL_NAMES.items():
        if name == logical and other is not model:
            raise ValueError(f"{model.__name__} and {other.__name__} both declare {logical!r}")
    _LOGICAL_NAMES[model] = logical
    return model


def logical_names() -> dict[type[Model], str]:
    """Every registered model and its logical name (unprefixed, whatever the binding)."""
    return dict(_LOGICAL_NAMES)


def in_order(names: Iterable[str]) -> tuple[type[Model], ...]:
    """The registered models in the order of ``names``, which must name every
    registered table once and nothing else."""
    by_name = {logical: model for model, logical in _LOGICAL_NAMES.items()}
    ordered = tuple(names)
    if sorted(ordered) != sorted(by_name):
        missing = sorted(set(by_name) - set(ordered))
        unknown = sorted(set(ordered) - set(by_name))
        raise LookupError(f"tables registered but not listed {missing}, listed but not {unknown}")
    return tuple(by_name[name] for name in ordered)


def bind(
    models: Iterable[type[Model]], *, table_prefix: str, region: str, host: str | None
) -> None:
    """Point each model at its stage's table, region and endpoint, all of them on one
    botocore session per thread (:mod:`chalicelib.kernel.dynamo.sessions`)."""
    share_sessions()
    for model in models:
        target = (f"{table_prefix}{_LOGICAL_NAMES[model]}", region, host)
        if (model.Meta.table_name, model.Meta.region, model.Meta.host) == target:
            continue  # already bound: keep the connection (and its botocore client)
        model.Meta.table_name, model.Meta.region, model.Meta.host = target
        model._connection = None  # drop a connection bound to an older name or host


def ttl_attribute(model: type[Model]) -> str | None:
    """The name of the model's TTL attribute, if it has one."""
    for name, attr in model.get_attributes().items():
        if isinstance(attr, TTLAttribute):
            return attr.attr_name or name
    return None
