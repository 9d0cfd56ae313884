"""Session tokens: signing, verification, rotation; garbage never escapes as another error."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.kernel import session as tokens
from chalicelib.kernel.errors import Unauthenticated
from chalicelib.kernel.roles import Role
from chalicelib.kernel.session import KeyRing

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
RING = KeyRing(keys={"s1": b"k" * 32}, active="s1")
AUD = "yima:test:610100"


def _mint(ring: KeyRing = RING, **overrides) -> str:
    args = {
        "subject": "u_1",
        "role": Role.OFFICIAL,
        "audience": AUD,
        "now": NOW,
        "ttl": timedelta(hours=2),
    } | overrides
    return tokens.mint(ring, **args)[0]


def test_round_trip_keeps_subject_role_and_lifetime():
    claims = tokens.verify(RING, _mint(), audience=AUD, now=NOW + timedelta(minutes=5))

    assert (claims.subject, claims.role) == ("u_1", Role.OFFICIAL)
    assert claims.expires_at == NOW + timedelta(hours=2)


def test_expired_token_is_refused():
    with pytest.raises(Unauthenticated) as caught:
        tokens.verify(RING, _mint(), audience=AUD, now=NOW + timedelta(hours=2, minutes=1))
    assert caught.value.code == "token_expired"


def test_token_from_the_future_is_refused():
    with pytest.raises(Unauthenticated):
        tokens.verify(RING, _mint(now=NOW + timedelta(hours=1)), audience=AUD, now=NOW)


def test_other_audience_is_refused():
    with pytest.raises(Unauthenticated) as caught:
        tokens.verify(RING, _mint(audience="yima:prod:110100"), audience=AUD, now=NOW)
    assert caught.value.code == "wrong_audience"


def test_a_changed_payload_breaks_the_signature():
    head, _payload, sig = _mint().split(".")
    forged_payload = _mint(role=Role.ADMIN).split(".")[1]

    with pytest.raises(Unauthenticated):
        tokens.verify(RING, f"{head}.{forged_payload}.{sig}", audience=AUD, now=NOW)


def test_alg_none_is_refused():
    import base64
    import json

    head = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": "s1"}).encode())
    _, payload, _ = _mint().split(".")
    with pytest.raises(Unauthenticated):
        tokens.verify(RING, f"{head.decode().rstrip('=')}.{payload}.", audience=AUD, now=NOW)


def test_rotation_old_key_verifies_new_key_signs():
    old_token = _mint()
    rotated = KeyRing(keys={"s1": b"k" * 32, "s2": b"n" * 32}, active="s2")

    assert tokens.verify(rotated, old_token, audience=AUD, now=NOW).subject == "u_1"
    with pytest.raises(Unauthenticated):
        tokens.verify(RING, _mint(rotated), audience=AUD, now=NOW)  # unknown kid s2


def test_short_keys_are_refused():
    with pytest.raises(ValueError):
        KeyRing(keys={"s1": b"short"}, active="s1")


@given(st.text(max_size=300))
def test_any_string_is_either_valid_or_unauthenticated(text):
    with contextlib.suppress(Unauthenticated):
        tokens.verify(RING, text, audience=AUD, now=NOW)


@given(
    st.lists(
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789-_=", max_size=60),
        min_size=3,
        max_size=3,
    )
)
def test_three_part_garbage_is_unauthenticated(parts):
    with pytest.raises(Unauthenticated):
        tokens.verify(RING, ".".join(parts), audience=AUD, now=NOW)


def test_an_expiry_at_the_end_of_time_does_not_overflow():
    # Only a key holder can sign this, but verify() must still answer, not raise OverflowError.
    last = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC) - NOW

    claims = tokens.verify(RING, _mint(ttl=last), audience=AUD, now=NOW)

    assert claims.expires_at.year == 9999


# --- PyJWT reads ours and we read PyJWT's: the format is the standard's ------------------


def test_pyjwt_reads_our_tokens_with_the_algorithm_pinned():
    import jwt

    sid = tokens.new_session_id()
    token = _mint(session_id=sid)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(
        token,
        RING.keys[header["kid"]],
        algorithms=["HS256"],
        audience=AUD,
        issuer="yima",
        options={"verify_exp": False, "verify_iat": False},  # our clock is NOW, not today
    )

    assert header == {"alg": "HS256", "typ": "JWT", "kid": "s1"}
    assert (claims["sub"], claims["role"], claims["sid"]) == ("u_1", "official", sid)


def _pyjwt(payload: dict, *, key: bytes = b"k" * 32, **header) -> str:
    import jwt

    claims = {"iss": "yima", "sub": "u_1", "role": "official", "aud": AUD} | payload
    return jwt.encode(claims, key, algorithm=header.pop("alg", "HS256"), headers=header)


def test_a_token_pyjwt_signs_with_a_ring_key_verifies():
    token = _pyjwt({"iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 60}, kid="s1")

    assert tokens.verify(RING, token, audience=AUD, now=NOW).role == Role.OFFICIAL


@pytest.mark.filterwarnings("ignore:The HMAC key")  # a 32-byte ring key, short for SHA-512
@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_another_hmac_algorithm_is_refused_even_with_the_right_key(alg):
    token = _pyjwt({"iat": int(NOW.timestamp()), "exp": 2**31}, kid="s1", alg=alg)

    with pytest.raises(Unauthenticated):
        tokens.verify(RING, token, audience=AUD, now=NOW)


def test_the_key_confusion_of_an_asymmetric_algorithm_is_refused():
    """An attacker who signs with EdDSA, or HS256 keyed with a public key, gets nowhere:
    only HS256 with a ring key is looked at."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    claims = {"iat": int(NOW.timestamp()), "exp": 2**31}
    forged = _pyjwt(claims, key=Ed25519PrivateKey.generate(), kid="s1", alg="EdDSA")

    with pytest.raises(Unauthenticated):
        tokens.verify(RING, forged, audience=AUD, now=NOW)
    with pytest.raises(Unauthenticated):
        tokens.verify(RING, _pyjwt(claims, key=b"p" * 32, kid="s1"), audience=AUD, now=NOW)


# --- strict base64url, opaque sid (issue 29, finding 6) -----------------------------------


@pytest.mark.parametrize(
    "spoil",
    [
        lambda s: s + "==",
        lambda s: s + "=",
        lambda s: s[:-1] + "+",
        lambda s: s[:-1] + "/",
        lambda s: s + "A",
        lambda s: " " + s,
        lambda s: s[:-1] + chr(ord(s[-1]) ^ 1),  # same bytes for a lenient decoder, or not
    ],
)
def test_a_signature_in_any_spelling_but_the_canonical_one_is_refused(spoil):
    head, payload, signature = _mint().split(".")
    spoiled = spoil(signature)
    if spoiled == signature:
        return

    with pytest.raises(Unauthenticated) as caught:
        tokens.verify(RING, f"{head}.{payload}.{spoiled}", audience=AUD, now=NOW)
    assert caught.value.code == "invalid_token"


def test_the_sid_claim_is_an_opaque_id_never_a_login_name():
    with pytest.raises(ValueError):
        _mint(session_id="wechat:wx123:oOpenid")
    sid = tokens.new_session_id()

    claims = tokens.verify(RING, _mint(session_id=sid), audience=AUD, now=NOW)

    assert claims.session_id == sid and len(sid) == 32
