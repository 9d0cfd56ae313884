"""Local stand-ins for WeChat's and Alipay's servers, for ``make run``.

:func:`provision` makes fresh credentials each time the local stack starts (a
WeChat AppID and AppSecret, the app's RSA2 key pair, "Alipay's" RSA2 key pair
and the AES content key), writes the app's side into the stage's secret on the
local Secrets Manager (exactly what ``cli set-wechat`` / ``cli set-alipay``
write on a real stage) and keeps the other side in the stand-ins, in memory.
Nothing is stored in the repository or on disk.

:func:`server` serves both stand-ins on one loopback port (``/wechat/...`` and
``/alipay/...``); the stage is pointed at them with ``YIMA_WECHAT_API_URL`` and
``YIMA_ALIPAY_GATEWAY_URL`` (:func:`urls`), which the app honours only on the
local and test stages.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from scripts.localhttp import LocalHTTPServer
from scripts.standins import alipay, wechat


@dataclass(frozen=True)
class StandIns:
    wechat: wechat.WeChatStandIn
    alipay: alipay.AlipayStandIn
    app_credentials: dict[str, Any]  # what the app's secret holds: {"wechat": ..., "alipay": ...}


def _pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def create() -> StandIns:
    """Fresh credentials and the two stand-ins that know the other side of them."""
    wechat_appid = "wx" + secrets.token_hex(8)
    wechat_secret = secrets.token_hex(16)
    alipay_appid = "2021" + str(secrets.randbelow(10**12)).zfill(12)
    app_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    alipay_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    aes_key = secrets.token_bytes(16)
    alipay_stand_in = alipay.AlipayStandIn(alipay_appid, app_key.public_key(), alipay_key, aes_key)
    return StandIns(
        wechat=wechat.WeChatStandIn(wechat_appid, wechat_secret),
        alipay=alipay_stand_in,
        app_credentials={
            "wechat": {"appid": wechat_appid, "secret": wechat_secret},
            "alipay": {
                "appid": alipay_appid,
                "app_private_key": _pem_private(app_key),
                "alipay_public_key": alipay_stand_in.alipay_public_key_pem,
                "aes_key": base64.b64encode(aes_key).decode(),
            },
        },
    )


def provision(settings: Any) -> StandIns:
    """:func:`create`, and the app's side written into the stage's secret."""
    from chalicelib import cli_secrets

    stand_ins = create()
    if not settings.is_local:
        raise SystemExit("the channel stand-ins only run on the local and test stages")
    cli_secrets.update_secret(settings, lambda doc: {**doc, **stand_ins.app_credentials})
    return stand_ins


def server(stand_ins: StandIns, port: int = 0) -> LocalHTTPServer:
    return LocalHTTPServer(("127.0.0.1", port), [stand_ins.wechat, stand_ins.alipay])


def urls(base: str) -> dict[str, str]:
    """The settings that point the stage at stand-ins served on ``base``."""
    return {
        "YIMA_WECHAT_API_URL": base + wechat.PREFIX,
        "YIMA_ALIPAY_GATEWAY_URL": base + alipay.GATEWAY,
    }


def urls_for_people(base: str) -> dict[str, str]:
    """Where a person reaches the stand-ins (``.local/stack.json``, ``make urls``): their
    base URL, WeChat's API root and Alipay's gateway."""
    return {"url": base, "wechat": base + wechat.PREFIX, "alipay": base + alipay.GATEWAY}


def describe(stand_ins: StandIns, base: str) -> str:
    return json.dumps(
        {
            "wechat": {"url": base + wechat.PREFIX, "appid": stand_ins.wechat.appid},
            "alipay": {"url": base + alipay.GATEWAY, "appid": stand_ins.alipay.appid},
        }
    )
