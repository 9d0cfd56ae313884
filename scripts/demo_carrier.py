"""A demo carrier feed: a few hundred phones moving between real cities for 14 days.

    python scripts/demo_carrier.py [--phones 300] [--seed 7] > feed.json
    python -m chalicelib.cli load-carrier-feed feed.json

Deterministic for a seed and a day. The demo citizens' phones get fixed
stories: 138 0013 8000 stayed in Xi'an (a medium-risk district in the demo
risk feed) and Beijing; 139 0013 9000 went to Hong Kong; 137 0013 7000 only
passed through Chengdu for two hours.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

CST = timezone(timedelta(hours=8))
# Real prefecture-level city codes (GB/T 2260); the loader checks them against the dataset.
CITIES = [
    "110100",
    "310100",
    "440100",
    "440300",
    "330100",
    "320100",
    "510100",
    "420100",
    "500100",
    "610100",
    "120100",
    "370200",
    "350200",
    "530100",
    "210100",
]
COUNTRIES = ["HK", "MO", "JP", "SG", "KR", "TH"]


def _iso(moment: datetime) -> str:
    return moment.astimezone(CST).isoformat(timespec="minutes")


def story(phone: str, now: datetime, rng: random.Random) -> list[dict[str, Any]]:
    """Consecutive stays over the last 13 days, ending before now."""
    stays = []
    moment = now - timedelta(days=13, hours=rng.randint(0, 12))
    place = rng.choice(CITIES)
    while moment < now - timedelta(hours=3):
        hours = rng.choice([1, 2, 3, 5, 8, 12, 24, 36, 48, 72])
        left = min(moment + timedelta(hours=hours), now - timedelta(hours=1))
        abroad = rng.random() < 0.03
        stays.append(
            {
                "phone": phone,
                "kind": "country" if abroad else "city",
                "place": rng.choice(COUNTRIES) if abroad else place,
                "entered_at": _iso(moment),
                "left_at": _iso(left),
            }
        )
        moment = left + timedelta(hours=rng.choice([1, 2, 4]))
        if rng.random() < 0.4:
            place = rng.choice(CITIES)
    return stays


def demo_citizens(now: datetime) -> list[dict[str, Any]]:
    def at(days: float) -> str:
        return _iso(now - timedelta(days=days))

    return [
        {
            "phone": "13800138000",
            "kind": "city",
            "place": "610100",
            "entered_at": at(6),
            "left_at": at(5.5),
        },
        {
            "phone": "13800138000",
            "kind": "city",
            "place": "110100",
            "entered_at": at(3),
            "left_at": at(1),
        },
        {
            "phone": "13900139000",
            "kind": "country",
            "place": "HK",
            "entered_at": at(9),
            "left_at": at(8),
        },
        {
            "phone": "13900139000",
            "kind": "city",
            "place": "440300",
            "entered_at": at(8),
            "left_at": at(2),
        },
        {
            "phone": "13700137000",
            "kind": "city",
            "place": "510100",
            "entered_at": at(4),
            "left_at": at(3.92),
        },
    ]


def generate(*, phones: int, seed: int, now: datetime) -> dict[str, Any]:
    rng = random.Random(f"{seed}-{now.date()}")
    stays = demo_citizens(now)
    for n in range(phones):
        stays.extend(story(f"135{n:08d}", now, rng))
    return {"batch_id": f"demo-{now.strftime('%Y%m%d')}-{seed}", "stays": stays}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    json.dump(
        generate(phones=args.phones, seed=args.seed, now=datetime.now(UTC)),
        sys.stdout,
        ensure_ascii=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
