"""What ``make run``'s console shows an operator: one JSON line per request, no more.

A newcomer saw each request logged twice, botocore's "Found credentials in
environment variables." on every request, the risk refresh report as JSON inside
a string, and error lines with no code, field or role. This reads the console
of ``scripts/devserver.py`` started as ``make run`` starts it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e import stack
from tests.helpers import make_id_number

pytestmark = pytest.mark.e2e

PHONE = "13812345678"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.Stack]:
    running = stack.start(tmp_path_factory.mktemp("local-state"), "--no-demo")
    yield running
    running.stop()


def _lines_with(server: stack.Stack, text: str, *, wait: float = 10.0) -> list[str]:
    """The console lines holding ``text``, once at least one has been read."""
    deadline = time.monotonic() + wait
    while True:
        found = [line for line in list(server.output) if text in line]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _json_lines(server: stack.Stack) -> list[dict[str, Any]]:
    """Every line that is not one of the start-up lines (``yima: ...``) is a JSON object."""
    parsed = []
    for line in list(server.output):
        if line.startswith("yima: "):
            continue
        value = json.loads(line)  # a plain access line or SDK chatter fails here
        assert isinstance(value, dict), line
        parsed.append(value)
    return parsed


def _login(base: str, **payload: Any) -> str:
    response = requests.post(f"{base}/v1/auth/dev", json=payload, timeout=30)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def test_the_refresh_report_at_start_up_is_a_json_object(server):
    (line,) = [v for v in _json_lines(server) if v.get("message") == "refresh_risk_areas"]
    assert isinstance(line["report"], dict) and line["report"]["state"] == "missing"


def test_each_request_is_one_line_with_its_template_and_no_personal_data(server):
    token = _login(server.base, subject="console-reader", phone=PHONE)

    response = requests.delete(
        f"{server.base}/v1/people/p_{PHONE}?phone={PHONE}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )

    assert response.status_code >= 400, response.text
    (line,) = _lines_with(server, response.headers["X-Request-Id"])
    logged = json.loads(line)
    assert logged["message"] == "request" and logged["route"] == "/v1/people/{person_id}"
    assert logged["role"] == "citizen" and logged["status"] == response.status_code
    assert logged["error_code"] == response.json()["error"]["code"]
    console = "".join(server.output)
    assert PHONE not in console and token not in console
    assert "Found credentials" not in console
    _json_lines(server)


def test_an_alipay_login_certified_with_an_id_number_logs_neither_it_nor_sdk_chatter(server):
    number = make_id_number("61011319870303123")

    response = requests.post(
        f"{server.base}/v1/auth/alipay", json={"auth_code": f"ali-id-{number}"}, timeout=30
    )

    assert response.status_code == 200, response.text
    (line,) = _lines_with(server, response.headers["X-Request-Id"])
    assert json.loads(line)["route"] == "/v1/auth/alipay"
    console = "".join(server.output)
    assert number not in console and response.json()["token"] not in console
    _json_lines(server)
