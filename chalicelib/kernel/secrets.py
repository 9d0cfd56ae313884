"""The application's keys, from one AWS Secrets Manager secret (moto locally).

The secret is JSON::

    {"session_keys": {"s1": "<base64, 32+ bytes>"}, "session_active": "s1",
     "hash_key": "<base64, 32+ bytes>", "federation_key": "<base64, 32+ bytes>"}

``hash_key`` is ours alone (the keyed hashes of ID numbers and phones in our
tables). ``federation_key`` is shared with the partner regions, out of band:
partners name people in their attestations by HMAC-SHA256 under it of the ID
number (docs/federation.md). It is optional: without it, attestations are
refused and people carry no federation hash.

(Field encryption keys are not here: they are KMS data keys, see
``chalicelib/kernel/crypto.py``.)

Optionally, the mini-program channels' credentials::

     "wechat": {"appid": "wx…", "secret": "…"},
     "alipay": {"appid": "2021…", "app_private_key": "<PEM or base64>",
                "alipay_public_key": "<PEM or base64>", "aes_key": "<base64, 16 bytes>"}

``python -m chalicelib.cli init-secrets`` writes it with fresh random keys,
``rotate-session-key`` adds a key, and ``set-wechat`` / ``set-alipay`` add the
channel credentials; nothing of it ever sits in the repo.
A secret that lacks these fields (the placeholder CloudFormation creates) is
refused with ConfigError, so a stage never runs on made-up keys.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.kernel.errors import ConfigError
from chalicelib.kernel.session import KeyRing


@dataclass(frozen=True)
class WeChatCredentials:
    appid: str
    secret: str


@dataclass(frozen=True)
class AlipayCredentials:
    appid: str
    app_private_key: str
    alipay_public_key: str
    aes_key: bytes


@dataclass(frozen=True)
class AppSecrets:
    session_ring: KeyRing
    hash_key: bytes
    document: dict[str, Any]  # the whole secret, for the code-signing keys
    wechat: WeChatCredentials | None = None
    alipay: AlipayCredentials | None = None
    federation_key: bytes | None = None


# A placeholder word standing on its own ("REPLACE_ME", "<todo>", "xxxx"), never inside a
# run of base64 or hex: a random key that happens to hold "xxx" or "todo" is a key.
_PLACEHOLDER = re.compile(
    r"(?:^|[^a-z0-9+/=])(?:placeholder|changeme|change-me|replace|todo|x{3,})(?:[^a-z0-9+/=]|$)"
)


def _text(section: dict[str, Any], name: str, where: str) -> str:
    value = section.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"secret field {where}.{name} is missing")
    if _PLACEHOLDER.search(value.strip().lower()) and len(value) < 64:
        raise ConfigError(f"secret field {where}.{name} is a placeholder, not a credential")
    return value.strip()


def _channels(doc: dict[str, Any]) -> tuple[WeChatCredentials | None, AlipayCredentials | None]:
    wechat = alipay = None
    if isinstance(doc.get("wechat"), dict):
        section = doc["wechat"]
        wechat = WeChatCredentials(
            _text(section, "appid", "wechat"), _text(section, "secret", "wechat")
        )
    if isinstance(doc.get("alipay"), dict):
        section = doc["alipay"]
        try:
            aes_key = base64.b64decode(_text(section, "aes_key", "alipay"), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError("secret field alipay.aes_key is not base64") from None
        if len(aes_key) not in (16, 24, 32):
            raise ConfigError("secret field alipay.aes_key must be a 128/192/256-bit key")
        alipay = AlipayCredentials(
            appid=_text(section, "appid", "alipay"),
            app_private_key=_text(section, "app_private_key", "alipay"),
            alipay_public_key=_text(section, "alipay_public_key", "alipay"),
            aes_key=aes_key,
        )
    return wechat, alipay


def _decode_ring(doc: dict[str, Any], keys_field: str, active_field: str) -> KeyRing:
    raw = doc.get(keys_field)
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"secret field {keys_field} is missing: run `cli init-secrets`")
    try:
        keys = {str(kid): base64.b64decode(value, validate=True) for kid, value in raw.items()}
        return KeyRing(keys=keys, active=str(doc.get(active_field)))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ConfigError(f"secret field {keys_field} is malformed: {exc}") from None


def parse_secret(text: str) -> AppSecrets:
    try:
        doc = json.loads(text)
    except ValueError:
        raise ConfigError("the application secret is not JSON") from None
    if not isinstance(doc, dict):
        raise ConfigError("the application secret is not a JSON object")
    try:
        hash_key = base64.b64decode(doc.get("hash_key") or "", validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError("secret field hash_key is malformed") from None
    if len(hash_key) < 32:
        raise ConfigError("secret field hash_key is missing or shorter than 32 bytes")
    wechat, alipay = _channels(doc)
    return AppSecrets(
        session_ring=_decode_ring(doc, "session_keys", "session_active"),
        hash_key=hash_key,
        document=doc,
        wechat=wechat,
        alipay=alipay,
        federation_key=_federation_key(doc),
    )


def _federation_key(doc: dict[str, Any]) -> bytes | None:
    raw = doc.get("federation_key")
    if raw is None:
        return None
    try:
        key = base64.b64decode(raw if isinstance(raw, str) else "", validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError("secret field federation_key is not base64") from None
    if len(key) < 32:
        raise ConfigError("secret field federation_key is shorter than 32 bytes")
    return key


def set_federation_key(doc: dict[str, Any], key_text: str) -> dict[str, Any]:
    """Install the federation key agreed with the partners (base64 of 32+ bytes)."""
    updated = {**doc, "federation_key": key_text.strip()}
    _federation_key(updated)
    return updated


def new_secret_document(now: datetime) -> dict[str, Any]:
    """Fresh random keys for a new stage."""
    from chalicelib.kernel.signing import new_code_key

    def key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    code_key = new_code_key(now)
    return {
        "session_keys": {"s1": key()},
        "session_active": "s1",
        "hash_key": key(),
        "federation_key": key(),  # replace with the partners' shared key: set-federation-key
        "code_keys": [code_key],
        "code_active": code_key["kid"],
    }


def rotate_session_key(doc: dict[str, Any]) -> dict[str, Any]:
    """Add a new session key and make it active; old keys keep verifying."""
    keys = dict(doc.get("session_keys") or {})
    kid = f"s{len(keys) + 1}"
    while kid in keys:
        kid += "x"
    keys[kid] = base64.b64encode(secrets.token_bytes(32)).decode()
    return {**doc, "session_keys": keys, "session_active": kid}


def load_app_secrets(client: Any, secret_id: str) -> AppSecrets:
    """Read and parse the secret; ``client`` is a boto3 secretsmanager client."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        value = client.get_secret_value(SecretId=secret_id)
    except (ClientError, BotoCoreError) as exc:
        raise ConfigError(f"cannot read secret {secret_id}: {exc}") from None
    return parse_secret(value.get("SecretString") or "")


class SecretsCache:
    """The application secret, read again once it is ``ttl`` old (on the next use).

    A warm container used to keep the secret it started with for its whole life (an
    hour or more), so a rotated code key kept signing there. Now a rotation (``cli
    rotate-code-key``, ``rotate-session-key``) reaches every container within ``ttl``
    (``YIMA_SECRET_TTL_SECONDS``, 60 s by default, at most 300). If the read fails the
    container keeps what it has and tries again on the next use: an outage of Secrets
    Manager must not stop codes from showing. The keyed-hash pepper never changes
    with a reload (it names every stored person): a secret with another one is refused.
    """

    def __init__(
        self,
        load: Callable[[], AppSecrets],
        *,
        ttl: timedelta,
        clock: Callable[[], datetime],
        first: AppSecrets | None = None,
    ) -> None:
        self._load = load
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._value = first if first is not None else load()
        self._loaded_at = clock()
        self._derived: dict[str, tuple[AppSecrets, Any]] = {}

    def current(self) -> AppSecrets:
        now = self._clock()
        if now - self._loaded_at >= self._ttl or now < self._loaded_at:
            with self._lock:
                if now - self._loaded_at >= self._ttl or now < self._loaded_at:
                    self._refresh(now)
        return self._value

    def _refresh(self, now: datetime) -> None:
        from chalicelib.kernel.logs import get_logger

        try:
            fresh = self._load()
        except ConfigError as exc:
            get_logger().warning(
                "secret reload failed; keeping the loaded one", extra={"error": str(exc)}
            )
            self._loaded_at = now  # try again after another ttl, not on every request
            return
        if fresh.hash_key != self._value.hash_key:
            get_logger().error("the reloaded secret changes hash_key; refused")
        else:
            self._value = fresh
        self._loaded_at = now

    def derived(self, name: str, build: Callable[[AppSecrets], Any]) -> Any:
        """``build(current secret)``, rebuilt only when a reload brought a new secret."""
        value = self.current()
        cached = self._derived.get(name)
        if cached is None or cached[0] is not value:
            cached = (value, build(value))
            self._derived[name] = cached
        return cached[1]
