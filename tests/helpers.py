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
