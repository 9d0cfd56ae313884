"""Attacks on the two kinds of token, through the API.

Health codes (``POST /v1/verify``): a forged colour, a token re-signed with
a key we do not publish, one from another region, a replay after the colour
changed, extra or missing claims under a good signature, and every
truncation and bit flip of a real token. A bad code is ``200 {"valid":
false, "reason"}``, never an error, never valid.

Session tokens (``Authorization: Bearer``): ``alg: none`` and other
algorithms, an unknown or a lying key id, another stage or region, the
expiry edge, a role changed under the old signature, claims missing or
added, every truncation and character flip. Each is ``401`` in the SPEC's
shape with ``WWW-Authenticate``.

Already covered elsewhere and not repeated: a flipped signature byte, an
expired code and a colour that turned yellow (``test_codes.py``); the test
vectors (``tests/unit/test_vectors.py``); a signature replaced by junk, an
expired session, another stage *and* region (``test_dev_login.py``).
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from nacl.signing import SigningKey

from chalicelib.codes import token as hc
from chalicelib.colours.model import Colour
from chalicelib.kernel import session
from chalicelib.kernel.roles import Role
from chalicelib.kernel.signing import kid_for, raw_public, sign
from tests.helpers import (
    assert_error,
    body,
    declaration,
    get,
    login,
    mark_and_approve,
    post,
)
from tests.keys import Ed25519Key

REASONS = {
    "wrong_prefix",
    "malformed",
    "unknown_key",
    "bad_signature",
    "revoked_key",
    "key_not_yet_valid",
    "key_expired",
    "not_yet_valid",
    "expired",
}


@pytest.fixture
def citizen(client):
    token = login(client, "holder", phone="13812345678")
    assert post(client, "/v1/declarations", declaration(), token).status_code == 201
    return token


@pytest.fixture
def checkpoint(client):
    return login(client, "gate-9", role="checkpoint")


@pytest.fixture
def code(client, citizen):
    return str(body(get(client, "/v1/code", citizen))["token"])


def _verify(client, checkpoint, token):
    response = post(client, "/v1/verify", {"token": token}, checkpoint)
    assert response.status_code == 200, response.body
    return body(response)


def _refused(client, checkpoint, token, reason=None):
    result = _verify(client, checkpoint, token)
    assert result["valid"] is False and result["reason"] in REASONS, result
    assert result["holder"] is None and result["colour"] is None
    if reason is not None:
        assert result["reason"] == reason, result
    return result


def _parts(token: str) -> list[Any]:
    outer = hc.cbor_decode(hc.b45decode(token[len(hc.PREFIX) :]))
    assert isinstance(outer, list)
    return outer


def _assemble(protected: bytes, payload: bytes, signature: bytes) -> str:
    return hc.PREFIX + hc.b45encode(hc.cbor_encode([protected, {}, payload, signature]))


def _sign_with(private: SigningKey, kid: bytes, claims: list[Any]) -> str:
    """Signed with ``private``: a stranger's key, or the app's own (``signer.private``)."""
    protected = hc.cbor_encode({1: hc.ALG_EDDSA, 4: kid})
    payload = hc.cbor_encode(claims)
    signature = sign(private, hc.signing_input(protected, payload))
    return _assemble(protected, payload, signature)


def _claims(token: str) -> list[Any]:
    claims = hc.cbor_decode(_parts(token)[2])
    assert isinstance(claims, list)
    return claims


# --- health codes ------------------------------------------------------------------


def _mark_confirmed(client):
    """Two officials mark the holder confirmed: red at once."""
    approved = mark_and_approve(client, note="阳性病例")
    assert approved.status_code == 200, approved.body


def test_a_red_code_repainted_green_under_its_old_signature_is_refused(
    client, citizen, checkpoint, container
):
    _mark_confirmed(client)
    red = str(body(get(client, "/v1/code", citizen))["token"])
    protected, _, payload, signature = _parts(red)
    claims = hc.cbor_decode(payload)
    assert isinstance(claims, list) and claims[1] == hc.COLOUR_CODES[Colour.RED]
    claims[1] = hc.COLOUR_CODES[Colour.GREEN]

    forged = _assemble(protected, hc.cbor_encode(claims), signature)

    _refused(client, checkpoint, forged, "bad_signature")


def test_a_code_signed_with_a_key_we_never_published_is_refused(client, checkpoint, code):
    stranger = SigningKey(bytes(Ed25519Key.generate()))  # a kid of its own
    claims = _claims(code)

    own_kid = _sign_with(stranger, kid_for(raw_public(stranger)), claims)
    borrowed_kid = _sign_with(stranger, hc.parse(code).kid, claims)

    _refused(client, checkpoint, own_kid, "unknown_key")
    _refused(client, checkpoint, borrowed_kid, "bad_signature")


def test_codes_from_another_region_are_refused(client, checkpoint, code, container):
    signer = container.codes.signer()
    shanghai = [*_claims(code)[:4], 310100]
    other_key = SigningKey(bytes(Ed25519Key.generate()))  # a kid of its own

    # Our key never signs for another region (whether the verifier looks for Shanghai's
    # keys and finds none, or finds ours and sees the region differ); Shanghai's own key
    # is not on our trust list.
    lying = _refused(client, checkpoint, _sign_with(signer.private, signer.kid, shanghai))
    assert lying["reason"] in ("unknown_key", "bad_signature")
    _refused(
        client,
        checkpoint,
        _sign_with(other_key, kid_for(raw_public(other_key)), shanghai),
        "unknown_key",
    )


def test_a_green_code_replayed_after_the_holder_turned_red_shows_red(
    client, checkpoint, code, container, clock
):
    clock.now += timedelta(minutes=1)
    _mark_confirmed(client)

    result = _verify(client, checkpoint, code)

    # Still a genuine, unexpired token, so valid; but the checkpoint sees the colour now.
    assert result["valid"] is True
    assert (result["token_colour"], result["colour"]) == ("green", "red")


def test_a_code_is_valid_until_the_second_it_expires(client, checkpoint, code, clock):
    clock.now += timedelta(minutes=5) - timedelta(seconds=1)
    assert _verify(client, checkpoint, code)["valid"] is True

    clock.now += timedelta(seconds=1)
    _refused(client, checkpoint, code, "expired")


CLAIM_CHANGES = {
    "an extra claim": lambda c: [*c, 1],
    "the region missing": lambda c: c[:4],
    "the holder missing": lambda c: c[1:],
    "a map, not an array": lambda c: dict(enumerate(c)),
    "the colour as a list": lambda c: [c[0], [c[1]], *c[2:]],
    "no such colour": lambda c: [c[0], 7, *c[2:]],
    "a 9-byte holder": lambda c: [c[0] + b"\x00", *c[1:]],
    "an hour's lifetime": lambda c: [*c[:3], 60, c[4]],
    "issued before 1970": lambda c: [*c[:2], -1, *c[3:]],
    "issued past year 9999": lambda c: [*c[:2], 2**64 - 1, *c[3:]],
}


def test_claims_added_missing_or_out_of_range_are_malformed_even_when_signed(
    client, checkpoint, code, container
):
    signer = container.codes.signer()

    for name, change in CLAIM_CHANGES.items():
        token = _sign_with(signer.private, signer.kid, change(_claims(code)))
        assert _verify(client, checkpoint, token)["reason"] == "malformed", name


def test_a_code_for_a_holder_we_do_not_know_is_not_valid(client, checkpoint, code, container):
    signer = container.codes.signer()
    claims = [b"\x00" * 8, *_claims(code)[1:]]

    result = _verify(client, checkpoint, _sign_with(signer.private, signer.kid, claims))

    assert (result["valid"], result["reason"], result["holder"]) == (False, "unknown_holder", None)


def test_no_truncation_or_bit_flip_of_a_code_verifies(client, checkpoint, code):
    raw = hc.b45decode(code[len(hc.PREFIX) :])
    variants = {hc.PREFIX + hc.b45encode(raw[:n]) for n in range(len(raw))}
    variants |= {code[:n] for n in range(1, len(code), 5)}  # cut mid base45 triplet too
    for index in range(len(raw)):
        flipped = bytearray(raw)
        flipped[index] ^= 1 << (index % 8)
        variants.add(hc.PREFIX + hc.b45encode(bytes(flipped)))

    # A checkpoint may scan 120 codes a minute: take a fresh gate for every hundred.
    for batch, start in enumerate(range(0, len(variants), 100)):
        gate = login(client, f"gate-flip-{batch}", role="checkpoint")
        for token in sorted(variants)[start : start + 100]:
            _refused(client, gate, token)
    assert len(variants) > 200
    assert _verify(client, checkpoint, code)["valid"] is True  # the original still does


# --- session tokens ----------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _decode(part: str) -> dict[str, Any]:
    value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    assert isinstance(value, dict)
    return value


def _signed(header: dict[str, Any], payload: dict[str, Any], key: bytes) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{_b64(session._sign(key, signing_input.encode()))}"


def _unauthorised(client, token, code=None):
    response = get(client, "/v1/me", token)
    # Every refused token names the header that carried it (docs/api.md, Errors).
    assert_error(response, 401, code=code, field="Authorization")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.fixture
def session_token(client):
    return login(client, "victim")


@pytest.fixture
def ring(container):
    return container.auth.ring


def test_the_genuine_session_works(client, session_token):
    assert get(client, "/v1/me", session_token).status_code == 200


def test_any_algorithm_but_hs256_is_refused(client, session_token, ring):
    head, payload, _ = session_token.split(".")
    for alg in ["none", "None", "NONE", "HS512", "RS256", "ES256", "", None]:
        header = {**_decode(head), "alg": alg}

        unsigned = f"{_b64(json.dumps(header).encode())}.{payload}."
        resigned = _signed(header, _decode(payload), ring.keys[ring.active])

        _unauthorised(client, unsigned, "invalid_token")
        _unauthorised(client, resigned, "invalid_token")


def test_an_unknown_or_lying_key_id_is_refused(client, session_token, ring):
    head, payload, _ = session_token.split(".")
    header, claims = _decode(head), _decode(payload)
    guessed = b"g" * 32

    unknown_kid = _signed({**header, "kid": "s-guess"}, claims, guessed)
    lying_kid = _signed(header, claims, guessed)  # names our key, signed with another
    no_kid = _signed(
        {k: v for k, v in header.items() if k != "kid"}, claims, ring.keys[ring.active]
    )
    kid_list = _signed({**header, "kid": [header["kid"]]}, claims, ring.keys[ring.active])

    for token in (unknown_kid, lying_kid, no_kid, kid_list):
        _unauthorised(client, token, "invalid_token")


def test_a_session_for_another_stage_or_region_is_refused(client, session_token, ring):
    head, payload, _ = session_token.split(".")
    for audience in ["yima:dev:610100", "yima:prod:610100", "yima:test:310100", "", None]:
        claims = {**_decode(payload), "aud": audience}
        token = _signed(_decode(head), claims, ring.keys[ring.active])

        _unauthorised(client, token, "wrong_audience")


def test_a_session_is_accepted_until_its_expiry_and_the_leeway(client, session_token, clock):
    clock.now += timedelta(hours=2, seconds=29)  # 30 s leeway for clocks that differ
    assert get(client, "/v1/me", session_token).status_code == 200

    clock.now += timedelta(seconds=1)
    _unauthorised(client, session_token, "token_expired")


def test_a_citizen_cannot_promote_itself_under_the_old_signature(client, session_token):
    head, payload, signature = session_token.split(".")
    admin = _b64(json.dumps({**_decode(payload), "role": Role.ADMIN.value}).encode())

    response = get(client, "/v1/admin/audit", f"{head}.{admin}.{signature}")

    assert_error(response, 401, code="invalid_token")


def test_a_session_missing_a_claim_is_refused_even_when_signed(client, session_token, ring):
    head, payload, _ = session_token.split(".")
    for claim in ["iss", "sub", "role", "aud", "iat", "exp"]:
        claims = {k: v for k, v in _decode(payload).items() if k != claim}

        _unauthorised(client, _signed(_decode(head), claims, ring.keys[ring.active]))


def test_unknown_claims_under_a_good_signature_grant_nothing(client, session_token, ring):
    head, payload, _ = session_token.split(".")
    extra = {"admin": True, "roles": ["admin"], "scope": "*", "is_official": True}
    token = _signed(_decode(head), {**_decode(payload), **extra}, ring.keys[ring.active])

    assert body(get(client, "/v1/me", token))["role"] == "citizen"
    assert_error(get(client, "/v1/admin/audit", token), 403, code="wrong_role")


def test_known_claims_retyped_under_a_good_signature_are_refused(client, session_token, ring):
    head, payload, _ = session_token.split(".")
    for change in [
        {"role": "superuser"},
        {"role": ["admin"]},
        {"sub": ""},
        {"sub": 5},
        {"iat": "yesterday"},
        {"exp": 1e300},
        {"sid": ["dev:victim"]},
        {"iss": "someone-else"},
    ]:
        token = _signed(_decode(head), {**_decode(payload), **change}, ring.keys[ring.active])

        _unauthorised(client, token)


def test_no_truncation_or_character_flip_of_a_session_is_accepted(client, session_token):
    variants = {session_token[:n] for n in range(1, len(session_token))}
    for index, char in enumerate(session_token):
        if char != ".":
            variants.add(
                session_token[:index] + ("A" if char != "A" else "B") + session_token[index + 1 :]
            )
    # A flip in the last base64url character may only touch padding bits and decode the same.
    variants = {v for v in variants if _same_bytes(v, session_token) is False}

    for token in sorted(variants):
        _unauthorised(client, token)
    assert len(variants) > 200


def _same_bytes(variant: str, original: str) -> bool:
    parts, originals = variant.split("."), original.split(".")
    if len(parts) != 3:
        return False
    try:
        return all(
            base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))
            == base64.urlsafe_b64decode(o + "=" * (-len(o) % 4))
            for p, o in zip(parts, originals, strict=True)
        )
    except ValueError:
        return False


# --- strict base64url and an opaque sid (issue 29, finding 6) -------------------------------


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, p, s: f"{h}.{p}.{s}==",  # padding after the signature
        lambda h, p, s: f"{h}.{p}.{s}=",
        lambda h, p, s: f"{h}==.{p}.{s}",  # padding after the header
        lambda h, p, s: f"{h}.{p}=.{s}",
        lambda h, p, s: f"{h}.{p}.{s.replace('-', '+').replace('_', '/')}+",  # standard alphabet
        lambda h, p, s: f"{h}.{p}.{s[:-1]}+{s[-1]}",  # a character outside base64url
        lambda h, p, s: f"{h}.{p}.{s}A",  # one character too many: not a canonical length
    ],
)
def test_a_session_segment_with_padding_or_foreign_characters_is_refused(
    client, session_token, tamper
):
    head, payload, signature = session_token.split(".")

    _unauthorised(client, tamper(head, payload, signature), "invalid_token")


def test_a_signature_whose_spare_bits_differ_is_refused(client, session_token):
    # A 32-byte HMAC is 43 base64url characters: the last one carries 2 spare bits that a
    # lenient decoder ignores, so four spellings decoded to the same signature.
    head, payload, signature = session_token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    for spare in (1, 2, 3):
        twin = signature[:-1] + alphabet[(last & ~3) | ((last + spare) & 3)]
        assert base64.urlsafe_b64decode(twin + "=") == base64.urlsafe_b64decode(signature + "=")

        _unauthorised(client, f"{head}.{payload}.{twin}", "invalid_token")


def test_a_session_payload_names_no_login_identity(client):
    token = login(client, "victim-subject-42")
    payload = _decode(token.split(".")[1])

    assert "victim-subject-42" not in json.dumps(payload)
    assert set(payload) == {"iss", "sub", "role", "aud", "iat", "exp", "sid"}
    assert ":" not in payload["sid"] and len(payload["sid"]) >= 22  # a random session id
    assert get(client, "/v1/me", token).status_code == 200


def test_a_session_minted_with_an_identity_in_sid_is_refused(client, session_token, ring):
    # What tokens carried before sid became opaque: signed, unexpired, but not ours now.
    head, payload, _ = session_token.split(".")
    claims = {**_decode(payload), "sid": "dev:victim"}

    _unauthorised(client, _signed(_decode(head), claims, ring.keys[ring.active]), "invalid_token")
