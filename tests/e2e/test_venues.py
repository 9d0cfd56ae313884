"""End to end over HTTP: a café's venue code, a confirmed case, a co-location contact.

Two citizens check in at a café; a third checks in three hours after the first.
The first is confirmed (two officials); the second turns yellow with a pop-up
(take a test within 24 hours); a negative test clears it; the third stays green.

The server (``scripts/devserver.py``, as ``make run`` starts it) runs on the real
clock, and a test cannot wait three hours: after the check-ins, the test moves
the first two citizens' check-in items three hours back in the store (moto's
DynamoDB, over its wire protocol), as if they had come then. Everything else
(posters, check-ins, the mark, the lab result, the recolouring) is the server's,
over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from chalicelib.kernel.times import local_day
from tests.e2e import stack as local_stack
from tests.helpers import declaration, make_id_number

pytestmark = pytest.mark.e2e
TIMEOUT = 30  # a shared 2-core machine: the first requests build the container
PREFIX = "yima-local-"  # the local stage's tables (.chalice/config.json)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    moto_port = local_stack.free_port()  # the test reaches the store behind the server
    running = local_stack.start(
        tmp_path_factory.mktemp("local-state"), "--moto-port", str(moto_port), "--no-demo"
    )
    yield running.base, moto_port
    running.stop()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(base: str, subject: str, **extra: Any) -> str:
    response = requests.post(
        f"{base}/v1/auth/dev", json={"subject": subject, **extra}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def _ok(response: requests.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def _move_back(moto_port: int, person_ids: set[str], hours: int) -> int:
    """Rewrite these people's check-ins ``hours`` earlier (key, index keys, time)."""
    import boto3

    table = boto3.resource(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{moto_port}",
        region_name="cn-northwest-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    ).Table(f"{PREFIX}checkins")
    moved = 0
    for item in table.scan()["Items"]:  # a handful of test items
        if item["person_id"] not in person_ids:
            continue
        at = datetime.fromisoformat(str(item["at"]).replace("Z", "+00:00"))
        earlier = (at - timedelta(hours=hours)).astimezone(UTC)
        text = earlier.isoformat()
        table.delete_item(Key={"person_id": item["person_id"], "checkin_key": item["checkin_key"]})
        table.put_item(
            Item={
                **item,
                "at": earlier.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+0000",
                "checkin_key": f"{text}#{item['checkin_id']}",
                "at_person": f"{text}#{item['person_id']}",
                "venue_hour": f"{item['venue_id']}#{earlier.strftime('%Y-%m-%dT%H')}",
                "region_day": f"{item['region_code']}#{local_day(earlier).isoformat()}",
            }
        )
        moved += 1
    return moved


def test_a_cafe_case_turns_a_co_visitor_yellow_and_a_later_visitor_stays_green(stack):
    base, moto_port = stack
    official_a = _login(base, "e2e-official-a", role="official")
    official_b = _login(base, "e2e-official-b", role="official")
    cafe = _ok(
        requests.post(
            f"{base}/v1/admin/venues",
            json={
                "name": "大雁塔咖啡",
                "address": "雁塔南路1号",
                "region_code": "610113",
                "lat": 34.218,
                "lng": 108.964,
                "kind": "restaurant",
            },
            headers=_auth(official_a),
            timeout=TIMEOUT,
        ),
        201,
    )
    poster = requests.get(
        f"{base}{cafe['posters']['pdf']}", headers={"Accept": "application/pdf"}, timeout=TIMEOUT
    )
    assert poster.status_code == 200 and poster.content.startswith(b"%PDF-")

    people: dict[str, dict[str, str]] = {}
    for name, first17, phone in (
        ("case", "61011319900101123", "13611110001"),
        ("friend", "61011319900101456", "13611110002"),
        ("later", "61011319900101789", "13611110003"),
    ):
        token = _login(base, f"e2e-{name}", phone=phone)
        id_number = make_id_number(first17)
        answers = declaration(id_number=id_number, phone=phone)
        _ok(
            requests.post(
                f"{base}/v1/declarations", json=answers, headers=_auth(token), timeout=TIMEOUT
            ),
            201,
        )
        answer = _ok(
            requests.post(
                f"{base}/v1/checkins",
                json={"venue_token": cafe["token"]},
                headers=_auth(token),
                timeout=TIMEOUT,
            ),
            201,
        )
        assert answer["colour"] == "green" and answer["holder"]["name_masked"] == "张*三"
        people[name] = {"token": token, "id_number": id_number, "person": answer["person"]}

    # The case and their friend came three hours before the later visitor.
    moved = _move_back(moto_port, {people["case"]["person"], people["friend"]["person"]}, 3)
    assert moved == 2

    mark = _ok(
        requests.post(
            f"{base}/v1/admin/status",
            json={
                "id_number": people["case"]["id_number"],
                "status": "confirmed",
                "category": "case_report",
                "note": "确诊病例",
            },
            headers=_auth(official_a),
            timeout=TIMEOUT,
        ),
        201,
    )
    _ok(
        requests.post(
            f"{base}/v1/admin/status/{mark['id']}/approve",
            headers=_auth(official_b),
            timeout=TIMEOUT,
        )
    )

    def code(name: str) -> dict[str, Any]:
        return _ok(
            requests.get(f"{base}/v1/code", headers=_auth(people[name]["token"]), timeout=TIMEOUT)
        )

    assert code("case")["colour"] == "red"
    friend = code("friend")
    assert friend["colour"] == "yellow"
    assert [r["code"] for r in friend["reasons"]] == ["venue_exposure"]
    assert friend["required_action"]["code"] == "take_test_within_24h"
    pass_view = _ok(
        requests.get(f"{base}/v1/pass", headers=_auth(people["friend"]["token"]), timeout=TIMEOUT)
    )
    assert pass_view["required_action"]["code"] == "take_test_within_24h"
    later = code("later")
    assert later["colour"] == "green" and later["required_action"] is None

    gate = _login(base, "e2e-gate", role="checkpoint")
    scanned = _ok(
        requests.post(
            f"{base}/v1/verify",
            json={"token": friend["token"]},
            headers=_auth(gate),
            timeout=TIMEOUT,
        )
    )
    assert scanned["colour"] == "yellow" and scanned["action_pending"] is True
    assert "reasons" not in scanned

    lab = _login(base, "e2e-lab", role="lab")
    sampled = datetime.now(UTC).replace(microsecond=0).isoformat()
    _ok(
        requests.post(
            f"{base}/v1/feeds/tests",
            json={
                "batch_id": "e2e-negative-1",
                "results": [
                    {
                        "id_number": people["friend"]["id_number"],
                        "sample_id": "E2E-FRIEND-1",
                        "sampled_at": sampled,
                        "result": "negative",
                        "lab": "金域医学",
                    }
                ],
            },
            headers=_auth(lab),
            timeout=TIMEOUT,
        )
    )
    cleared = code("friend")
    assert cleared["colour"] == "green" and cleared["required_action"] is None
    assert code("later")["colour"] == "green"
