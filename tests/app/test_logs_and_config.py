"""Logs: one JSON line per request an operator can read, no personal data, no SDK
chatter; a misconfigured stage answers 503."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import assert_error, get, login, post

PHONE = "13812345678"


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What an operator's console shows, in one buffer: the app's own JSON handler, and a
    plain handler at INFO on the root logger added after the app's logger was built, as
    ``chalice local`` (``logging.basicConfig``) or the Lambda runtime adds one."""
    from chalicelib.kernel.logs import SERVICE, get_logger

    get_logger()
    screen = io.StringIO()
    ours = [h for h in logging.getLogger(SERVICE).handlers if type(h) is logging.StreamHandler]
    assert len(ours) == 1, ours  # a handler added twice writes every line twice
    previous = ours[0].setStream(screen)
    plain = logging.StreamHandler(screen)
    plain.setFormatter(logging.Formatter("ROOT %(name)s %(message)s"))
    level = logging.root.level
    logging.root.addHandler(plain)
    logging.root.setLevel(logging.INFO)
    try:
        yield screen
    finally:
        logging.root.removeHandler(plain)
        logging.root.setLevel(level)
        ours[0].setStream(previous)


def _clear(screen: io.StringIO) -> None:
    screen.seek(0)
    screen.truncate()


def _lines(screen: io.StringIO) -> list[dict[str, Any]]:
    """Every line on the console, each of which must be a JSON object."""
    text = screen.getvalue()
    parsed = [json.loads(line) for line in text.splitlines()]  # a plain line fails here
    assert all(isinstance(line, dict) for line in parsed), text
    return parsed


def _request_lines(screen: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in _lines(screen) if line.get("message") == "request"]


def test_a_request_is_exactly_one_json_line_with_route_status_duration_and_role(client, console):
    token = login(client, "log-reader")
    _clear(console)

    response = get(client, "/v1/me", token)

    assert response.status_code == 200
    lines = _lines(console)
    assert len(lines) == 1, console.getvalue()
    line = lines[0]
    assert line["message"] == "request" and line["level"] == "INFO"
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert (line["method"], line["route"], line["status"]) == ("GET", "/v1/me", 200)
    assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
    assert line["role"] == "citizen"
    assert "error_code" not in line and "error_field" not in line
    # RFC 3339, UTC, milliseconds: the API's time format with a fraction
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["timestamp"]), line


def test_an_error_line_carries_the_error_code_and_field_and_role_none_before_login(client, console):
    response = post(client, "/v1/auth/dev", {"subject": "a", "role": "bogus"})

    assert_error(response, 400, code="invalid_input", field="role")
    (line,) = _request_lines(console)
    assert line["status"] == 400 and line["route"] == "/v1/auth/dev"
    assert (line["error_code"], line["error_field"]) == ("invalid_input", "role")
    assert line["role"] == "none"


def test_a_refused_role_is_logged_with_the_role_that_was_refused(client, console):
    token = login(client, "not-an-official")
    _clear(console)

    response = get(client, "/v1/admin/status", token)

    assert_error(response, 403, code="wrong_role")
    (line,) = _request_lines(console)
    assert (line["role"], line["error_code"]) == ("citizen", "wrong_role")
    assert "error_field" not in line  # the error names no field


def test_a_path_with_an_id_is_logged_as_its_template_and_no_query_string(client, console, caplog):
    caplog.set_level(logging.INFO, logger="yima")
    token = login(client, "unlinker")
    _clear(console)

    response = client.http.delete(
        f"/v1/people/p_{PHONE}?note={PHONE}", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code >= 400, response.body
    (line,) = _request_lines(console)
    assert line["route"] == "/v1/people/{person_id}" and line["method"] == "DELETE"
    assert PHONE not in console.getvalue()
    everything = " ".join(str(v) for r in caplog.records for v in vars(r).values())
    assert PHONE not in everything


def test_a_field_the_caller_named_like_a_phone_is_withheld(client, console):
    response = post(client, "/v1/auth/dev", {"subject": "a", PHONE: 1})

    error = assert_error(response, 400)
    assert error.get("field") == PHONE  # the caller is told; the log is not
    (line,) = _request_lines(console)
    assert line["error_field"] == "withheld"
    assert PHONE not in console.getvalue()


def test_the_risk_refresh_report_is_a_json_object_in_its_line(container, console, monkeypatch):
    monkeypatch.setattr(container.risk.source, "read", lambda: {"not": "a feed"})

    report = container.risk.refresh_scheduled()

    (line,) = [line for line in _lines(console) if line["message"] == "refresh_risk_areas"]
    assert isinstance(line["report"], dict), line
    assert line["report"]["state"] == "invalid" == report["state"]
    assert line["report"]["duration_ms"] == report["duration_ms"]


def test_botocore_does_not_announce_credentials_at_info(console, settings):
    import botocore.session

    from chalicelib.kernel.logs import QUIET_LOGGERS
    from chalicelib.kernel.wiring import AwsClients

    for name in QUIET_LOGGERS:  # as loud as a fresh process: the probe must see the line
        logging.getLogger(name).setLevel(logging.NOTSET)
    botocore.session.get_session().get_credentials()
    assert "Found credentials" in console.getvalue()
    _clear(console)

    AwsClients(settings).client("s3")  # how the app builds its clients
    botocore.session.get_session().get_credentials()  # pynamodb's own session, per thread

    assert "Found credentials" not in console.getvalue()
    assert console.getvalue() == ""


def test_one_structured_line_per_request_with_request_id_and_no_body(client, caplog):
    caplog.set_level(logging.INFO, logger="yima")

    post(client, "/v1/auth/dev", {"subject": "secret-subject", "phone": "13812345678"})

    lines = [r for r in caplog.records if r.getMessage() == "request"]
    assert len(lines) == 1
    line = lines[0]
    assert line.request_id and line.route == "/v1/auth/dev" and line.status == 200
    everything = " ".join(str(v) for r in caplog.records for v in vars(r).values())
    assert "13812345678" not in everything
    assert "secret-subject" not in everything


def test_missing_configuration_is_a_503_not_a_500(monkeypatch):
    from chalice.test import Client

    from app import app
    from chalicelib import bootstrap

    bootstrap.set_container(None)
    for name in ("YIMA_STAGE", "YIMA_TABLE_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    with Client(app, stage_name="nonexistent") as client:
        response = post(client, "/v1/auth/dev", {"subject": "a"})

    assert_error(response, 503, code="service_unavailable")
    bootstrap.set_container(None)


def test_a_placeholder_secret_is_refused_with_a_503(aws, settings, monkeypatch):
    from chalice.test import Client

    from app import app
    from chalicelib import bootstrap
    from chalicelib.kernel.wiring import AwsClients

    client = AwsClients(settings).client("secretsmanager")
    original = client.get_secret_value(SecretId=settings.secret_id)["SecretString"]
    client.put_secret_value(SecretId=settings.secret_id, SecretString='{"placeholder": true}')
    bootstrap.set_container(None)
    monkeypatch.setattr(bootstrap, "get_container", lambda env=None: bootstrap.build(settings))
    try:
        from app import api

        monkeypatch.setattr(api, "_container", bootstrap.get_container)
        with Client(app) as test_client:
            response = post(test_client, "/v1/auth/dev", {"subject": "a"})
        assert_error(response, 503, code="service_unavailable")
    finally:
        client.put_secret_value(SecretId=settings.secret_id, SecretString=original)
        bootstrap.set_container(None)


def test_a_failure_past_the_views_guard_is_still_one_request_line_in_the_error_shape(
    client, console, monkeypatch
):
    from chalicelib.kernel import api

    def broken(response):
        raise RuntimeError("a bug in the middleware's own path")

    monkeypatch.setattr(api, "normalise_chalice_error", broken)

    response = get(client, "/v1/regions/610100")

    assert_error(response, 500, code="internal_error")
    (line,) = _request_lines(console)
    assert (line["status"], line["error_code"]) == (500, "internal_error")
    (failure,) = [line for line in _lines(console) if line["level"] == "ERROR"]
    assert failure["message"] == "unhandled error" and "exception" in failure
    assert failure["request_id"] == line["request_id"] == response.headers["X-Request-Id"]


def test_the_expiry_job_logs_its_report_under_its_own_name(container, console):
    report = container.risk.expire_due(container.colours.colours)

    (line,) = [line for line in _lines(console) if "report" in line]
    assert line["message"] == "expire_due" and line["report"]["state"] == report["state"]


def test_the_stages_log_level_is_applied_to_the_apps_logger(aws, settings, clock):
    import dataclasses

    from chalicelib import bootstrap
    from chalicelib.kernel.logs import SERVICE

    try:
        bootstrap.build(dataclasses.replace(settings, log_level="WARNING"), clock=clock)
        assert logging.getLogger(SERVICE).level == logging.WARNING
        bootstrap.build(settings, clock=clock)
        assert logging.getLogger(SERVICE).level == logging.INFO
    finally:
        logging.getLogger(SERVICE).setLevel(logging.INFO)
