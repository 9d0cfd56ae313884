"""Risk-area feeds as the refresh tests write them: a snapshot document, the high-risk
area the tests use most, a declared citizen and their colour.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers import body, declaration, get, login, make_id_number, post

DATA = Path(__file__).resolve().parents[1] / "data"


def snapshot(feed_id, published, *areas):
    return {
        "feed_id": feed_id,
        "published_at": published,
        "areas": [
            {
                "region_code": code,
                "area": name,
                "level": level,
                "since": "2026-11-15T00:00:00+08:00",
            }
            for code, name, level in areas
        ],
    }


HIGH_YANTA = ("610113", "电子城街道", "high")


def _citizen(client, subject, phone, residence, seq):
    token = login(client, subject, phone=phone)
    answers = declaration(
        residence_region=residence, phone=phone, id_number=make_id_number(f"61011319900101{seq}")
    )
    assert post(client, "/v1/declarations", answers, token).status_code == 201
    return token


def _colour(client, token):
    return body(get(client, "/v1/code", token))["colour"]
