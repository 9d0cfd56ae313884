"""Typed settings: one frozen object built from a mapping.

In Lambda the mapping is ``os.environ`` (filled from ``.chalice/config.json``
for the stage); in tests it is a literal dict. Nothing here reads the
environment by itself: the composition root passes the mapping in.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from chalicelib.kernel.errors import ConfigError
from chalicelib.kernel.limits import DEFAULT_LIMITS, GROUPS, SCOPES, LimitGroup, parse_rate

LOG_LEVELS = (
    "DEBUG",
    "INFO",
    "WARNING",
    "ERROR",
)  # the app's own logger; the SDKs' stay at WARNING
STAGES = ("local", "test", "dev", "prod")
_PREFIX_RE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_REGION_CODE_RE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Settings:
    """Everything the service needs to know about its surroundings."""

    stage: str
    aws_region: str
    region_code: str
    table_prefix: str
    secret_id: str
    kms_key_id: str
    feed_bucket: str
    feed_key: str
    queue_name: str
    aws_endpoint: str | None = None
    # Local and test stages only: where WeChat's API (instead of https://api.weixin.qq.com/)
    # and Alipay's gateway (instead of https://openapi.alipay.com/gateway.do) are, for the
    # stand-ins `make run` starts (scripts/standins/).
    wechat_api_url: str | None = None
    alipay_gateway_url: str | None = None
    session_ttl_seconds: int = 7200
    code_lifetime_minutes: int = 5
    # How stale the per-container copy of the @active risk pointer may be for readers that
    # only show risk: the card, the pass, region pages and a checkpoint scan's "is this
    # district a risk area" (the risk refresh rescans raised districts after it). Stored
    # colours read it fresh. 0 on the local stacks.
    risk_cache_seconds: int = 0
    max_body_bytes: int = 64 * 1024
    # How long a container keeps the application secret before reading it again: a
    # rotated code or session key is picked up (and a retired one stops signing) within it.
    secret_ttl_seconds: int = 60
    # Load shedding in each process (chalicelib/kernel/api.py Shedder): a token bucket that
    # stands in for API Gateway's stage throttle on the local stack (requests a second and
    # burst; 0 is off), and the most requests served at once (0 is off).
    throttle_rate: float = 0.0
    throttle_burst: int = 0
    max_in_flight: int = 0
    log_level: str = "INFO"
    # The national platform's root public keys (base64url, raw Ed25519), pinned: only a
    # trust list signed by one of them is loaded. Empty: no trust list can be loaded.
    national_root_keys: tuple[str, ...] = ()
    # Abuse limits per group of routes (chalicelib/kernel/limits.py has the defaults and
    # why); each scope is set by YIMA_LIMIT_<GROUP>_<SCOPE>, e.g. YIMA_LIMIT_LOGIN_IP=60/60.
    limits: Mapping[str, LimitGroup] = field(default_factory=lambda: dict(DEFAULT_LIMITS))

    @property
    def is_local(self) -> bool:
        """Local and test stages run against moto and may use the dev login."""
        return self.stage in ("local", "test")

    @property
    def audience(self) -> str:
        """The audience our session tokens are bound to: one per stage and region."""
        return f"yima:{self.stage}:{self.region_code}"

    def table_name(self, logical: str) -> str:
        return f"{self.table_prefix}{logical}"

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> Settings:
        """Build and validate settings; raise ConfigError naming the bad variable."""

        def need(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise ConfigError(f"{name} is not set")
            return value

        def number(name: str, default: int, low: int, high: int) -> int:
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            try:
                value = int(raw)
            except ValueError:
                raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
            if not low <= value <= high:
                raise ConfigError(f"{name} must be between {low} and {high}")
            return value

        stage = need("YIMA_STAGE")
        if stage not in STAGES:
            raise ConfigError(f"YIMA_STAGE must be one of {', '.join(STAGES)}")
        region_code = need("YIMA_REGION_CODE")
        if not _REGION_CODE_RE.match(region_code):
            raise ConfigError("YIMA_REGION_CODE must be a 6-digit division code")
        prefix = need("YIMA_TABLE_PREFIX")
        if not _PREFIX_RE.match(prefix):
            raise ConfigError("YIMA_TABLE_PREFIX may hold only letters, digits, '_', '.', '-'")
        endpoint = env.get("YIMA_AWS_ENDPOINT") or None
        if endpoint and stage not in ("local", "test"):
            # A deployed stage must talk to real AWS, never to a stand-in.
            raise ConfigError("YIMA_AWS_ENDPOINT is only allowed on the local and test stages")
        wechat_api_url = _stand_in_url(env, "YIMA_WECHAT_API_URL", stage)
        alipay_gateway_url = _stand_in_url(env, "YIMA_ALIPAY_GATEWAY_URL", stage)
        log_level = (env.get("YIMA_LOG_LEVEL") or "INFO").strip().upper()
        if log_level not in LOG_LEVELS:
            raise ConfigError(f"YIMA_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        aws_region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or ""
        if not aws_region:
            raise ConfigError("AWS_REGION is not set")
        return cls(
            stage=stage,
            aws_region=aws_region,
            region_code=region_code,
            table_prefix=prefix,
            secret_id=need("YIMA_SECRET_ID"),
            kms_key_id=need("YIMA_KMS_KEY_ID"),
            feed_bucket=need("YIMA_FEED_BUCKET"),
            feed_key=need("YIMA_FEED_KEY"),
            queue_name=need("YIMA_QUEUE_NAME"),
            aws_endpoint=endpoint,
            wechat_api_url=wechat_api_url,
            alipay_gateway_url=alipay_gateway_url,
            session_ttl_seconds=number("YIMA_SESSION_TTL_SECONDS", 7200, 60, 86400),
            code_lifetime_minutes=number("YIMA_CODE_LIFETIME_MINUTES", 5, 1, 23),
            risk_cache_seconds=number(
                # YIMA_SCAN_RISK_CACHE_SECONDS is its earlier name, from when only scans cached
                "YIMA_RISK_CACHE_SECONDS"
                if env.get("YIMA_RISK_CACHE_SECONDS")
                else "YIMA_SCAN_RISK_CACHE_SECONDS",
                0 if stage in ("local", "test") else 30,
                0,
                600,
            ),
            secret_ttl_seconds=number("YIMA_SECRET_TTL_SECONDS", 60, 1, 300),
            max_body_bytes=number("YIMA_MAX_BODY_BYTES", 64 * 1024, 1024, 6 * 1024 * 1024),
            throttle_rate=number("YIMA_THROTTLE_RATE", 0, 0, 100_000),
            throttle_burst=number("YIMA_THROTTLE_BURST", 0, 0, 100_000),
            max_in_flight=number("YIMA_MAX_IN_FLIGHT", 0, 0, 10_000),
            log_level=log_level,
            national_root_keys=_root_keys(env.get("YIMA_NATIONAL_ROOT_KEYS") or ""),
            limits=_limits(env),
        )


def _stand_in_url(env: Mapping[str, str], name: str, stage: str) -> str | None:
    """A channel's base URL pointed at a local stand-in: never on a deployed stage, where a
    login must reach the real WeChat or Alipay."""
    url = (env.get(name) or "").strip()
    if not url:
        return None
    if stage not in ("local", "test"):
        raise ConfigError(f"{name} is only allowed on the local and test stages")
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", url):
        raise ConfigError(f"{name} must be an http:// or https:// URL")
    return url


def _root_keys(raw: str) -> tuple[str, ...]:
    """``YIMA_NATIONAL_ROOT_KEYS``: comma-separated base64url raw Ed25519 public keys (two
    while the national platform rotates its root)."""
    keys = []
    for text in (part.strip() for part in raw.split(",")):
        if not text:
            continue
        try:
            decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            decoded = b""
        if len(decoded) != 32:
            raise ConfigError(
                "YIMA_NATIONAL_ROOT_KEYS must hold base64url Ed25519 public keys (32 bytes each)"
            )
        keys.append(text)
    return tuple(keys)


def _limits(env: Mapping[str, str]) -> dict[str, LimitGroup]:
    """The defaults, with any ``YIMA_LIMIT_<GROUP>_<SCOPE>`` (``10/60`` or ``off``) applied."""
    limits = dict(DEFAULT_LIMITS)
    known = {f"YIMA_LIMIT_{g.upper()}_{s.upper()}" for g in GROUPS for s in SCOPES}
    unknown = sorted(n for n in env if n.startswith("YIMA_LIMIT_") and n not in known)
    if unknown:  # a typo would silently leave the default in force
        raise ConfigError(f"{unknown[0]} is not a limit; known: {', '.join(sorted(known))}")
    for group in GROUPS:
        for scope in SCOPES:
            name = f"YIMA_LIMIT_{group.upper()}_{scope.upper()}"
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            try:
                rate = parse_rate(raw)
            except ValueError as exc:
                raise ConfigError(f"{name}: {exc}") from None
            current = limits[group]
            limits[group] = LimitGroup(
                subject=rate if scope == "subject" else current.subject,
                ip=rate if scope == "ip" else current.ip,
                alert=rate if scope == "alert" else current.alert,
                shared=current.shared,
                alert_name=current.alert_name,
            )
    return limits
