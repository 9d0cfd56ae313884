"""The benchmark tools' own logic: goals, the load test's plan, the capacity model.

The figures themselves come from ``make bench``; these check the arithmetic
that turns them into verdicts and into the capacity model, on small inputs.
"""

from __future__ import annotations

import itertools
import math
import sys
from collections import Counter
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import capacity  # noqa: E402
import capacity_prices  # noqa: E402
import load  # noqa: E402
import run  # noqa: E402


@pytest.mark.parametrize(
    ("value", "goal", "expected"),
    [
        (1.15, "<= 1.15", True),
        (1.16, "<= 1.15", False),
        (999, "< 1000", True),
        (1000, "< 1000", False),
        (100, "== 100", True),
        (99, "== 100", False),
        (3.2, "informational", None),
        (3.2, "informational: grows with population", None),
    ],
)
def test_a_figure_is_held_against_its_goal(value, goal, expected):
    assert run.met(value, goal) is expected


def test_the_load_plan_keeps_the_mix_and_bursts_the_logins():
    order = load.plan(2000, seed=1)

    counts = Counter(order)
    assert len(order) == 2000
    assert counts == {op: 2000 * share // 100 for op, share in load.MIX.items()}
    runs = [len(list(group)) for op, group in itertools.groupby(order) if op == "login"]
    assert sum(runs) == counts["login"]
    assert max(runs) >= load.BURST  # the logins come in bursts, not one by one


def test_the_load_plan_is_the_same_for_the_same_seed():
    assert load.plan(500, seed=7) == load.plan(500, seed=7)
    assert load.plan(500, seed=7) != load.plan(500, seed=8)


def test_percentiles_are_nearest_rank():
    values = [i / 1000 for i in range(1, 101)]  # 1 ms .. 100 ms

    assert load._percentile(values, 50) == 0.05
    assert load._percentile(values, 99) == 0.099
    assert load._percentile([0.2], 99) == 0.2


def _figure(name, value, **detail):
    return {"name": name, "value": value, "unit": "", "goal": "informational", "detail": detail}


def _results():
    """The figures the model reads, with round numbers."""
    rows = [
        _figure("code_own_us", 1000.0, dynamo_calls=["GetItem colours"]),
        _figure(
            "verify_own_us",
            2000.0,
            dynamo_calls=["Query colours.by_holder", "PutItem scans", "GetItem risk_feeds"],
        ),
        _figure(
            "login_own_us",
            1000.0,
            dynamo_calls=[
                "GetItem identities",
                "UpdateItem identities sets:last_login_at",
                "GetItem users",
            ],
        ),
        _figure(
            "pass_own_us",
            1000.0,
            dynamo_calls=[
                "GetItem colours",
                "GetItem users",
                "Query stays",
                "GetItem risk_feeds",
            ],
        ),
        _figure("colour_green_item_bytes", 230),
        _figure("colour_red_4_reasons_item_bytes", 5000),  # over 4 KB: two read units
        _figure("user_item_bytes", 250),
        _figure("identity_item_bytes", 150),
        _figure("scan_item_bytes", 240),
        _figure("audit_item_bytes", 370),
        _figure("png_route_ms", 12.0),
        _figure("code_endpoint_ratio", 1.2, endpoint=2000.0),
        _figure("people_recoloured_100k", 100),
        _figure("recolour_requests_100k", 1200),
        _figure("offline_verify_us", 160.0),
        _figure("cold_import_ratio", 0.3, app_first_request=900.0),
    ]
    return {f["name"]: f for f in rows} | {"_meta": {}}


def test_the_capacity_model_prices_the_measured_requests():
    m = capacity.model(_results())
    a = m["assumptions"]

    code = m["routes"]["code"]
    assert code["peak_per_s"] == a["peak_code_per_s"]
    assert code["read_units"] == 1.0  # the largest colour item is over 4 KB: 2 × 0.5
    assert code["duration_ms"] == pytest.approx(1.0 * m["cpu_factor"] + a["dynamo_ms"])
    verify = m["routes"]["verify"]
    assert verify["peak_per_s"] == pytest.approx(a["peak_code_per_s"] * 25 / 60)
    assert verify["write_units"] == 2.0  # the scan and its keys-only index entry
    login = m["routes"]["login"]
    assert len(login["calls"]) == 3 + len(capacity.LOGIN_EXTRA_CALLS)
    assert login["duration_ms"] > a["upstream_login_ms"]


def test_partitions_follow_read_and_write_units():
    m = capacity.model(_results())

    scans = m["targets"]["scans.by_region_day"]
    assert scans["rcu"] == 0
    assert scans["partitions"] == math.ceil(scans["wcu"] / 1000)
    users = m["targets"]["users"]
    assert users["partitions"] == math.ceil(users["rcu"] / 3000 + users["wcu"] / 1000)


def test_the_single_items_are_reported_as_hot_keys():
    m = capacity.model(_results())

    pointer = m["targets"]["risk_feeds"]
    assert pointer["single_item"]
    # a route measured reading the pointer on every request (here verify and pass) is
    # charged 0.5 RCU each; every warm container also re-reads it once per cache interval
    containers = m["totals"]["concurrency"]
    expected = 0.5 * (m["peak"]["verify"] + m["peak"]["pass"]) + containers / 30 * 0.5
    assert pointer["rcu"] == pytest.approx(expected)
    assert pointer["over_one_partition"] == pytest.approx(expected / 3000)
    token = m["targets"]["runtime"]
    assert token["rcu"] == pytest.approx(containers / 60)  # consistent, once a minute each
    keys = {k["key"]: k for k in m["keys"]}
    assert keys[capacity.SINGLE_ITEM_KEYS["runtime"]]["fraction_of_third"] < 1


def test_the_cost_of_a_morning_and_the_plot():
    figs = _results()
    m = capacity.model(figs)
    million = m["million_displays"]
    assert million["total"] == pytest.approx(
        million["lambda"] + million["api_gateway"] + million["dynamodb"] + million["sqs"]
    )
    assert million["sqs"] == 0  # displays queue nothing
    assert m["morning"]["cny"]["total"] > million["total"]
    rows = capacity.curve(figs)
    assert [r["population"] for r in rows] == list(capacity.POPULATIONS)
    assert all(a["monthly_cny"] < b["monthly_cny"] for a, b in itertools.pairwise(rows))
    svg = capacity.plot_svg(rows)
    assert svg.startswith("<svg") and svg.count("<polyline") == 3


def test_a_request_the_model_cannot_price_stops_it():
    results = _results()
    results["code_own_us"]["detail"]["dynamo_calls"] = ["Scan colours"]

    with pytest.raises(capacity_prices.UnpricedCall, match="Scan colours"):
        capacity.model(results)


def test_api_gateway_tiers():
    tiers = [(10.0, 2.0), (math.inf, 1.0)]  # 10 requests at 2 per million, then 1

    assert capacity.tiered(5, tiers) == pytest.approx(5 / 1e6 * 2)
    assert capacity.tiered(30, tiers) == pytest.approx(10 / 1e6 * 2 + 20 / 1e6 * 1)
