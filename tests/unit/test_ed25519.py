"""Ed25519 as every code goes through it (``signing``, libsodium): RFC 8032's own
vectors, signatures OpenSSL makes (through ``cryptography``, the tests' second
implementation), and the inputs a forger would try."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.kernel import signing
from chalicelib.kernel.signing import ed25519_verify

# RFC 8032 §7.1, TEST 1 (empty message) and TEST 2 (one byte).
VECTORS = [
    (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
]
SMALL_ORDER_KEY = bytes(32)  # the identity point's encoding, y = 0: order 4


@pytest.mark.parametrize(("public", "message", "signature"), VECTORS)
def test_rfc_8032_vectors_verify_and_any_flipped_bit_does_not(public, message, signature):
    public, message, signature = map(bytes.fromhex, (public, message, signature))

    assert ed25519_verify(public, message, signature)
    for i in range(len(signature)):
        flipped = bytearray(signature)
        flipped[i] ^= 0x01
        assert not ed25519_verify(public, message, bytes(flipped))
    assert not ed25519_verify(public, message + b"x", signature)


@given(st.binary(max_size=300))
def test_what_openssl_signs_verifies_with_its_public_key_only(message):
    signer, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    signature = signer.sign(message)

    assert ed25519_verify(signer.public_key().public_bytes_raw(), message, signature)
    assert not ed25519_verify(other.public_key().public_bytes_raw(), message, signature)


@given(st.binary(max_size=300))
def test_the_apps_signature_is_the_one_rfc_8032_and_openssl_make(message):
    seed = bytes(range(32))
    ours = signing.sign(signing.private_key(seed), message)

    assert ours == Ed25519PrivateKey.from_private_bytes(seed).sign(message)  # deterministic
    assert ed25519_verify(signing.raw_public(signing.private_key(seed)), message, ours)


@pytest.mark.parametrize(
    ("public", "signature"),
    [
        (bytes(31), bytes(64)),  # short key
        (bytes(33), bytes(64)),  # long key
        (bytes.fromhex(VECTORS[0][0]), bytes(63)),  # short signature
        (bytes.fromhex(VECTORS[0][0]), bytes.fromhex(VECTORS[0][2]) + b"\x00"),  # long one
        (SMALL_ORDER_KEY, bytes(64)),  # a small-order key, which libsodium refuses
        (b"\xff" * 32, b"\xff" * 64),  # not a point, not a scalar
    ],
)
def test_malformed_keys_and_signatures_verify_nothing_and_raise_nothing(public, signature):
    assert ed25519_verify(public, b"", signature) is False


def test_a_small_order_key_cannot_be_used_to_forge_any_message():
    # R the identity and S = 0 satisfy the verify equation under a key of order 4
    # whenever the message's hash is a multiple of 4: OpenSSL's verify accepted 13 of
    # these 64 messages when we measured it (docs/codecs.md); libsodium accepts none.
    forged = bytes([1]) + bytes(63)

    assert not any(ed25519_verify(SMALL_ORDER_KEY, str(i).encode(), forged) for i in range(64))


def test_a_rotation_never_draws_a_key_with_a_kid_in_use(monkeypatch):
    """Two code keys with one 2-byte kid (1 draw in 65,536) would leave code_active naming
    both; the fresh key is drawn again until its kid is new."""
    from datetime import UTC, datetime, timedelta

    first, second = signing.private_key(bytes(32)), signing.private_key(bytes([1]) * 32)
    draws = iter([first, first, second])  # the rotation draws the old key again, then another
    monkeypatch.setattr(signing.SigningKey, "generate", classmethod(lambda cls: next(draws)))
    now = datetime(2026, 11, 20, tzinfo=UTC)
    old = signing.new_code_key(now)

    rotated = signing.rotate_code_key(
        {"code_keys": [old], "code_active": old["kid"]}, now=now, grace=timedelta(hours=1)
    )

    new_kid = signing.kid_for(signing.raw_public(second)).hex()
    assert old["kid"] != new_kid  # fixed seeds: the same two kids in every run
    assert [k["kid"] for k in rotated["code_keys"]] == [old["kid"], new_kid]
    assert rotated["code_active"] == new_kid


def test_the_tests_random_keys_never_share_a_kid():
    """tests/keys.py: a stranger's key in a test is unknown in every run (a shared kid
    would make it bad_signature 1 run in 65,536 per key it meets)."""
    from tests.keys import Ed25519Key, kids_in_use

    before = kids_in_use()
    drawn = [signing.kid_for(signing.raw_public(Ed25519Key.generate())) for _ in range(3000)]

    assert len(set(drawn)) == len(drawn) and not before & set(drawn)
