"""Logs carry a request id and no personal data; a misconfigured stage answers 503."""

from __future__ import annotations

import logging

from tests.helpers import assert_error, post


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
    from chalicelib.bootstrap import AwsClients

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
