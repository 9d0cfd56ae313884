"""Every route that takes a batch caps it, and a batch past the cap is a clean 4xx.

A request schema with an array and no ``maxItems`` fails the first test, the
branches of a body of two shapes (the risk feed's ``then`` / ``else``)
included. The risk feed's caps are ``risk/rules.py``'s MAX_ROWS, which its
schema publishes; the sum of the national list's three lists is the parser's
alone, and the stored size is ``risk_repo``'s (one snapshot is one DynamoDB
item, 400 KB at most: before the cap, a feed of long area names was a 500).
"""

from __future__ import annotations

import pytest

from app import api
from chalicelib.itinerary.schemas import CARRIER_MAX_ROWS
from chalicelib.risk.rules import MAX_ROWS
from tests.helpers import assert_error, login, post


def _uncapped_arrays(schema, path="body"):
    if not isinstance(schema, dict):
        return []
    found = []
    if schema.get("type") == "array" and "maxItems" not in schema:
        found.append(path)
    for name, sub in (schema.get("properties") or {}).items():
        found += _uncapped_arrays(sub, f"{path}.{name}")
    if "items" in schema:
        found += _uncapped_arrays(schema["items"], f"{path}[]")
    for branch in ("then", "else"):
        found += _uncapped_arrays(schema.get(branch), f"{path}({branch})")
    return found


def test_every_array_a_client_can_send_has_a_cap():
    uncapped = {
        (op.method, op.path): _uncapped_arrays(op.body)
        for op in api.operations
        if op.body is not None
    }

    assert {route: arrays for route, arrays in uncapped.items() if arrays} == {}
    free_form = {
        (op.method, op.path)
        for op in api.operations
        if op.body is not None and not {"properties", "then", "else"} & set(op.body)
    }
    assert free_form == set()


def test_the_risk_feed_schema_publishes_the_parser_row_cap():
    from chalicelib.risk.schemas import NATIONAL_RISK_FEED, OUR_RISK_FEED

    lists = NATIONAL_RISK_FEED["properties"]["data"]["properties"]
    assert OUR_RISK_FEED["properties"]["areas"]["maxItems"] == MAX_ROWS
    assert {lists[n]["maxItems"] for n in ("highlist", "middlelist", "lowlist")} == {MAX_ROWS}


@pytest.fixture
def official(client):
    return login(client, "official-1", role="official")


def _area(n, name="电子城街道"):
    return {
        "region_code": "610113",
        "area": f"{name}{n}",
        "level": "high",
        "since": "2026-11-15T00:00:00+08:00",
    }


def _feed(areas):
    return {"feed_id": "big", "published_at": "2026-11-20T09:00:00+08:00", "areas": areas}


def test_a_carrier_batch_past_its_cap_is_400(client):
    from tests.app.test_carrier_and_card import row

    carrier = login(client, "cmcc", role="carrier")
    rows = [row()] * (CARRIER_MAX_ROWS + 1)

    response = post(client, "/v1/feeds/carrier", {"batch_id": "huge", "stays": rows}, carrier)

    assert_error(response, 400, field="stays")


def test_a_risk_feed_past_its_row_cap_is_400_and_stores_nothing(client, official):
    from chalicelib.risk.store import RiskFeedRecord

    response = post(
        client, "/v1/feeds/risk-areas", _feed([_area(n) for n in range(3001)]), official
    )

    assert_error(response, 400, field="areas")
    assert RiskFeedRecord.count() == 0
    assert MAX_ROWS == 3000


def test_the_national_lists_together_are_capped(client, official):
    row = {"province": "陕西省", "city": "西安市", "county": "雁塔区", "communitys": ["x"]}
    document = {
        "code": 0,
        "data": {
            "end_update_time": "2026-11-20 09时",
            "highlist": [row] * 2000,
            "middlelist": [row] * 1001,
        },
    }

    assert_error(
        post(client, "/v1/feeds/risk-areas", document, official), 400, field="data.middlelist"
    )


def test_a_snapshot_too_large_for_one_item_is_413_not_500(client, official):
    from chalicelib.risk.store import RiskFeedRecord

    long_name = "电子城街道" + "长" * 150  # within the row and text caps, 450 bytes a name
    feed = _feed([_area(n, long_name) for n in range(1500)])

    response = post(client, "/v1/feeds/risk-areas", feed, official)

    assert_error(response, 413, field="areas")
    assert RiskFeedRecord.count() == 0


def test_a_large_snapshot_of_ordinary_names_is_stored(client, official):
    response = post(
        client, "/v1/feeds/risk-areas", _feed([_area(n) for n in range(3000)]), official
    )

    assert response.status_code == 200, response.body
