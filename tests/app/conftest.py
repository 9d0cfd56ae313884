"""Fixtures shared by the channel tests (tests/app/test_channels*.py): WeChat
configured with its HTTP intercepted by ``responses`` (``wechat``, the mock), and
Alipay configured with a stand-in transport (``alipay``, the stand-in) and key pairs
made once per module (``alipay_keys``). See tests/app/channel_standins.py.
"""

from __future__ import annotations

import os

import pytest
import responses

from chalicelib.identity.alipay import AlipayGateway
from chalicelib.identity.wechat import DynamoTokenStorage, WeChatGateway
from tests.app.channel_standins import APPID, TOKEN_URL, AlipayStandIn, _keypair


@pytest.fixture
def wechat(container, clock):
    gateway = WeChatGateway(APPID, "wechat-app-secret", storage=DynamoTokenStorage(clock))
    container.auth.wechat = lambda: gateway
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(TOKEN_URL, json={"access_token": "ACCESS-1", "expires_in": 7200})
        yield mock


@pytest.fixture(scope="module")
def alipay_keys():
    return {"app": _keypair(), "alipay": _keypair(), "aes": os.urandom(16)}


@pytest.fixture
def alipay(container, clock, alipay_keys):
    app_key, app_private, _ = alipay_keys["app"]
    alipay_key, _, alipay_public = alipay_keys["alipay"]
    stand_in = AlipayStandIn(alipay_key, app_key.public_key())
    gateway = AlipayGateway(
        "2021000000000001",
        app_private,
        alipay_public,
        alipay_keys["aes"],
        clock=clock,
        transport=stand_in,
    )
    container.auth.alipay = lambda: gateway
    stand_in.gateway = gateway
    return stand_in
