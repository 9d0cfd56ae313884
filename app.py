"""Yima's Chalice app: each capability's routes, the schedules and the queue handler.

Nothing is built here at import time: the container (settings, AWS clients,
services) is created by ``chalicelib.bootstrap`` on the first request. The routes
live with their capability (``chalicelib/<capability>/routes.py``); this file only
registers them.
"""

from __future__ import annotations

import json
from typing import Any

from chalice import Chalice, Cron, Rate

from chalicelib import bootstrap
from chalicelib.codes import routes as codes
from chalicelib.declarations import routes as declarations
from chalicelib.federation import routes as federation
from chalicelib.identity import routes as identity
from chalicelib.itinerary import routes as itinerary
from chalicelib.kernel import meta, metrics
from chalicelib.kernel.api import Api
from chalicelib.labs import routes as labs
from chalicelib.officials import routes as officials
from chalicelib.pages import routes as pages
from chalicelib.people import routes as people
from chalicelib.risk import routes as risk
from chalicelib.venues import routes as venues

app = Chalice(app_name="yima", configure_logs=False)  # powertools writes the JSON log lines
app.api.binary_types.append("application/pdf")  # venue posters (Chalice lists images only)
api = Api(app, container=bootstrap.get_container)
for capability in (
    meta,
    identity,
    declarations,
    officials,
    codes,
    itinerary,
    labs,
    risk,
    federation,
    venues,
    people,
    pages,
):
    api.register(capability.routes)


@app.schedule(Rate(10, unit=Rate.MINUTES))
def refresh_risk_areas(event: Any) -> dict[str, Any]:
    """Pull the feed object from S3 and recolour the people it affects."""
    with metrics.scope():  # each background invocation writes its own metrics as it ends
        return bootstrap.get_container().risk.refresh_scheduled()


@app.on_sqs_message(queue="yima-recolour", batch_size=1)
def recolour(event: Any) -> None:
    """Recompute the people in each message; a failure makes SQS redeliver the chunk."""
    with metrics.scope():  # written even when the chunk fails and SQS redelivers it
        container = bootstrap.get_container()
        for record in event:
            counts = container.risk.process(json.loads(record.body))
            if counts.get("failed"):
                raise RuntimeError(f"{counts['failed']} people failed; SQS will redeliver")


@app.schedule(Rate(10, unit=Rate.MINUTES))
def expire_due(event: Any) -> dict[str, Any]:
    """Recolour the people whose colour can change now (valid_until has passed)."""
    with metrics.scope():
        container = bootstrap.get_container()
        return container.risk.expire_due(container.colours.colours)


@app.schedule(Cron(5, 16, "*", "*", "?", "*"))
def expire_due_at_midnight(event: Any) -> dict[str, Any]:
    """00:05 Asia/Shanghai (16:05 UTC): day-counted reasons end at local midnight."""
    with metrics.scope():
        container = bootstrap.get_container()
        return container.risk.expire_due(container.colours.colours)
