"""What the capacity model (``bench/capacity.py``) assumes and how it prices a request.

``ASSUMPTIONS`` and ``PRICES``, each with its reason: the population and the peak from
the issue, the rest of the traffic mix, DynamoDB's latency, the Lambda size, and list
prices; the routes of a morning peak and the items read on every call; and
``price_call``, the read and write units of one measured DynamoDB request, which raises
``UnpricedCall`` for a request the model does not know how to price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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


POPULATIONS = (1e6, 3e6, 1e7, 3e7, 1e8, 3e8, 1.4e9)
