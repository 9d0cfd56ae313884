"""Every table is declared by the capability that owns it, registered, and listed once.

The kernel keeps what every table shares and imports no capability; chalicelib/datamodel.py
names each table and where it is declared. Which capability may import which store is
import-linter's to check (.importlinter, run by make lint), with the debts still open.
"""

from __future__ import annotations

import ast
from pathlib import Path

from pynamodb.models import Model

from chalicelib import datamodel
from chalicelib.kernel.dynamo import tables

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"


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
