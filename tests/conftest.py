"""Shared fixtures: fake AWS credentials first, then moto, then the app's container.

moto must be active before any client is built, and the credentials must be
fake before any botocore session looks for real ones (moto's getting-started
advice), so they are set here at import time of the test session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "cn-northwest-1",
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_PROFILE", None)

from chalicelib.kernel.settings import Settings  # noqa: E402

TEST_ENV = {
    "YIMA_STAGE": "test",
    "YIMA_REGION_CODE": "610100",
    "YIMA_TABLE_PREFIX": "yima-test-",
    "YIMA_SECRET_ID": "yima/test/app",
    "YIMA_KMS_KEY_ID": "alias/yima-test-data",
    "YIMA_FEED_BUCKET": "yima-test-feeds",
    "YIMA_FEED_KEY": "risk-areas/latest.json",
    "YIMA_QUEUE_NAME": "yima-test-recolour",
    "AWS_REGION": "cn-northwest-1",
}


class Clock:
    """A settable clock: tests move time instead of sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def settings() -> Settings:
    return Settings.from_mapping(TEST_ENV)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def _moto() -> Iterator[None]:
    """One moto world per test process: tables and secret are created once."""
    from moto import mock_aws

    from chalicelib import cli

    settings = Settings.from_mapping(TEST_ENV)
    with mock_aws():
        cli.create_tables(settings)
        cli.init_secrets(settings)
        _signing_key_no_test_key_shares(settings)
        cli.ensure_kms_key(settings)
        yield


def _signing_key_no_test_key_shares(settings: Settings) -> None:
    """The app's code key, with a kid that no test key has (tests/keys.py): a stranger's
    key in a test is then unknown in every run, not bad_signature 1 run in 65,536."""
    from chalicelib.cli_secrets import update_secret
    from tests.keys import code_key

    entry = code_key(datetime.now(UTC))
    update_secret(settings, lambda doc: {**doc, "code_keys": [entry], "code_active": entry["kid"]})


@pytest.fixture
def aws(_moto: None) -> Iterator[None]:
    """moto for every AWS service, as the session created it: after each test the tables
    are emptied, the secret restored, and the buckets and queues the test made removed
    (moto keeps them for the whole xdist worker otherwise, and the next test to create
    the feed bucket fails on BucketAlreadyOwnedByYou)."""
    import boto3

    region = TEST_ENV["AWS_REGION"]
    secrets = boto3.client("secretsmanager", region_name=region)
    s3 = boto3.client("s3", region_name=region)
    sqs = boto3.client("sqs", region_name=region)
    original = secrets.get_secret_value(SecretId=TEST_ENV["YIMA_SECRET_ID"])["SecretString"]
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    queues = set(sqs.list_queues().get("QueueUrls", []))
    yield
    _empty_tables()
    if secrets.get_secret_value(SecretId=TEST_ENV["YIMA_SECRET_ID"])["SecretString"] != original:
        secrets.put_secret_value(SecretId=TEST_ENV["YIMA_SECRET_ID"], SecretString=original)
    for name in {b["Name"] for b in s3.list_buckets()["Buckets"]} - buckets:
        boto3.resource("s3", region_name=region).Bucket(name).object_versions.delete()
        s3.delete_bucket(Bucket=name)
    for url in set(sqs.list_queues().get("QueueUrls", [])) - queues:
        sqs.delete_queue(QueueUrl=url)


def _empty_tables() -> None:
    from chalicelib.datamodel import all_models

    for model in all_models():
        keys = [model._hash_keyname, model._range_keyname]
        with model.batch_write() as batch:
            for item in model.scan(attributes_to_get=[k for k in keys if k]):
                batch.delete(item)


@pytest.fixture
def container(aws: None, settings: Settings, clock: Clock) -> Iterator[object]:
    from chalicelib import bootstrap

    built = bootstrap.build(settings, clock=clock)
    bootstrap.set_container(built)
    yield built
    bootstrap.set_container(None)


@pytest.fixture
def client(container: object) -> Iterator[object]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def caplog(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """pytest's caplog, also listening on the app's ``yima`` logger, which does not
    propagate to the root logger (chalicelib/kernel/logs.py says why). pytest attaches caplog to
    the loggers that are non-propagating when a test starts, so without this the first
    test of a worker, during which the logger is built, would see none of its records."""
    import logging

    from chalicelib.kernel.logs import SERVICE, get_logger

    get_logger()
    app_logger = logging.getLogger(SERVICE)
    app_logger.addHandler(caplog.handler)
    yield caplog
    app_logger.removeHandler(caplog.handler)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Counts the tests record as user properties (pytest-xdist carries them here), summed
    and printed after the results: what the API fuzz (tests/fuzz) sent and what came back,
    and how many cells of the authorization matrix were checked."""
    totals: dict[str, int] = {}
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []
    ):
        for name, value in getattr(report, "user_properties", ()):
            if name.startswith(("fuzz_", "authz_")):
                totals[name] = totals.get(name, 0) + int(value)
    if "fuzz_requests" in totals:
        terminalreporter.write_line(
            f"API fuzz: {totals['fuzz_requests']} requests, "
            f"{totals.get('fuzz_2xx', 0)} answered 2xx, {totals.get('fuzz_5xx', 0)} answered 5xx"
        )
    if "fuzz_http_requests" in totals:
        terminalreporter.write_line(
            f"API fuzz over HTTP: {totals['fuzz_http_requests']} requests, "
            f"{totals.get('fuzz_http_2xx', 0)} answered 2xx, "
            f"{totals.get('fuzz_http_5xx', 0)} answered 5xx, "
            f"{totals.get('fuzz_http_connection_errors', 0)} connection errors"
        )
    if "authz_cells" in totals:
        terminalreporter.write_line(f"Authorization matrix: {totals['authz_cells']} cells checked")
