"""Deleting whole tables' worth of items, for the decommission operator command.

This is the one module that scans a table. It runs only from ``python -m
chalicelib.cli decommission``, an offline operator command with the
operator's credentials: never a request or a scheduled path (the Lambda's
IAM policy does not even grant ``dynamodb:Scan``). A scan reads keys only,
page by page, and the deletes go through pynamodb's batch writer, which
resends unprocessed items; running the command again after an interruption
carries on where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pynamodb.models import Model

from chalicelib.kernel.dynamo.tables import logical_names


def model_for(table: str) -> type[Model]:
    """The model of a logical table name (``people`` → ``PersonRecord``), among the
    tables loaded (``chalicelib.datamodel.all_models`` loads them all)."""
    for model, logical in logical_names().items():
        if logical == table:
            return model
    raise KeyError(f"no table {table!r}")


def _keys(model: type[Model]) -> list[str]:
    return [name for name in (model._hash_keyname, model._range_keyname) if name]


def _items(model: type[Model]) -> Iterator[Model]:
    yield from model.scan(attributes_to_get=_keys(model), page_size=500)


def purge(
    table: str, *, dry_run: bool, keep: Callable[[Model], bool] = lambda item: False
) -> dict[str, int]:
    """Delete every item of ``table`` except those ``keep`` spares; the counts."""
    model = model_for(table)
    counts = {"found": 0, "kept": 0, "deleted": 0}
    if dry_run:
        for item in _items(model):
            counts["found"] += 1
            counts["kept"] += int(keep(item))
        return counts
    with model.batch_write() as batch:
        for item in _items(model):
            counts["found"] += 1
            if keep(item):
                counts["kept"] += 1
                continue
            batch.delete(item)
            counts["deleted"] += 1
    return counts
