"""What every capability's ``wire()`` is built from: the stage's settings, the clock,
AWS clients, the application's keys, the field cipher and the event bus.

``chalicelib/bootstrap.py`` makes one :class:`Kernel` per container and hands it to
each capability's ``wire()`` in turn. Nothing here is built at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.kernel.events import Publish
from chalicelib.kernel.settings import Settings

if TYPE_CHECKING:
    from chalicelib.kernel.crypto import KmsEnvelopeCipher
    from chalicelib.kernel.secrets import AppSecrets, SecretsCache


class AwsClients:
    """boto3 clients for the stage, each created on first use and then reused."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._clients: dict[str, Any] = {}
        self._session: Any = None

    def client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3
            from botocore.config import Config

            from chalicelib.kernel.logs import quiet_libraries

            if self._session is None:
                quiet_libraries()  # before botocore looks for credentials, which it logs
                self._session = boto3.session.Session(region_name=self._settings.aws_region)
            self._clients[service] = self._session.client(
                service,
                endpoint_url=self._settings.aws_endpoint,
                config=Config(
                    connect_timeout=2,
                    read_timeout=5,
                    retries={"max_attempts": 3, "mode": "standard"},
                ),
            )
        return self._clients[service]


@dataclass(frozen=True)
class Kernel:
    settings: Settings
    clock: Callable[[], datetime]
    aws: AwsClients
    secret_cache: SecretsCache
    secrets: AppSecrets  # as loaded at build time (hash and federation keys)
    cipher: KmsEnvelopeCipher
    publish: Publish

    @property
    def hash_key(self) -> bytes:
        return self.secrets.hash_key

    def signer(self) -> Any:
        """The code signer, re-read with the secret (SecretsCache): a retired key stops
        signing within the secret's TTL."""
        from chalicelib.kernel.signing import load_signer

        return self.secret_cache.derived(
            "signer", lambda loaded: load_signer(loaded.document, region=self.settings.region_code)
        )


def build_kernel(settings: Settings, *, clock: Callable[[], datetime], publish: Publish) -> Kernel:
    """Bind the tables' names, load the keys from Secrets Manager, and check that the
    secret holds a usable code key (a secret without one fails the build)."""
    from chalicelib.kernel.crypto import KmsEnvelopeCipher
    from chalicelib.kernel.logs import get_logger
    from chalicelib.kernel.secrets import SecretsCache, load_app_secrets

    get_logger().setLevel(settings.log_level)  # the JSON logger, and the SDKs' levels, first
    aws = AwsClients(settings)
    cache = SecretsCache(
        lambda: load_app_secrets(aws.client("secretsmanager"), settings.secret_id),
        ttl=timedelta(seconds=settings.secret_ttl_seconds),
        clock=clock,
    )
    kernel = Kernel(
        settings=settings,
        clock=clock,
        aws=aws,
        secret_cache=cache,
        secrets=cache.current(),
        cipher=KmsEnvelopeCipher(
            aws.client("kms"), settings.kms_key_id, stage=settings.stage, clock=clock
        ),
        publish=publish,
    )
    kernel.signer()
    return kernel
