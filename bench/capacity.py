"""The country-scale capacity model, computed from ``bench/results.json``.

    python bench/capacity.py [--results bench/results.json] [--json]

prints the tables of ``docs/capacity.md``: the requests of a morning peak,
the DynamoDB read and write units and partitions they need, the hot keys,
the Lambda concurrency, and the monthly cost. Two kinds of input:

- **measured** here, read from ``results.json`` (``make bench``): the DynamoDB
  requests each peak route makes (by table, index and consistency), the billed
  sizes of the items they read and write, the CPU each route spends outside
  the DynamoDB client, the image routes, offline verification, the requests a
  recolour makes per person;
- **assumed**, in ``ASSUMPTIONS`` and ``PRICES`` (``bench/capacity_prices.py``),
  each with its reason: the population and the peak from the issue, the rest of
  the traffic mix, DynamoDB's latency, the Lambda size, and list prices.

A route whose measured DynamoDB requests include one this model does not know
how to price stops the script (``UnpricedCall``): the model follows the code.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from capacity_prices import (  # noqa: E402
    APIGW_HTTP_TIERS,
    APIGW_REST_TIERS,
    ASSUMPTIONS,
    CACHED_ITEMS,
    HOURS_PER_MONTH,
    LOGIN_EXTRA_CALLS,
    PARTITION_GB,
    PARTITION_RCU,
    PARTITION_WCU,
    POPULATIONS,
    PRICE_LIST,
    PRICES,
    ROUTES,
    SCAN_SHARDS,
    SINGLE_ITEM_KEYS,
    Units,
    price_call,
    tiered,
)
from capacity_report import _n, plot_svg, render  # noqa: E402
from load import MIX  # noqa: E402  (the load test's mix is the model's mix)


def figures(path: Path) -> dict[str, dict[str, Any]]:
    document = json.loads(path.read_text())
    return {f["name"]: f for f in document["figures"]} | {
        "_meta": {k: v for k, v in document.items() if k != "figures"}
    }


def _value(figs: dict[str, dict[str, Any]], name: str) -> float:
    if name not in figs:
        raise SystemExit(f"{name} is not in results.json: run `make bench` first")
    return float(figs[name]["value"])


def item_sizes(figs: dict[str, dict[str, Any]]) -> dict[str, float]:
    colours = [
        float(f["value"])
        for n, f in figs.items()
        if n.startswith("colour_") and n.endswith("_item_bytes")
    ]
    return {
        "colour": max(colours),  # the largest measured: a red colour with its reasons
        "colour_green": _value(figs, "colour_green_item_bytes"),
        "user": _value(figs, "user_item_bytes"),
        "identity": _value(figs, "identity_item_bytes"),
        "scan": _value(figs, "scan_item_bytes"),
        "audit": _value(figs, "audit_item_bytes"),
        "stays": ASSUMPTIONS["stays_bytes"][0],
        "pointer": ASSUMPTIONS["pointer_bytes"][0],
    }


def model(
    figs: dict[str, dict[str, Any]], overrides: dict[str, float] | None = None
) -> dict[str, Any]:
    a = {k: v for k, (v, _) in ASSUMPTIONS.items()} | (overrides or {})
    p = {k: v for k, (v, _) in PRICES.items()}
    sizes = item_sizes(figs)
    cpu_factor = a["lambda_full_vcpu_mb"] / a["lambda_memory_mb"]
    memory_gb = a["lambda_memory_mb"] / 1024

    peak = {op: a["peak_code_per_s"] * share / MIX["code"] for op, share in MIX.items()}
    daily_code = a["population"] * a["code_displays_per_person_day"]
    monthly = {
        op: daily_code * share / MIX["code"] * a["days_per_month"] for op, share in MIX.items()
    }

    routes: dict[str, dict[str, Any]] = {}
    for op in MIX:
        measured = figs[f"{op}_own_us"]
        calls = list(measured["detail"]["dynamo_calls"])
        if op == "login":
            calls += LOGIN_EXTRA_CALLS
        units = [u for call in calls for u in price_call(call, sizes)]
        own_ms = float(measured["value"]) / 1000
        duration_ms = own_ms * cpu_factor + len(calls) * a["dynamo_ms"]
        if op == "login":
            duration_ms += a["upstream_login_ms"]
        routes[op] = {
            "route": ROUTES[op],
            "peak_per_s": peak[op],
            "monthly": monthly[op],
            "calls": calls,
            "units": units,
            "read_units": sum(u.read for u in units),
            "write_units": sum(u.write for u in units),
            "own_ms_here": own_ms,
            "duration_ms": duration_ms,
            "concurrency": peak[op] * duration_ms / 1000,
        }

    # DynamoDB at the peak, per table / index, and the single items.
    targets: dict[str, dict[str, float]] = {}
    for r in routes.values():
        for u in r["units"]:
            t = targets.setdefault(u.target, {"rcu": 0.0, "wcu": 0.0})
            t["rcu"] += u.read * r["peak_per_s"]
            t["wcu"] += u.write * r["peak_per_s"]
    warm_containers = sum(r["concurrency"] for r in routes.values())
    for name, (interval_s, units) in CACHED_ITEMS.items():
        t = targets.setdefault(name, {"rcu": 0.0, "wcu": 0.0})
        t["cache_refresh_rcu"] = warm_containers / interval_s * units
        t["rcu"] += t["cache_refresh_rcu"]
    for name, t in targets.items():
        t["partitions"] = math.ceil(t["rcu"] / PARTITION_RCU + t["wcu"] / PARTITION_WCU)
        t["single_item"] = name in SINGLE_ITEM_KEYS
        if t["single_item"]:  # one item lives in one partition, whatever the table's size
            t["over_one_partition"] = t["rcu"] / PARTITION_RCU + t["wcu"] / PARTITION_WCU

    # Storage that sets a partition floor: the colours (and their by_holder copy), scans.
    verifies_per_day = daily_code * MIX["verify"] / MIX["code"]
    storage_gb = {
        "colours": a["population"] * (sizes["colour_green"] + a["item_overhead_bytes"]) / 1e9,
        "colours.by_holder": a["population"]
        * (sizes["colour_green"] + a["item_overhead_bytes"])
        / 1e9,
        "scans": verifies_per_day
        * a["scan_retention_days"]
        * (sizes["scan"] + a["item_overhead_bytes"])
        / 1e9,
    }
    for name, gb in storage_gb.items():
        targets.setdefault(name, {"rcu": 0.0, "wcu": 0.0, "partitions": 0})
        targets[name]["storage_gb"] = gb
        targets[name]["partitions"] = max(targets[name]["partitions"], math.ceil(gb / PARTITION_GB))

    table_rows = {n: t for n, t in targets.items() if not t.get("single_item")}
    total_rcu = sum(t["rcu"] for t in table_rows.values())
    total_wcu = sum(t["wcu"] for t in table_rows.values())
    monthly_rru = sum(r["read_units"] * r["monthly"] for r in routes.values())
    monthly_wru = sum(r["write_units"] * r["monthly"] for r in routes.values())
    monthly_requests = sum(r["monthly"] for r in routes.values())
    monthly_gb_s = sum(r["monthly"] * r["duration_ms"] / 1000 * memory_gb for r in routes.values())
    storage_total = sum(storage_gb.values())

    cost = {
        "dynamodb_on_demand": monthly_rru / 1e6 * p["ddb_od_read_per_million"]
        + monthly_wru / 1e6 * p["ddb_od_write_per_million"],
        "dynamodb_provisioned_peak_all_month": (
            total_rcu * p["ddb_rcu_hour"] + total_wcu * p["ddb_wcu_hour"]
        )
        * HOURS_PER_MONTH,
        "dynamodb_storage": storage_total * p["ddb_storage_gb_month"],
        "lambda": monthly_gb_s * p["lambda_gb_s"]
        + monthly_requests / 1e6 * p["lambda_per_million"],
        "api_gateway_rest": tiered(monthly_requests, APIGW_REST_TIERS),
        "api_gateway_http": tiered(monthly_requests, APIGW_HTTP_TIERS),
    }

    # What-ifs from measured figures.
    png_ms = _value(figs, "png_route_ms")
    code_ms = float(figs["code_endpoint_ratio"]["detail"]["endpoint"]) / 1000
    png_extra_ms = (png_ms - code_ms) * cpu_factor  # the rendering on top of showing the code
    # The largest world bench/recolour.py managed (100k, or 50k when building it is slow).
    size = max(
        (
            n.removeprefix("recolour_requests_")
            for n in figs
            if n.startswith("recolour_requests_") and n != "recolour_requests_ratio"
        ),
        key=lambda k: float(k.rstrip("k")),
        default="100k",
    )
    recolour_people = _value(figs, f"people_recoloured_{size}")
    recolour_requests = _value(figs, f"recolour_requests_{size}")
    cold = figs["cold_import_ratio"]["detail"]

    concurrency = sum(r["concurrency"] for r in routes.values())
    cost["lambda_provisioned_for_peak"] = (
        concurrency
        * memory_gb
        * p["lambda_provisioned_gb_s"]
        * 3600
        * a["peak_hours_per_day"]
        * a["days_per_month"]
    )
    # Keys that writes pile onto: one partition key takes at most 1,000 WCU a second.
    district_scans = peak["verify"] * a["busiest_district"] / a["population"] / SCAN_SHARDS
    mass_s = a["mass_recolour_people"] / PARTITION_WCU  # one write per person on one key
    hot_writes = [
        {
            "key": f"`scans.by_region_day` `<district>#<day>#<n>` ({SCAN_SHARDS} shards)",
            "sort_key": "person_id: spread, may split after minutes",
            "when": "the morning peak, busiest district, one shard",
            "wcu_per_s": district_scans,
            "times_one_partition": district_scans / PARTITION_WCU,
        },
        {
            "key": "`audit.by_day` `<day>` and `audit.by_actor` `system`",
            "sort_key": "event_key `<at>#<id>`: rises with time, cannot split",
            "when": f"recolouring {a['mass_recolour_people'] / 1e6:.0f} million people",
            "hours_at_one_partition": mass_s / 3600,
        },
        {
            "key": "`colours.by_due` `<hour>`",
            "sort_key": "valid_until: the same instant for all, cannot split",
            "when": "the same recolour: everyone's colour can change at the same midnight",
            "hours_at_one_partition": mass_s / 3600,
        },
        {
            "key": "`place_days` `<city>#<day>`",
            "sort_key": "phone_hash: spread, may split after minutes",
            "when": f"one day of carrier stays for a city of {a['mass_recolour_people'] / 1e6:.0f}"
            " million phones",
            "hours_at_one_partition": mass_s / 3600,
        },
    ]
    province_share = a["largest_province"] / a["population"]

    # The cost of one national morning peak, and of one million code displays, in CNY:
    # every request's Lambda time and invocation, its API Gateway request (at the average
    # price per request of the month's tiers), its DynamoDB on-demand units, and the SQS
    # messages a risky scan queues (sent and received).
    apigw_per_request = cost["api_gateway_rest"] / monthly_requests

    def priced(requests_by_op: dict[str, float]) -> dict[str, float]:
        lam = sum(
            n * (routes[op]["duration_ms"] / 1000 * memory_gb * p["lambda_gb_s"])
            + n / 1e6 * p["lambda_per_million"]
            for op, n in requests_by_op.items()
        )
        ddb = sum(
            n * routes[op]["read_units"] / 1e6 * p["ddb_od_read_per_million"]
            + n * routes[op]["write_units"] / 1e6 * p["ddb_od_write_per_million"]
            for op, n in requests_by_op.items()
        )
        sqs = requests_by_op.get("verify", 0.0) * a["risky_scan_share"] * 2 / 1e6
        row = {
            "lambda": lam,
            "api_gateway": sum(requests_by_op.values()) * apigw_per_request,
            "dynamodb": ddb,
            "sqs": sqs * p["sqs_per_million"],
        }
        row["total"] = sum(row.values())
        return row

    morning_s = a["morning_peak_minutes"] * 60
    morning = {
        "requests": {op: rate * morning_s for op, rate in peak.items()},
    }
    morning["cny"] = priced(morning["requests"])
    million = priced({"code": 1e6})

    # Every key the peak reads or writes, against a third of one partition.
    keys = []
    for name, t in sorted(targets.items()):
        if t.get("single_item"):
            keys.append(
                {
                    "key": SINGLE_ITEM_KEYS[name],
                    "load": t["rcu"],
                    "unit": "RCU",
                    "third": PARTITION_RCU / 3,
                    "how": "cached per container"
                    if name in CACHED_ITEMS
                    else "read by every request",
                }
            )
    keys.append(
        {
            "key": hot_writes[0]["key"],
            "load": district_scans,
            "unit": "WCU",
            "third": PARTITION_WCU / 3,
            "how": "sharded by person id",
        }
    )
    per_person = {
        "key": "`colours`, `colours.by_holder`, `users`, `identities`, `stays`, "
        "`runtime.rate_limits`: one person's (or one window's) items",
        "load": 2.0,
        "unit": "RCU",
        "third": PARTITION_RCU / 3,
        "how": "keyed by person, phone hash or window: a person refreshing every 30 s "
        "reads 0.03 a second; 2 a second is a phone in a loop",
    }
    keys.append(per_person)
    for k in keys:
        k["fraction_of_third"] = k["load"] / k["third"]

    return {
        "assumptions": a,
        "prices": p,
        "sizes": sizes,
        "cpu_factor": cpu_factor,
        "peak": peak,
        "routes": routes,
        "targets": targets,
        "totals": {
            "peak_rps": sum(peak.values()),
            "rcu": total_rcu,
            "wcu": total_wcu,
            "partitions": sum(t["partitions"] for t in table_rows.values()),
            "concurrency": concurrency,
            "monthly_requests": monthly_requests,
            "monthly_rru": monthly_rru,
            "monthly_wru": monthly_wru,
            "monthly_gb_s": monthly_gb_s,
            "storage_gb": storage_total,
        },
        "cost": cost,
        "hot_writes": hot_writes,
        "morning": morning,
        "million_displays": million,
        "keys": keys,
        "largest_province": {
            "share": province_share,
            "peak_rps": sum(peak.values()) * province_share,
            "concurrency": concurrency * province_share,
            "rcu": total_rcu * province_share,
            "wcu": total_wcu * province_share,
        },
        "what_if": {
            "png_for_every_display_extra_concurrency": peak["code"] * png_extra_ms / 1000,
            "png_extra_ms_per_display": png_extra_ms,
            "recolour_requests_per_person": recolour_requests / recolour_people,
            "offline_verify_us": _value(figs, "offline_verify_us"),
            "cold_start_import_ms": cold.get("app_first_request"),
        },
    }


def scaled(figs: dict[str, dict[str, Any]], population: float) -> dict[str, Any]:
    """The model for a deployment of ``population`` citizens: the peak in proportion (the
    issue's million displays a second is for 1.4 billion), the busiest district no larger
    than the population."""
    share = population / ASSUMPTIONS["population"][0]
    return model(
        figs,
        {
            "population": population,
            "peak_code_per_s": ASSUMPTIONS["peak_code_per_s"][0] * share,
            "busiest_district": min(ASSUMPTIONS["busiest_district"][0], population),
            "largest_province": min(ASSUMPTIONS["largest_province"][0], population),
        },
    )


def curve(figs: dict[str, dict[str, Any]]) -> list[dict[str, float]]:
    rows = []
    for population in POPULATIONS:
        m = scaled(figs, population)
        c = m["cost"]
        monthly = c["dynamodb_on_demand"] + c["dynamodb_storage"] + c["lambda"]
        monthly += c["api_gateway_rest"]
        rows.append(
            {
                "population": population,
                "monthly_cny": monthly,
                "morning_cny": m["morning"]["cny"]["total"],
                "partitions": float(m["totals"]["partitions"]),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument("--json", action="store_true", help="the whole model as JSON")
    parser.add_argument(
        "--plot",
        type=Path,
        default=HERE.parent / "docs" / "capacity.svg",
        help="where to write the cost and partitions plot (SVG)",
    )
    args = parser.parse_args(argv)
    figs = figures(args.results)
    m = model(figs)
    rows = curve(figs)
    args.plot.write_text(plot_svg(rows), encoding="utf-8")
    if args.json:

        def plain(o: Any) -> Any:
            return o.__dict__ if isinstance(o, Units) else str(o)

        print(json.dumps(m, indent=2, default=plain, ensure_ascii=False))
    else:
        print(render(m, figs["_meta"]))
        print()
        print("**Against the number of citizens** (`docs/capacity.svg`):")
        print()
        print("| citizens | peak displays / s | CNY a month | CNY one morning | partitions |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        for r in rows:
            print(
                f"| {_n(r['population'])} | {_n(1e6 * r['population'] / 1.4e9)} | "
                f"{_n(r['monthly_cny'])} | {_n(r['morning_cny'])} | {r['partitions']:,.0f} |"
            )
        print()
        print(f"Prices: {PRICE_LIST}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
