"""Field encryption at rest: envelope encryption under a KMS key.

Personal fields (names, ID numbers, phones, addresses, WeChat session keys)
are sealed with AES-256-GCM under a *data key*; KMS generates the data key
and only ever hands out its plaintext to callers the key policy allows. The
wrapped (KMS-encrypted) data key is kept in the ``runtime`` table, one per
calendar month, shared by every container: a container calls KMS once per
month's key it meets (GenerateDataKey the first time anywhere, Decrypt after
that), not once per field.

A ciphertext reads ``<data key id>:<base64(nonce || ciphertext+tag)>``. The
field's context (e.g. ``phone``) is bound as associated data, so a phone
ciphertext cannot be swapped into an ID-number field; the stage is bound as
the KMS encryption context, so another stage's data key will not unwrap.
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.kernel.dynamo.errors import conditional_failed, translate
from chalicelib.kernel.dynamo.runtime import RuntimeRecord
from chalicelib.kernel.errors import ConfigError, UpstreamUnavailable


class KmsEnvelopeCipher:
    def __init__(self, kms: Any, key_id: str, *, stage: str, clock: Callable[[], datetime]) -> None:
        self._kms = kms
        self._key_id = key_id
        self._context = {"app": "yima", "stage": stage}
        self._clock = clock
        self._keys: dict[str, bytes] = {}  # data key id → the AES-256 key
        self._lock = threading.Lock()

    # -- the data keys -----------------------------------------------------------

    def _active_id(self) -> str:
        return "dk" + self._clock().strftime("%Y%m")

    def _data_key(self, kid: str, *, create: bool) -> bytes:
        key = self._keys.get(kid)
        if key is not None:
            return key
        with self._lock:
            if kid not in self._keys:
                self._keys[kid] = self._load(kid, create=create)
            return self._keys[kid]

    def _load(self, kid: str, *, create: bool) -> bytes:
        wrapped = self._wrapped(kid)
        if wrapped is None:
            if not create:
                raise ValueError(f"unknown data key {kid!r}")
            wrapped = self._create(kid)
        return self._unwrap(wrapped)

    def _wrapped(self, kid: str) -> bytes | None:
        with translate():
            try:
                record = RuntimeRecord.get(f"datakey:{kid}", consistent_read=True)
            except DoesNotExist:
                return None
        return base64.b64decode(record.value or "")

    def _create(self, kid: str) -> bytes:
        """Generate this period's data key; if another container won, use theirs."""
        result = self._call(
            "GenerateDataKey",
            lambda: self._kms.generate_data_key(
                KeyId=self._key_id, KeySpec="AES_256", EncryptionContext=self._context
            ),
        )
        wrapped = result["CiphertextBlob"]
        with translate():
            try:
                RuntimeRecord(f"datakey:{kid}", value=base64.b64encode(wrapped).decode()).save(
                    condition=RuntimeRecord.key.does_not_exist()
                )
                return bytes(wrapped)
            except PutError as exc:
                if not conditional_failed(exc):
                    raise
        winner = self._wrapped(kid)
        if winner is None:
            raise UpstreamUnavailable("the data key store is inconsistent; try again")
        return winner

    def _unwrap(self, wrapped: bytes) -> bytes:
        result = self._call(
            "Decrypt",
            lambda: self._kms.decrypt(
                CiphertextBlob=wrapped, KeyId=self._key_id, EncryptionContext=self._context
            ),
        )
        return bytes(result["Plaintext"])

    @staticmethod
    def _call(what: str, call: Callable[[], Any]) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return call()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in (
                "NotFoundException",
                "DisabledException",
                "AccessDeniedException",
                "InvalidCiphertextException",
                "IncorrectKeyException",
            ):
                raise ConfigError(f"KMS {what} failed: {code}") from None
            raise UpstreamUnavailable("the key service is busy; try again") from None
        except BotoCoreError:
            raise UpstreamUnavailable("the key service is unreachable; try again") from None

    # -- the cipher ------------------------------------------------------------------

    def encrypt(self, plaintext: str, *, context: str) -> str:
        kid = self._active_id()
        nonce = os.urandom(12)
        cipher = _gcm(self._data_key(kid, create=True), nonce, context)
        sealed, tag = cipher.encrypt_and_digest(plaintext.encode())
        return f"{kid}:{base64.b64encode(nonce + sealed + tag).decode()}"

    def decrypt(self, token: str, *, context: str) -> str:
        kid, _, body = token.partition(":")
        if not kid.startswith("dk") or not body:
            raise ValueError("not a field ciphertext")
        key = self._data_key(kid, create=False)
        try:
            raw = base64.b64decode(body, validate=True)
            if len(raw) < 12 + 16:
                raise ValueError("too short")
            cipher = _gcm(key, raw[:12], context)
            return cipher.decrypt_and_verify(raw[12:-16], raw[-16:]).decode()
        except (binascii.Error, ValueError) as exc:  # a bad tag is a ValueError
            raise ValueError("ciphertext does not decrypt under its key") from exc


def _gcm(key: bytes, nonce: bytes, context: str) -> Any:
    """AES-256-GCM (pycryptodome, which wechatpy needs anyway) with the field's
    context as associated data and the 16-byte tag after the ciphertext: byte for
    byte what ``cryptography``'s AESGCM wrote before it."""
    from Crypto.Cipher import AES

    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=16)
    cipher.update(context.encode())
    return cipher
