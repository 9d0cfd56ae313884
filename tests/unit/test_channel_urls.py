"""The channel base URLs (stand-ins for WeChat and Alipay) exist only on local stages."""

from __future__ import annotations

import pytest

from chalicelib.kernel.errors import ConfigError
from chalicelib.kernel.settings import Settings
from tests.conftest import TEST_ENV

URLS = {
    "YIMA_WECHAT_API_URL": "http://127.0.0.1:8100/wechat/",
    "YIMA_ALIPAY_GATEWAY_URL": "http://127.0.0.1:8100/alipay/gateway.do",
}


def test_unset_the_real_services_are_used():
    settings = Settings.from_mapping(TEST_ENV)

    assert settings.wechat_api_url is None and settings.alipay_gateway_url is None


@pytest.mark.parametrize("stage", ["local", "test"])
def test_a_local_stage_may_point_at_stand_ins(stage):
    settings = Settings.from_mapping(TEST_ENV | URLS | {"YIMA_STAGE": stage})

    assert settings.wechat_api_url == URLS["YIMA_WECHAT_API_URL"]
    assert settings.alipay_gateway_url == URLS["YIMA_ALIPAY_GATEWAY_URL"]


@pytest.mark.parametrize("stage", ["dev", "prod"])
@pytest.mark.parametrize("name", sorted(URLS))
def test_a_deployed_stage_refuses_them(stage, name):
    with pytest.raises(ConfigError, match=name):
        Settings.from_mapping(TEST_ENV | {"YIMA_STAGE": stage, name: URLS[name]})


@pytest.mark.parametrize("url", ["127.0.0.1:8100", "ftp://host/x", "http://", "http://a b/"])
def test_a_url_must_be_http(url):
    with pytest.raises(ConfigError, match="YIMA_WECHAT_API_URL"):
        Settings.from_mapping(TEST_ENV | {"YIMA_WECHAT_API_URL": url})
