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
- **assumed**, in ``ASSUMPTIONS`` and ``PRICES`` below, each with its reason:
  the population and the peak from the issue, the rest of the traffic mix,
  DynamoDB's latency, the Lambda size, and list prices.

A route whose measured DynamoDB requests include one this model does not know
how to price stops the script (``UnpricedCall``): the model follows the code.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from load import MIX  # noqa: E402  (the load test's mix is the model's mix)

# --- assumptions ---------------------------------------------------------------------

ASSUMPTIONS: dict[str, tuple[float, str]] = {
    "population": (1.4e9, "the issue: the whole country"),
    "peak_code_per_s": (1e6, "the issue: one million code displays a second at the morning peak"),
    "code_displays_per_person_day": (
        4,
        "an ordinary day; Guangzhou's 140 million visits in a day (18.7 million "
        "people) is 7.5 per person on a mass-testing day",
    ),
    "days_per_month": (30, ""),
    "dynamo_ms": (
        5.0,
        "one DynamoDB round trip from a Lambda in the same region, p50; single-digit "
        "milliseconds is DynamoDB's own claim",
    ),
    "upstream_login_ms": (
        150.0,
        "WeChat code2session / Alipay oauth.token from cn-northwest-1, an HTTPS call "
        "to the channel's servers",
    ),
    "lambda_memory_mb": (1024, "Chalice's default is 128 MB; 1024 MB buys 0.58 vCPU"),
    "lambda_full_vcpu_mb": (1769, "Lambda gives one full vCPU at 1,769 MB"),
    "stays_bytes": (3000.0, "a person's 14 days of stays, returned by one Query (≤ 4 KB)"),
    "pointer_bytes": (120.0, "the risk_feeds @active pointer item"),
    "scan_retention_days": (15, "SCAN_RETENTION in chalicelib/services/codes.py"),
    "item_overhead_bytes": (100.0, "DynamoDB bills 100 bytes of index overhead per item stored"),
    "largest_province": (126.0e6, "Guangdong, 2020 census: the largest per-province deployment"),
    "busiest_district": (
        3.45e6,
        "Beijing Chaoyang (110105), 2020 census: residents only; its daytime population is larger",
    ),
    "mass_recolour_people": (
        10e6,
        "a city of ten million whose risk changes at once (the city-stay rule reaches "
        "everyone who stayed there in 14 days)",
    ),
    "peak_hours_per_day": (3, "how long provisioned concurrency is held for the morning peak"),
}

# us-east-1 list prices in USD, as assumptions: cn-northwest-1 (Ningxia, operated by
# NWCD) bills in CNY at its own list prices, which are to be substituted here.
PRICES: dict[str, tuple[float, str]] = {
    "ddb_od_read_per_million": (0.125, "DynamoDB on-demand, per million read request units"),
    "ddb_od_write_per_million": (0.625, "DynamoDB on-demand, per million write request units"),
    "ddb_rcu_hour": (0.00013, "DynamoDB provisioned, per RCU-hour"),
    "ddb_wcu_hour": (0.00065, "DynamoDB provisioned, per WCU-hour"),
    "ddb_storage_gb_month": (0.25, "DynamoDB Standard table class storage"),
    "lambda_gb_s": (0.0000166667, "Lambda x86, per GB-second"),
    "lambda_per_million": (0.20, "Lambda, per million requests"),
    "lambda_provisioned_gb_s": (0.0000041667, "Lambda provisioned concurrency, per GB-second"),
}
# API Gateway REST API (what Chalice deploys), per million requests, by monthly tier.
APIGW_REST_TIERS = [(333e6, 3.50), (667e6, 2.80), (19e9, 2.38), (math.inf, 1.51)]
APIGW_HTTP_TIERS = [(300e6, 1.00), (math.inf, 0.90)]

PARTITION_RCU, PARTITION_WCU, PARTITION_GB = 3000, 1000, 10
HOURS_PER_MONTH = 730

ROUTES = {
    "code": "GET /v1/code",
    "verify": "POST /v1/verify",
    "login": "POST /v1/auth/wechat",
    "pass": "GET /v1/pass",
}
# The production login is WeChat's, which the bench cannot call: it makes the measured
# dev login's requests plus these (docs/data-model.md, chalicelib/adapters/wechat.py).
LOGIN_EXTRA_CALLS = ["GetItem runtime consistent", "GetItem identities"]
SINGLE_ITEM_KEYS = {
    "risk_feeds": "risk_feeds `@active` (the pointer to the active snapshot)",
    "runtime": "runtime `wechat:<appid>_access_token` (the shared WeChat token)",
}


class UnpricedCall(Exception):
    pass


@dataclass
class Units:
    target: str  # a table, "table.index", or a single item
    read: float = 0.0
    write: float = 0.0


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


def read_units(size: float, *, consistent: bool) -> float:
    return math.ceil(size / 4096) * (1.0 if consistent else 0.5)


def write_units(size: float) -> float:
    return float(math.ceil(size / 1024))


def price_call(call: str, sizes: dict[str, float]) -> list[Units]:
    """The capacity one DynamoDB request takes, and where (table, index or one item)."""
    words = call.split()
    op, target = words[0], words[1]
    consistent = "consistent" in words
    reads = {
        "colours": "colour",
        "colours.by_holder": "colour",
        "users": "user",
        "identities": "identity",
        "stays": "stays",
    }
    if op in ("GetItem", "Query") and target in reads:
        return [Units(target, read=read_units(sizes[reads[target]], consistent=consistent))]
    if op == "GetItem" and target in SINGLE_ITEM_KEYS:
        return [Units(target, read=read_units(sizes["pointer"], consistent=consistent))]
    if op == "PutItem" and target == "scans":
        # by_region_day is keys-only: one unit per scan with a region.
        return [
            Units("scans", write=write_units(sizes["scan"])),
            Units("scans.by_region_day", write=1),
        ]
    if op == "UpdateItem" and target == "identities" and call.endswith("sets:last_login_at"):
        return [Units("identities", write=write_units(sizes["identity"]))]  # no GSI
    if op == "UpdateItem" and target == "runtime" and call.endswith("sets:counter,expires"):
        # A shared abuse-limit counter (logins, declarations, staff reads): one small item
        # per subject or address and window, so spread over the table, never a hot key.
        return [Units("runtime.rate_limits", write=1)]
    raise UnpricedCall(f"no price for the DynamoDB request {call!r}: teach price_call()")


def tiered(requests: float, tiers: list[tuple[float, float]]) -> float:
    cost, left = 0.0, requests
    for size, per_million in tiers:
        used = min(left, size)
        cost += used / 1e6 * per_million
        left -= used
        if left <= 0:
            break
    return cost


def model(figs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    a = {k: v for k, (v, _) in ASSUMPTIONS.items()}
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
    recolour_people = _value(figs, "people_recoloured_100k")
    recolour_requests = _value(figs, "recolour_requests_100k")
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
    district_scans = peak["verify"] * a["busiest_district"] / a["population"]
    mass_s = a["mass_recolour_people"] / PARTITION_WCU  # one write per person on one key
    hot_writes = [
        {
            "key": "`scans.by_region_day` `<district>#<day>`",
            "sort_key": "person_id: spread, may split after minutes",
            "when": "the morning peak, busiest district",
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


def _n(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:,.1f}"
    return f"{x:,.2f}"


def render(m: dict[str, Any], meta: dict[str, Any]) -> str:
    a, t = m["assumptions"], m["totals"]
    out = [
        f"Measured: `bench/results.json` of {meta.get('date')} "
        f"(commit {meta.get('commit')}, {meta.get('machine', {}).get('cpu_model')}, "
        f"Python {meta.get('machine', {}).get('python')}).",
        "",
        "**Routes at the peak** (the load test's mix; Lambda duration = CPU measured here × "
        f"{m['cpu_factor']:.2f} for {a['lambda_memory_mb']:.0f} MB + {a['dynamo_ms']:.0f} ms "
        f"per DynamoDB request, + {a['upstream_login_ms']:.0f} ms for the channel's login "
        "call; the login row is the dev login's measured requests plus what the WeChat path "
        "adds according to `docs/data-model.md`: the shared access token, read consistently, "
        "and a second identity alias):",
        "",
        "| route | peak / s | DynamoDB requests (measured) | RRU | WRU | CPU here ms "
        "| Lambda ms | concurrency |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in m["routes"].values():
        out.append(
            f"| `{r['route']}` | {_n(r['peak_per_s'])} | {', '.join(r['calls'])} | "
            f"{_n(r['read_units'])} | {_n(r['write_units'])} | {r['own_ms_here']:.2f} | "
            f"{r['duration_ms']:.1f} | {_n(r['concurrency'])} |"
        )
    out += [
        f"| **all** | **{_n(t['peak_rps'])}** | | | | | | **{_n(t['concurrency'])}** |",
        "",
        "**DynamoDB at the peak** (provisioned units; a partition serves 3,000 RCU and "
        "1,000 WCU and holds 10 GB):",
        "",
        "| table / index | RCU | WCU | storage GB | partitions |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, row in sorted(m["targets"].items()):
        if row.get("single_item"):
            continue
        gb = row.get("storage_gb")
        out.append(
            f"| `{name}` | {_n(row['rcu'])} | {_n(row['wcu'])} | "
            f"{_n(gb) if gb is not None else ''} | {row['partitions']:,} |"
        )
    out += [
        f"| **all** | **{_n(t['rcu'])}** | **{_n(t['wcu'])}** | {_n(t['storage_gb'])} "
        f"| **{t['partitions']:,}** |",
        "",
        "**Single items read at the peak** (one item lives in one partition):",
        "",
        "| item | RCU on it | times one partition |",
        "| --- | ---: | ---: |",
    ]
    for name, row in sorted(m["targets"].items()):
        if row.get("single_item"):
            out.append(
                f"| {SINGLE_ITEM_KEYS[name]} | {_n(row['rcu'])} | {_n(row['over_one_partition'])} |"
            )
    out += [
        "",
        "**Keys that writes pile onto** (one partition takes at most 1,000 WCU a second; "
        "DynamoDB may move a hot key's items onto more partitions by sort key, but not when "
        "the sort keys rise with time or repeat, and not within seconds):",
        "",
        "| key | when | load | sort key |",
        "| --- | --- | --- | --- |",
    ]
    for h in m["hot_writes"]:
        if "wcu_per_s" in h:
            load = f"{_n(h['wcu_per_s'])} WCU/s ({h['times_one_partition']:.2f}× one partition)"
        else:
            load = f"{h['hours_at_one_partition']:.1f} h at 1,000 writes/s"
        out.append(f"| {h['key']} | {h['when']} | {load} | {h['sort_key']} |")
    c = m["cost"]
    total = c["dynamodb_on_demand"] + c["dynamodb_storage"] + c["lambda"] + c["api_gateway_rest"]
    lp = m["largest_province"]
    out += [
        "",
        f"**The largest province alone** (Guangdong, {lp['share']:.1%} of the people): "
        f"{_n(lp['peak_rps'])} requests/s at the peak, {_n(lp['concurrency'])} concurrent "
        f"Lambdas, {_n(lp['rcu'])} RCU and {_n(lp['wcu'])} WCU.",
    ]
    out += [
        "",
        "**A month** "
        f"({_n(t['monthly_requests'] / 1e9)} billion requests: "
        f"{a['code_displays_per_person_day']:.0f} code displays per person a day and the mix):",
        "",
        "| item | USD / month |",
        "| --- | ---: |",
        f"| DynamoDB on demand ({_n(t['monthly_rru'] / 1e9)} G RRU, "
        f"{_n(t['monthly_wru'] / 1e9)} G WRU) | {_n(c['dynamodb_on_demand'])} |",
        f"| DynamoDB provisioned for the peak, all month | "
        f"{_n(c['dynamodb_provisioned_peak_all_month'])} |",
        f"| DynamoDB storage (colours, their by_holder copy, 15 days of scans: "
        f"{_n(t['storage_gb'])} GB) | {_n(c['dynamodb_storage'])} |",
        f"| Lambda ({_n(t['monthly_gb_s'] / 1e6)} M GB-s and the requests) | {_n(c['lambda'])} |",
        f"| API Gateway, REST API (Chalice's) | {_n(c['api_gateway_rest'])} |",
        f"| API Gateway, HTTP API (for comparison) | {_n(c['api_gateway_http'])} |",
        f"| **on demand + storage + Lambda + REST API** | **{_n(total)}** |",
        f"| Lambda provisioned concurrency for the peak, {a['peak_hours_per_day']:.0f} h a day "
        f"| {_n(c['lambda_provisioned_for_peak'])} |",
        "",
        "**What-ifs from the measured figures:**",
        "",
    ]
    w = m["what_if"]
    out += [
        f"- every display fetching `/v1/code.png` instead of drawing the token: "
        f"+{w['png_extra_ms_per_display']:.1f} ms of Lambda CPU each, "
        f"+{_n(w['png_for_every_display_extra_concurrency'])} concurrent executions at the peak;",
        f"- a recolour costs {w['recolour_requests_per_person']:.1f} DynamoDB requests per "
        "person recoloured (the finding included), whatever the population;",
        f"- offline verification: {w['offline_verify_us']:.0f} µs per token on this machine;",
        f"- a cold start spends {w['cold_start_import_ms']:.0f} ms of CPU here importing what "
        "the first request needs.",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument("--json", action="store_true", help="the whole model as JSON")
    args = parser.parse_args(argv)
    figs = figures(args.results)
    m = model(figs)
    if args.json:

        def plain(o: Any) -> Any:
            return o.__dict__ if isinstance(o, Units) else str(o)

        print(json.dumps(m, indent=2, default=plain, ensure_ascii=False))
    else:
        print(render(m, figs["_meta"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
