"""Every DynamoDB table of the app, in order, and the module that declares it.

Each capability declares its tables in its own store (registered with
``kernel.dynamo.tables.table``); the kernel imports no capability, so this module,
outside it, is where they are all gathered: for the composition root's
:func:`bind`, ``infra/generate.py``, ``python -m chalicelib.cli create-tables`` and
``decommission``, and the tests. Importing it loads nothing; :func:`all_models`
imports the declaring modules when first called.

The order is the one the tables have always been bound and generated in
(``infra/resources.json`` lists them so): a new table goes at the end.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from pynamodb.models import Model

from chalicelib.kernel.dynamo import tables

# logical table name → the module that declares its model
TABLES: dict[str, str] = {
    "identities": "chalicelib.identity.store",
    "users": "chalicelib.identity.store",
    "people": "chalicelib.people.store",
    "declarations": "chalicelib.declarations.store",
    "colours": "chalicelib.colours.store",
    "stays": "chalicelib.itinerary.store",
    "place_days": "chalicelib.itinerary.store",
    "scans": "chalicelib.codes.store",
    "risk_feeds": "chalicelib.risk.store",
    "status_marks": "chalicelib.officials.marks_store",
    "appeals": "chalicelib.officials.appeals_store",
    "test_results": "chalicelib.labs.store",
    "test_samples": "chalicelib.labs.store",
    "test_sites": "chalicelib.labs.store",
    "audit": "chalicelib.officials.audit_store",
    "idempotency": "chalicelib.itinerary.store",
    "runtime": "chalicelib.kernel.dynamo.runtime",
    "trust_lists": "chalicelib.federation.store",
    "partner_status": "chalicelib.federation.store",
    "conversions": "chalicelib.federation.store",
    "venues": "chalicelib.venues.store",
    "checkins": "chalicelib.venues.store",
    "exposures": "chalicelib.venues.store",
    "vaccinations": "chalicelib.venues.store",
    "care_links": "chalicelib.people.care_store",
    "care_requests": "chalicelib.people.care_store",
    "printed_codes": "chalicelib.codes.store",
    "disputes": "chalicelib.identity.disputes_store",
    "assignments": "chalicelib.venues.store",
}


@cache
def all_models() -> tuple[type[Model], ...]:
    """Every table's model, in :data:`TABLES` order; a table declared but not listed
    there, or listed but not declared where it says, is an error."""
    for module in dict.fromkeys(TABLES.values()):
        import_module(module)
    models = tables.in_order(TABLES)
    for model in models:
        declared_in = TABLES[tables.logical_names()[model]]
        if model.__module__ != declared_in:
            raise LookupError(
                f"{model.__name__} is declared in {model.__module__}, not {declared_in}"
            )
    return models


def logical_names() -> dict[type[Model], str]:
    """Every table's model and its logical (unprefixed) name, in :data:`TABLES` order."""
    models = all_models()  # first: it imports the stores, which register their tables
    names = tables.logical_names()
    return {model: names[model] for model in models}


def bind(*, table_prefix: str, region: str, host: str | None) -> None:
    """Point every table's model at its stage's table, region and endpoint
    (``kernel.dynamo.tables.bind``)."""
    tables.bind(all_models(), table_prefix=table_prefix, region=region, host=host)
