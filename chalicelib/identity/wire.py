"""Builds the identity capability: logins and sessions (AuthService), with the WeChat and
Alipay gateways made on their first call, and identity disputes (DisputeService)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from chalicelib.identity.disputes import DisputeService
from chalicelib.identity.service import AuthService
from chalicelib.kernel.wiring import Kernel

if TYPE_CHECKING:
    from chalicelib.kernel.audit import Audit
    from chalicelib.kernel.secrets import AppSecrets
    from chalicelib.people.ports import People


def wire(
    kernel: Kernel, *, throttle: Callable[[str], None], audit: Audit | None = None
) -> AuthService:
    from chalicelib.identity.store import DynamoIdentityStore
    from chalicelib.kernel.reference_data import parse_id_number
    from chalicelib.kernel.times import local_day

    settings, clock = kernel.settings, kernel.clock
    return AuthService(
        wechat=_wechat_factory(kernel.secrets, clock, settings.wechat_api_url),
        alipay=_alipay_factory(kernel.secrets, clock, settings.alipay_gateway_url),
        store=DynamoIdentityStore(),
        cipher=kernel.cipher,
        ring=kernel.secrets.session_ring,
        hash_key=kernel.hash_key,
        audience=settings.audience,
        session_ttl=timedelta(seconds=settings.session_ttl_seconds),
        dev_login_enabled=settings.is_local,
        clock=clock,
        throttle=throttle,
        ring_source=lambda: kernel.secret_cache.current().session_ring,
        publish=kernel.publish,
        audit=audit,
        # "Today" is the Asia/Shanghai day, as for every date rule (not the UTC date).
        parse_id_number=lambda raw: parse_id_number(raw, today=local_day(clock())),
    )


def wire_disputes(
    kernel: Kernel, *, auth: AuthService, people: People, audit: Audit
) -> DisputeService:
    from chalicelib.identity.disputes_store import DynamoDisputes

    return DisputeService(
        disputes=DynamoDisputes(clock=kernel.clock),
        people=people,
        users=auth.store,
        audit=audit,
        cipher=kernel.cipher,
        clock=kernel.clock,
        publish=kernel.publish,
    )


def _wechat_factory(
    secrets: AppSecrets, clock: Callable[[], datetime], api_base_url: str | None = None
) -> Callable[[], Any]:
    """The WeChat gateway, built (and wechatpy imported) on the first WeChat call;
    ``api_base_url`` is a local stand-in's (local and test stages only)."""
    creds = secrets.wechat
    if creds is None:
        return lambda: None

    @cache
    def build_gateway() -> Any:
        from chalicelib.identity.wechat import DynamoTokenStorage, WeChatGateway

        return WeChatGateway(
            creds.appid,
            creds.secret,
            storage=DynamoTokenStorage(clock),
            api_base_url=api_base_url,
        )

    return build_gateway


def _alipay_factory(
    secrets: AppSecrets, clock: Callable[[], datetime], gateway_url: str | None = None
) -> Callable[[], Any]:
    """The Alipay gateway, built on the first Alipay call; ``gateway_url`` is a local
    stand-in's (local and test stages only)."""
    creds = secrets.alipay
    if creds is None:
        return lambda: None

    @cache
    def build_gateway() -> Any:
        from chalicelib.identity.alipay import AlipayGateway

        return AlipayGateway(
            creds.appid,
            creds.app_private_key,
            creds.alipay_public_key,
            creds.aes_key,
            clock=clock,
            gateway_url=gateway_url,
        )

    return build_gateway
