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
    "scan_retention_days": (15, "SCAN_RETENTION in chalicelib/codes/service.py"),
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
    "morning_peak_minutes": (
        60,
        "one national morning peak priced as an hour at the full peak rate (an upper bound: "
        "the rush rises and falls around its top)",
    ),
    "risky_scan_share": (
        0.01,
        "verifications at a venue inside a risk area, each queueing one recolour message",
    ),
}

# cn-northwest-1 (Ningxia, operated by NWCD) list prices in CNY, as assumptions, each with
# where it comes from. PRICE_LIST says which were read from a published figure and which
# are still to be confirmed before a budget is built on them.
PRICE_LIST = (
    "cn-northwest-1 (Ningxia) list prices in CNY, without tax or discounts. DynamoDB's are "
    "from the DynamoDB pricing page of amazonaws.cn (read 2026-12-02: provisioned "
    "¥0.058 per 10 WCU-hours and per 50 RCU-hours, on-demand writes ¥11.1538 per million). "
    "Lambda's requests (¥1.36 per million) and duration (¥453.9 for a million 1-second "
    "calls at 4096 MB, ¥0.0001135 per GB-second) and API Gateway's REST calls (¥28.94 per "
    "million, the first tier) are the figures AWS publishes for cn-northwest-1 in the cost "
    "estimates of its AI Solution Kit's documentation (awslabs/aws-ai-solution-kit, "
    '"as of June 2022"), which agree with the list we had. The on-demand read, storage, '
    "provisioned-concurrency, SQS prices, the REST API's lower tiers and the HTTP API's "
    "are the NWCD list as we last knew it, with no published figure found, and are marked "
    "`confirm` below: check them on amazonaws.cn before use"
)
PRICES: dict[str, tuple[float, str]] = {
    "ddb_od_read_per_million": (
        2.2308,
        "DynamoDB on-demand, per million RRU (confirm: 1/5 of the write price, as in every region)",
    ),
    "ddb_od_write_per_million": (11.1538, "DynamoDB on-demand, per million WRU (price page)"),
    "ddb_rcu_hour": (0.058 / 50, "DynamoDB provisioned, per RCU-hour (price page)"),
    "ddb_wcu_hour": (0.058 / 10, "DynamoDB provisioned, per WCU-hour (price page)"),
    "ddb_storage_gb_month": (1.88, "DynamoDB Standard storage, per GB-month (confirm)"),
    "lambda_gb_s": (
        0.000113477,
        "Lambda x86, per GB-second (AWS AI Solution Kit's cn-northwest-1 cost estimate: "
        "¥453.9 for 1 million 1 s calls at 4 GB)",
    ),
    "lambda_per_million": (
        1.36,
        "Lambda, per million requests (AWS AI Solution Kit's cn-northwest-1 cost estimate)",
    ),
    "lambda_provisioned_gb_s": (
        0.000028369,
        "Lambda provisioned concurrency, per GB-second (confirm)",
    ),
    "sqs_per_million": (3.33, "SQS standard, per million requests (confirm)"),
}
# API Gateway REST API (what Chalice deploys), CNY per million requests, by monthly tier:
# the first tier (¥28.94) as AWS AI Solution Kit's cn-northwest-1 cost estimate gives it,
# the lower tiers (confirm); an HTTP API for comparison (confirm).
APIGW_REST_TIERS = [(333e6, 28.94), (667e6, 23.15), (19e9, 19.68), (math.inf, 12.49)]
APIGW_HTTP_TIERS = [(300e6, 8.27), (math.inf, 7.44)]

PARTITION_RCU, PARTITION_WCU, PARTITION_GB = 3000, 1000, 10
HOURS_PER_MONTH = 730

ROUTES = {
    "code": "GET /v1/code",
    "verify": "POST /v1/verify",
    "login": "POST /v1/auth/wechat",
    "pass": "GET /v1/pass",
}
# The production login is WeChat's, which the bench cannot call: it makes the measured
# dev login's requests plus these (docs/data-model.md, chalicelib/identity/wechat.py).
# The access token is no longer among them: each container keeps it in memory and reads
# the item once a minute at most (CACHED_ITEMS).
LOGIN_EXTRA_CALLS = ["GetItem identities"]
# Single items served from each container's memory, read again at most once per interval
# by every warm container (chalicelib/identity/wechat.py RECHECK, YIMA_RISK_CACHE_SECONDS
# on deployed stages): the item's load is the containers divided by the interval, an upper
# bound, since a container that serves no login never reads the token.
CACHED_ITEMS: dict[str, tuple[float, float]] = {
    # target: (seconds between reads per container, read units per read)
    "runtime": (60.0, 1.0),  # the WeChat token, read consistently
    "risk_feeds": (30.0, 0.5),  # the @active pointer, eventually consistent
}
SCAN_SHARDS = 16  # chalicelib/colours/store.py SCAN_SHARDS
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
        # A person item (masked name, encrypted fields) is under 4 KB like a colour:
        # priced as the largest colour, one read unit either way.
        "people": "colour",
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
        "**Every key at the peak against a third of one partition** (1,000 RCU or 333 WCU "
        "a second; the issue's bound):",
        "",
        "| key | load at the peak | a third of a partition | share of that third | how |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for k in m["keys"]:
        out.append(
            f"| {k['key']} | {_n(k['load'])} {k['unit']}/s | {_n(k['third'])} {k['unit']}/s "
            f"| {k['fraction_of_third']:.0%} | {k['how']} |"
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
        "| item | CNY / month |",
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
        "**The cost of a morning** (CNY; "
        f"{a['morning_peak_minutes']:.0f} minutes at the full peak rate, "
        f"{_n(sum(m['morning']['requests'].values()) / 1e9)} billion requests; and one million "
        "code displays alone):",
        "",
        "| service | one national morning peak | one million code displays |",
        "| --- | ---: | ---: |",
    ]
    for service in ("lambda", "api_gateway", "dynamodb", "sqs", "total"):
        label = {
            "lambda": "Lambda (duration and invocations)",
            "api_gateway": "API Gateway, REST (the month's average price per request)",
            "dynamodb": "DynamoDB on demand",
            "sqs": "SQS (risky scans' recolour messages)",
            "total": "**all**",
        }[service]
        out.append(
            f"| {label} | {_n(m['morning']['cny'][service])} "
            f"| {m['million_displays'][service]:,.2f} |"
        )
    out += [
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


POPULATIONS = (1e6, 3e6, 1e7, 3e7, 1e8, 3e8, 1.4e9)


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


def plot_svg(rows: list[dict[str, float]]) -> str:
    """Cost and partitions against citizens, log-log, as a self-contained SVG (no
    plotting library: a few lines and labels)."""
    width, height, left, right, top, bottom = 720, 420, 80, 80, 40, 60
    inner_w, inner_h = width - left - right, height - top - bottom

    def lx(v: float) -> float:
        lo, hi = math.log10(POPULATIONS[0]), math.log10(POPULATIONS[-1])
        return left + (math.log10(v) - lo) / (hi - lo) * inner_w

    def axis(values: list[float]) -> tuple[float, float]:
        return math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))

    def ly(v: float, span: tuple[float, float]) -> float:
        return top + inner_h - (math.log10(v) - span[0]) / (span[1] - span[0]) * inner_h

    series = [
        ("monthly_cny", "CNY a month (4 displays a day each)", "#c0392b", "left"),
        ("morning_cny", "CNY for one morning peak", "#e67e22", "left"),
        ("partitions", "DynamoDB partitions at the peak", "#2471a3", "right"),
    ]
    cost_span = axis([r[k] for r in rows for k in ("monthly_cny", "morning_cny")])
    part_span = axis([r["partitions"] for r in rows])
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15">'
        "Yima at the morning peak: cost and partitions against citizens (bench/capacity.py)"
        "</text>",
        f'<rect x="{left}" y="{top}" width="{inner_w}" height="{inner_h}" fill="none" '
        'stroke="#888"/>',
    ]
    for population in POPULATIONS:
        x = lx(population)
        label = f"{population / 1e9:g} B" if population >= 1e9 else f"{population / 1e6:g} M"
        out.append(
            f'<line x1="{x:.1f}" y1="{top + inner_h}" x2="{x:.1f}" y2="{top}" stroke="#eee"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{top + inner_h + 18}" text-anchor="middle">{label}</text>'
        )
    out.append(
        f'<text x="{left + inner_w / 2}" y="{height - 15}" text-anchor="middle">'
        "citizens (log scale; the peak in proportion: 1,000,000 displays/s at 1.4 B)</text>"
    )
    for exp in range(int(cost_span[0]), int(cost_span[1]) + 1):
        y = ly(10.0**exp, cost_span)
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">¥1e{exp}</text>')
    for exp in range(int(part_span[0]), int(part_span[1]) + 1):
        y = ly(10.0**exp, part_span)
        out.append(f'<text x="{left + inner_w + 6}" y="{y + 4:.1f}">1e{exp}</text>')
    for n, (key, label, colour, side) in enumerate(series):
        span = cost_span if side == "left" else part_span
        points = " ".join(f"{lx(r['population']):.1f},{ly(r[key], span):.1f}" for r in rows)
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for r in rows:
            out.append(
                f'<circle cx="{lx(r["population"]):.1f}" cy="{ly(r[key], span):.1f}" r="3" '
                f'fill="{colour}"/>'
            )
        y = top + 16 + n * 16
        out.append(
            f'<line x1="{left + 10}" y1="{y - 4}" x2="{left + 30}" y2="{y - 4}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        axis_name = "left axis" if side == "left" else "right axis"
        out.append(f'<text x="{left + 36}" y="{y}">{label} ({axis_name})</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


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
