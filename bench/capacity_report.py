"""The capacity model's output (``bench/capacity.py``): the Markdown tables of
``docs/capacity.md`` (``render``) and the cost and partitions plot against the number of
citizens (``plot_svg``, a self-contained SVG).
"""

from __future__ import annotations

import math
from typing import Any

from capacity_prices import POPULATIONS, SINGLE_ITEM_KEYS


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
