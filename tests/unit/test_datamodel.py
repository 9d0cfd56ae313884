"""Every table is declared by the capability that owns it, registered, and listed once.

The kernel keeps what every table shares and imports no capability; chalicelib/datamodel.py
names each table and where it is declared. A capability still reading another's records
is listed below, so the list can only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

from pynamodb.models import Model

from chalicelib import datamodel
from chalicelib.kernel.dynamo import tables

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"

# (importing module, another capability's store module) pairs that predate the move of
# the records into the capabilities: readers built inside a store rather than passed in
# by the composition root. Remove a pair once bootstrap hands the reader in.
CROSS_STORE_IMPORTS = {
    ("chalicelib.colours.facts_store", "chalicelib.federation.store"),
    ("chalicelib.colours.facts_store", "chalicelib.identity.store"),
    ("chalicelib.colours.facts_store", "chalicelib.itinerary.store"),
    ("chalicelib.colours.facts_store", "chalicelib.labs.store"),
    ("chalicelib.colours.facts_store", "chalicelib.risk.store"),
    ("chalicelib.colours.facts_store", "chalicelib.venues.store"),
    ("chalicelib.identity.wechat", "chalicelib.risk.store"),
    ("chalicelib.risk.store", "chalicelib.colours.store"),
    ("chalicelib.risk.store", "chalicelib.identity.store"),
    ("chalicelib.risk.store", "chalicelib.itinerary.store"),
    ("chalicelib.risk.store", "chalicelib.people.store"),
    ("chalicelib.risk.store", "chalicelib.venues.store"),
}


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_every_table_is_listed_in_order_and_registered_once() -> None:
    models = datamodel.all_models()

    assert [datamodel.logical_names()[m] for m in models] == list(datamodel.TABLES)
    assert len(set(models)) == len(models) == len(datamodel.TABLES)


def test_every_record_class_of_the_app_is_a_registered_table() -> None:
    datamodel.all_models()
    ours = {m for m in _subclasses(Model) if m.__module__.startswith("chalicelib.")}

    assert ours == set(tables.logical_names())


def test_each_table_is_declared_by_its_listed_module() -> None:
    for model in datamodel.all_models():
        assert model.__module__ == datamodel.TABLES[datamodel.logical_names()[model]]


def test_the_kernels_tables_import_no_capability() -> None:
    for path in (CHALICELIB / "kernel" / "dynamo").glob("*.py"):
        for name in _imports(path):
            if name.startswith("chalicelib"):
                assert name.startswith("chalicelib.kernel."), f"{_module(path)} imports {name}"


def test_no_new_reader_of_another_capabilitys_store() -> None:
    capabilities = {
        p.name for p in CHALICELIB.iterdir() if (p / "__init__.py").exists() and p.name != "kernel"
    }
    found = set()
    for path in CHALICELIB.glob("*/*.py"):
        owner = path.parent.name
        if owner not in capabilities:
            continue
        for name in _imports(path):
            parts = name.split(".")
            if (
                len(parts) == 3
                and parts[1] in capabilities
                and parts[1] != owner
                and parts[2].endswith(("store", "records"))
            ):
                found.add((_module(path), name))

    assert found <= CROSS_STORE_IMPORTS, f"new: {sorted(found - CROSS_STORE_IMPORTS)}"
    assert found == CROSS_STORE_IMPORTS, f"gone: strike {CROSS_STORE_IMPORTS - found}"
