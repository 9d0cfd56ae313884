"""Checkpoint accounts posted at venues, as the API tests set them up: a registered venue,
a dev login that returns the account's id, and the official's assignment
(``POST /v1/admin/assignments``). A scan's venue comes from the assignment (issue 29), so
a test that scans "at a venue" posts its checkpoint there first: :func:`posted_gate`.
"""

from __future__ import annotations

from typing import Any

from tests.helpers import body, login, post

CAFE = {
    "name": "老孙家咖啡",
    "address": "雁塔路88号",
    "region_code": "610113",
    "lat": 34.22,
    "lng": 108.95,
    "kind": "restaurant",
}


def register_venue(client: Any, official: str, details: dict[str, Any]) -> dict[str, Any]:
    response = post(client, "/v1/admin/venues", details, official)
    assert response.status_code == 201, response.body
    return dict(body(response))


def dev_user(client: Any, subject: str, *, role: str) -> tuple[str, str]:
    """A dev login's session token and the account id it returned (``user.id``)."""
    response = post(client, "/v1/auth/dev", {"subject": subject, "role": role})
    assert response.status_code == 200, response.body
    answer = body(response)
    return str(answer["token"]), str(answer["user"]["id"])


def assign(client: Any, official: str, user_id: str, venue_id: str) -> dict[str, Any]:
    response = post(
        client, "/v1/admin/assignments", {"user_id": user_id, "venue_id": venue_id}, official
    )
    assert response.status_code == 201, response.body
    return dict(body(response))


def posted_gate(
    client: Any, subject: str, *, region_code: str = "610113", official: str | None = None
) -> tuple[str, str]:
    """A checkpoint account posted at a new venue of ``region_code``: (token, venue_id)."""
    official = official or login(client, f"poster-official-{subject}", role="official")
    venue = register_venue(
        client, official, {**CAFE, "name": f"{subject} 门岗", "region_code": region_code}
    )
    token, user_id = dev_user(client, subject, role="checkpoint")
    assign(client, official, user_id, str(venue["id"]))
    return token, str(venue["id"])
