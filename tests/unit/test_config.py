"""Settings: typed, validated, and strict about what a deployed stage may use."""

from __future__ import annotations

import pytest

from chalicelib.kernel.errors import ConfigError
from chalicelib.kernel.settings import Settings
from tests.conftest import TEST_ENV


def test_builds_from_a_mapping():
    settings = Settings.from_mapping(TEST_ENV)

    assert settings.table_name("people") == "yima-test-people"
    assert settings.audience == "yima:test:610100"
    assert settings.max_body_bytes == 65536
    assert settings.is_local


@pytest.mark.parametrize("name", ["YIMA_STAGE", "YIMA_TABLE_PREFIX", "YIMA_SECRET_ID"])
def test_missing_variable_is_named(name):
    env = {k: v for k, v in TEST_ENV.items() if k != name}

    with pytest.raises(ConfigError, match=name):
        Settings.from_mapping(env)


def test_a_deployed_stage_may_not_point_at_a_local_endpoint():
    env = TEST_ENV | {"YIMA_STAGE": "prod", "YIMA_AWS_ENDPOINT": "http://127.0.0.1:5000"}

    with pytest.raises(ConfigError, match="YIMA_AWS_ENDPOINT"):
        Settings.from_mapping(env)


def test_deployed_stages_are_not_local():
    assert not Settings.from_mapping(TEST_ENV | {"YIMA_STAGE": "prod"}).is_local


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("YIMA_STAGE", "staging"),
        ("YIMA_REGION_CODE", "61010"),
        ("YIMA_TABLE_PREFIX", "bad prefix"),
        ("YIMA_SESSION_TTL_SECONDS", "forever"),
        ("YIMA_SESSION_TTL_SECONDS", "5"),
        ("YIMA_LOG_LEVEL", "LOUD"),
    ],
)
def test_bad_values_are_refused(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_mapping(TEST_ENV | {name: value})


def test_the_national_root_keys_are_pinned_from_the_environment():
    key = "A" * 43  # base64url of 32 zero bytes, as far as the format goes

    settings = Settings.from_mapping(TEST_ENV | {"YIMA_NATIONAL_ROOT_KEYS": f"{key}, {key}"})

    assert settings.national_root_keys == (key, key)
    assert Settings.from_mapping(TEST_ENV).national_root_keys == ()


@pytest.mark.parametrize("value", ["not-a-key", "AAAA", "A" * 43 + ",x"])
def test_a_root_key_that_is_no_ed25519_key_is_refused(value):
    with pytest.raises(ConfigError, match="YIMA_NATIONAL_ROOT_KEYS"):
        Settings.from_mapping(TEST_ENV | {"YIMA_NATIONAL_ROOT_KEYS": value})


def test_the_log_level_is_read_in_any_case_and_defaults_to_info():
    assert Settings.from_mapping(TEST_ENV).log_level == "INFO"
    assert Settings.from_mapping(TEST_ENV | {"YIMA_LOG_LEVEL": " debug "}).log_level == "DEBUG"
