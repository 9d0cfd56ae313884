"""moto made fit for the recolouring bench (``bench/recolour.py``, ``bench/exposure.py``).

- ``_counting``: every pynamodb request made inside, by operation, table and index, and
  ``_breakdown`` to count them;
- ``_KeyedMotoReads``: Query and Scan pages that hand moto only the items the key
  names (moto sorts the whole table on every page; ``bench/recolour.py`` checks them
  against moto as shipped in each world);
- ``_DirectWrites`` and ``_fast_setup``: records stored with moto's own ``put_item``,
  without its quadratic item-size check or the garbage collector, to fill a world fast.

What they change is moto's cost, never the requests counted.
"""

from __future__ import annotations

import inspect
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def _counting() -> Iterator[list[tuple[str, str, str]]]:
    """Every pynamodb request made inside: (operation, table, index or "")."""
    from pynamodb.connection.base import Connection

    original = Connection._make_api_call
    seen: list[tuple[str, str, str]] = []

    def counting(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
        table = str(operation_kwargs.get("TableName", ""))
        if not table and "RequestItems" in operation_kwargs:
            table = ",".join(sorted(operation_kwargs["RequestItems"]))
        seen.append((operation_name, table, str(operation_kwargs.get("IndexName", ""))))
        return original(self, operation_name, operation_kwargs)

    Connection._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        Connection._make_api_call = original  # type: ignore[method-assign]


def _breakdown(calls: list[tuple[str, str, str]], prefix: str) -> dict[str, int]:
    """``Query people.by_residence`` → count, most frequent first."""
    counts = Counter(
        f"{op} {table.removeprefix(prefix)}{'.' + index if index else ''}"
        for op, table, index in calls
    )
    return dict(counts.most_common())


class _KeyedMotoReads:
    """moto answers every Query and every Scan page by sorting the whole table first
    (``Table.all_items``), then walking it: at 100,000 people one push took over nine
    minutes in moto, none of it our code. Inside this context moto still does all the
    matching, sorting, paging and serialising, but is handed only the candidates the
    key names: the partition for a table Query, the items carrying the index key's
    value for a GSI Query, the rest of the table after ``ExclusiveStartKey`` for a
    Scan. The lists come from a cache of the sorted table, dropped when the table is
    written. Requests are counted above moto (pynamodb), so no count changes; with
    ``enabled`` off moto runs as shipped, which ``_check_fast_path`` compares against.
    """

    def __init__(self) -> None:
        self.enabled = True
        self._caches: dict[int, dict[str, Any]] = {}
        self._saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> _KeyedMotoReads:
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.table import Table

        query, scan, all_items = Table.query, Table.scan, Table.all_items
        query_sig, scan_sig = inspect.signature(query), inspect.signature(scan)
        reads, caches = self, self._caches

        def state(table: Any) -> dict[str, Any]:
            cached = caches.get(id(table))
            if cached is None:
                cached = caches[id(table)] = {"sorted": all_items(table), "by": {}}
            return cached

        def forget(table: Any) -> None:
            caches.pop(id(table), None)

        def handed(table: Any, candidates: list[Any], call: Callable[[], Any]) -> Any:
            table.all_items = lambda: candidates  # shadows the method for this call
            try:
                return call()
            finally:
                del table.all_items

        def carrying(table: Any, attr: str, value: Any) -> list[Any] | None:
            if not isinstance(value.value, str):
                return None
            cached = state(table)
            groups = cached["by"].get(attr)
            if groups is None:
                groups = cached["by"][attr] = {}
                for item in cached["sorted"]:
                    found = item.attrs.get(attr)
                    if found is not None and isinstance(found.value, str):
                        groups.setdefault((found.type, found.value), []).append(item)
            return list(groups.get((value.type, value.value), ()))

        def keyed_query(self: Any, *args: Any, **kwargs: Any) -> Any:
            call = lambda: query(self, *args, **kwargs)  # noqa: E731
            if not reads.enabled:
                return call()
            bound = query_sig.bind(self, *args, **kwargs).arguments
            if bound.get("index_name"):
                conditions = bound.get("hash_key_conditions") or []
                candidates = carrying(self, *conditions[0]) if conditions else None
            elif bound.get("hash_key") is not None:
                partition = self.items.get(bound["hash_key"])
                if partition is None:
                    candidates = []
                elif self.range_key_attr:
                    candidates = list(partition.values())
                else:
                    candidates = [partition]
            else:
                candidates = None
            return call() if candidates is None else handed(self, candidates, call)

        def keyed_scan(self: Any, *args: Any, **kwargs: Any) -> Any:
            call = lambda: scan(self, *args, **kwargs)  # noqa: E731
            if not reads.enabled:
                return call()
            bound = scan_sig.bind(self, *args, **kwargs).arguments
            start = bound.get("exclusive_start_key")
            if bound.get("index_name") or bound.get("segments", (None, None)) != (None, None):
                return call()
            cached = state(self)
            if not start:
                return handed(self, cached["sorted"], call)
            if "position" not in cached:
                cached["position"] = {
                    (item.hash_key.value, item.range_key.value if item.range_key else None): n
                    for n, item in enumerate(cached["sorted"])
                }
            key = (
                next(iter(start[self.hash_key_attr].values())),
                next(iter(start[self.range_key_attr].values())) if self.range_key_attr else None,
            )
            at = cached["position"].get(key)
            return call() if at is None else handed(self, cached["sorted"][at:], call)

        def written(method: Any) -> Any:
            def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
                forget(self)
                return method(self, *args, **kwargs)

            return wrapper

        def written_by_name(method: Any) -> Any:
            def wrapper(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
                forget(self.get_table(table_name))
                return method(self, table_name, *args, **kwargs)

            return wrapper

        def written_any(method: Any) -> Any:
            def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
                caches.clear()
                return method(self, *args, **kwargs)

            return wrapper

        for owner, name, replacement in (
            (Table, "query", keyed_query),
            (Table, "scan", keyed_scan),
            (Table, "put_item", written(Table.put_item)),
            (Table, "delete_item", written(Table.delete_item)),
            (DynamoDBBackend, "update_item", written_by_name(DynamoDBBackend.update_item)),
            (
                DynamoDBBackend,
                "transact_write_items",
                written_any(DynamoDBBackend.transact_write_items),
            ),
        ):
            self._saved.append((owner, name, owner.__dict__[name]))
            setattr(owner, name, replacement)
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        self._saved.clear()
        self._caches.clear()


class _DirectWrites:
    """The set-up's writes, straight into moto's tables: each record is serialised by
    pynamodb as for a request (``Model.serialize()``) and stored with moto's own
    ``Table.put_item``, but without the botocore request and moto's parsing of it,
    which were two thirds of the set-up's time. Only the set-up writes this way;
    everything counted goes through pynamodb and botocore as in production."""

    def __init__(self) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        region = os.environ.get("AWS_DEFAULT_REGION", "cn-northwest-1")
        self._backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][region]
        self._tables: dict[type, Any] = {}

    def save(self, record: Any) -> None:
        model = type(record)
        table = self._tables.get(model)
        if table is None:
            table = self._tables[model] = self._backend.get_table(model.Meta.table_name)
        table.put_item(record.serialize())


@contextmanager
def _fast_setup() -> Iterator[None]:
    """Two costs of the set-up that are moto's and the interpreter's, not the bench's:

    - moto checks the 400 KB item limit on every attribute it stores by re-measuring
      the whole item (quadratic in the attributes). The bench's items are a few
      hundred bytes, so the set-up stores attributes unchecked;
    - the cyclic garbage collector walks the ever larger heap of moto's items again
      and again (half the set-up's time at 30,000 people). It is off while the
      population is written, and back on for everything counted.
    """
    import gc

    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    checked = LimitedSizeDict.__dict__["__setitem__"]
    LimitedSizeDict.__setitem__ = dict.__setitem__  # type: ignore[assignment,method-assign]
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        LimitedSizeDict.__setitem__ = checked  # type: ignore[method-assign]
        if was_enabled:
            gc.enable()
