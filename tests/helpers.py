"""Small helpers shared by the API tests."""

from __future__ import annotations

import json
from typing import Any

JSON = {"Content-Type": "application/json"}


def body(response: Any) -> Any:
    return json.loads(response.body)


def post(
    client: Any,
    path: str,
    payload: Any,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    all_headers = {**JSON, **(headers or {})}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    return client.http.post(path, headers=all_headers, body=data)


def get(client: Any, path: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.http.get(path, headers=headers)


def login(
    client: Any, subject: str = "alice", role: str = "citizen", phone: str | None = None
) -> str:
    payload: dict[str, Any] = {"subject": subject, "role": role}
    if phone:
        payload["phone"] = phone
    response = post(client, "/v1/auth/dev", payload)
    assert response.status_code == 200, response.body
    return str(body(response)["token"])


def assert_error(
    response: Any, status: int, code: str | None = None, field: str | None = None
) -> dict[str, Any]:
    """The SPEC's error shape, with the expected status, code and field."""
    assert response.status_code == status, response.body
    payload = body(response)
    assert set(payload) == {"error"}, payload
    error = payload["error"]
    assert set(error) <= {"code", "message", "field"}
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    if field is not None:
        assert error.get("field") == field, error
    return dict(error)


def make_id_number(first17: str) -> str:
    """A GB 11643 ID number with the right check digit for the 17 leading digits."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11
    return first17 + "10X98765432"[total]


def declaration(**overrides: Any) -> dict[str, Any]:
    """A clean declaration from Xi'an's Yanta district; override any answer."""
    body = {
        "name": "张小三",
        "id_number": make_id_number("61011319900101123"),
        "phone": "13812345678",
        "residence_region": "610113",
        "address": "雁塔路1号",
        "symptoms": [],
        "contact_with_confirmed": False,
        "abroad_14d": False,
    }
    body.update(overrides)
    return body


def request_mark(
    client: Any,
    official: str,
    *,
    status: str = "confirmed",
    id_number: str | None = None,
    category: str = "case_report",
    note: str = "报告病例",
    contact_date: str | None = None,
) -> dict[str, Any]:
    """An official's status request (by default: declaration()'s person, confirmed)."""
    request: dict[str, Any] = {
        "id_number": id_number or make_id_number("61011319900101123"),
        "status": status,
        "category": category,
        "note": note,
    }
    if contact_date is not None:
        request["contact_date"] = contact_date
    response = post(client, "/v1/admin/status", request, official)
    assert response.status_code == 201, response.body
    return dict(body(response))


def mark_and_approve(client: Any, **request: Any) -> Any:
    """Two different officials: one requests the mark, the other approves it (the
    approval's response, which carries the people recoloured)."""
    mark = request_mark(client, login(client, "official-a", role="official"), **request)
    approver = login(client, "official-b", role="official")
    return post(client, f"/v1/admin/status/{mark['id']}/approve", {}, approver)


def create_bucket(s3: Any, name: str) -> None:
    """A bucket in the tests' region; the ``aws`` fixture removes it after the test."""
    s3.create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "cn-northwest-1"}
    )
