"""Envelope encryption of personal fields under the stage's KMS key (moto)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.kernel.crypto import KmsEnvelopeCipher
from chalicelib.kernel.dynamo.runtime import RuntimeRecord


@pytest.fixture
def cipher(aws, settings, clock):
    from chalicelib.kernel.wiring import AwsClients

    return KmsEnvelopeCipher(
        AwsClients(settings).client("kms"), settings.kms_key_id, stage=settings.stage, clock=clock
    )


def test_round_trip_binds_the_field_context(cipher):
    sealed = cipher.encrypt("13812345678", context="phone")

    assert "13812345678" not in sealed
    assert cipher.decrypt(sealed, context="phone") == "13812345678"
    with pytest.raises(ValueError):
        cipher.decrypt(sealed, context="id_number")


def test_one_data_key_per_month_shared_by_containers(cipher, aws, settings, clock):
    from chalicelib.kernel.wiring import AwsClients

    first = cipher.encrypt("a", context="name")
    other_container = KmsEnvelopeCipher(
        AwsClients(settings).client("kms"), settings.kms_key_id, stage=settings.stage, clock=clock
    )
    second = other_container.encrypt("b", context="name")

    assert first.split(":")[0] == second.split(":")[0] == "dk202611"
    assert other_container.decrypt(first, context="name") == "a"
    assert RuntimeRecord.get("datakey:dk202611").value  # only the wrapped key is stored


def test_old_months_stay_readable_after_the_key_moves_on(cipher, clock):
    november = cipher.encrypt("张小三", context="name")
    clock.now += timedelta(days=31)
    december = cipher.encrypt("张小三", context="name")

    assert december.split(":")[0] == "dk202612"
    assert cipher.decrypt(november, context="name") == "张小三"


def test_another_stage_cannot_unwrap_the_data_key(cipher, aws, settings, clock):
    from chalicelib.kernel.errors import ConfigError
    from chalicelib.kernel.wiring import AwsClients

    sealed = cipher.encrypt("x", context="name")
    other_stage = KmsEnvelopeCipher(
        AwsClients(settings).client("kms"), settings.kms_key_id, stage="prod", clock=clock
    )

    with pytest.raises((ConfigError, ValueError)):
        other_stage.decrypt(sealed, context="name")


@pytest.mark.parametrize("garbage", ["", "nokid", "dk202611:", "dk202611:!!!", "d1:abcd"])
def test_garbage_is_a_value_error(cipher, garbage):
    cipher.encrypt("warm", context="name")

    with pytest.raises(ValueError):
        cipher.decrypt(garbage, context="name")


def test_the_bytes_at_rest_are_aes_gcm_as_any_library_reads_them(cipher):
    """Stored fields outlive a library change: what ours seals, OpenSSL's AES-GCM (through
    ``cryptography``) opens, and the other way round: nonce ‖ ciphertext ‖ 16-byte tag."""
    import base64
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    sealed = cipher.encrypt("610113199001011234", context="id_number")
    kid, _, body = sealed.partition(":")
    raw = base64.b64decode(body)
    openssl = AESGCM(cipher._data_key(kid, create=False))

    assert openssl.decrypt(raw[:12], raw[12:], b"id_number") == b"610113199001011234"
    nonce = os.urandom(12)
    theirs = base64.b64encode(nonce + openssl.encrypt(nonce, "王老汉".encode(), b"name")).decode()
    assert cipher.decrypt(f"{kid}:{theirs}", context="name") == "王老汉"
