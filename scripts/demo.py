"""Demo data for ``make run``: the risk feed in the feed bucket, a few accounts, a
carrier feed of sixty phones (``scripts/demo_carrier.py``) beside the demo citizens'
stories, and test sites in
Xi'an, Beijing, Shanghai and Guangzhou.

Goes through the same services the API uses (no hand-written table items),
so the demo can never hold data the API would have refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.container import Container
from chalicelib.kernel.roles import Role

DATA = Path(__file__).resolve().parent / "demo_data"
DEMO_VENUE = {
    "name": "小寨地铁站 A 口",
    "address": "雁塔区长安中路小寨十字",
    "region_code": "610113",
    "lat": 34.2237,
    "lng": 108.9462,
    "kind": "transport",
}


def _post_the_gate(
    container: Container, accounts: list[dict[str, Any]], now: Any
) -> dict[str, str]:
    """A demo venue, and checkpoint demo-gate-1 posted there by demo-official-a: a
    checkpoint scans where an official posted it (issue 29), so the demo's scans are at a
    venue."""
    from chalicelib.kernel.session import SessionClaims

    ids = {a["subject"]: a["user_id"] for a in accounts}
    official = SessionClaims(
        subject=ids["demo-official-a"],
        role=Role.OFFICIAL,
        audience=container.settings.audience,
        issued_at=now,
        expires_at=now,
    )
    venue = container.venues.register(official, dict(DEMO_VENUE))
    posted = container.assignments.assign(
        official, {"user_id": ids["demo-gate-1"], "venue_id": venue.venue_id}
    )
    return {
        "venue_id": venue.venue_id,
        "checkpoint": "demo-gate-1",
        "assignment": posted.assignment_id,
    }


def load(container: Container) -> dict[str, Any]:
    settings = container.settings
    feed = (DATA / "risk-areas.json").read_bytes()
    container.aws.client("s3").put_object(
        Bucket=settings.feed_bucket,
        Key=settings.feed_key,
        Body=feed,
        ContentType="application/json",
    )
    accounts = []
    citizens = json.loads((DATA / "citizens.json").read_text(encoding="utf-8"))
    for person in citizens:
        session = container.auth.dev_login(
            subject=person["subject"], role=Role(person["role"]), phone=person.get("phone")
        )
        accounts.append(
            {"subject": person["subject"], "role": person["role"], "user_id": session.user.user_id}
        )
    from demo_carrier import generate

    from chalicelib.kernel.session import SessionClaims

    now = container.clock()
    carrier = SessionClaims(
        subject="carrier:demo",
        role=Role.CARRIER,
        audience=settings.audience,
        issued_at=now,
        expires_at=now,
    )
    stays = container.itinerary.ingest(carrier, generate(phones=60, seed=7, now=now))
    from chalicelib.cli import read_sites

    sites = container.test_sites.load(read_sites(str(DATA / "test-sites.csv")))
    post = _post_the_gate(container, accounts, now)
    # The demo citizens declare (after the carrier feed, as a real one would arrive
    # first), so the citizen page shows each a code at once: the colour the rules give
    # their answers and stays with the demo risk feed.
    colours = {}
    for person, account in zip(citizens, accounts, strict=True):
        if "declaration" in person:
            outcome = container.declarations.declare_for(
                account["user_id"], person["role"], dict(person["declaration"])
            )
            colours[person["subject"]] = outcome.assessment.colour.value
    return {
        "risk_feed": f"s3://{settings.feed_bucket}/{settings.feed_key}",
        "accounts": accounts,
        "colours": colours,
        "checkpoint_post": post,
        "carrier_rows": stays["accepted"],
        "test_sites": sum(sites.values()),
    }
