"""The health code: showing it, its images, the keys, checkpoint verification, the pass."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.codes import token as healthcode
from chalicelib.codes.store import ScanRecord
from chalicelib.kernel import qr
from tests.app.checkpoints import posted_gate
from tests.helpers import assert_error, body, declaration, get, login, make_id_number, post


@pytest.fixture
def citizen(client):
    token = login(client, "holder", phone="13812345678")
    assert post(client, "/v1/declarations", declaration(), token).status_code == 201
    return token


@pytest.fixture
def checkpoint(client):
    return login(client, "gate-7", role="checkpoint")


def _verify(client, checkpoint, token, **extra):
    return body(post(client, "/v1/verify", {"token": token, **extra}, checkpoint))


def test_the_code_shows_colour_reasons_masks_and_a_fresh_token(client, citizen, clock):
    shown = body(get(client, "/v1/code", citizen))

    assert shown["colour"] == "green" and shown["reasons"] == []
    assert shown["holder"] == {
        "name_masked": "张*三",
        "id_masked": "6101**********" + make_id_number("61011319900101123")[-4:],
    }
    assert shown["token"].startswith("YM1:")
    assert shown["issued_at"] == "2026-11-20T02:00:00Z"
    assert shown["expires_at"] == "2026-11-20T02:05:00Z"  # five minutes: screenshots go stale
    claims = healthcode.parse(shown["token"]).claims
    assert claims.region == "610100" and claims.colour.value == "green"


def test_the_token_carries_no_personal_data_and_fits_qr_version_7(client, citizen):
    token = body(get(client, "/v1/code", citizen))["token"]
    raw = healthcode.b45decode(token[len(healthcode.PREFIX) :])

    for personal in ("张小三".encode(), b"13812345678", b"610113199001011"):
        assert personal not in raw
    assert len(token) <= 154
    assert qr.version(token) <= 7


def test_no_code_before_a_declaration(client):
    assert_error(get(client, "/v1/code", login(client, "new")), 404, code="no_code")


def test_another_persons_code_is_not_reachable(client, citizen):
    assert_error(get(client, "/v1/code?person=p_someone_else", citizen), 404, field="person")


def test_a_checkpoint_verifies_a_token_and_sees_no_reasons(client, citizen):
    checkpoint, venue_id = posted_gate(client, "gate-posted")
    token = body(get(client, "/v1/code", citizen))["token"]

    result = _verify(client, checkpoint, token, venue_id=venue_id)

    assert result["valid"] is True
    assert result["colour"] == result["token_colour"] == "green"
    assert result["holder"]["name_masked"] == "张*三"
    assert "reasons" not in result and "reason" not in result
    scan = next(iter(ScanRecord.scan()))
    assert scan.region_code == "610113" and scan.venue_id == venue_id
    assert scan.scanned_by and scan.expires > scan.scanned_at + timedelta(days=14)


def test_verification_shows_the_current_colour_when_it_is_newer(client, citizen, checkpoint, clock):
    token = body(get(client, "/v1/code", citizen))["token"]
    clock.now += timedelta(minutes=1)
    post(client, "/v1/declarations", declaration(symptoms=["fever"]), citizen)

    result = _verify(client, checkpoint, token)

    assert (result["token_colour"], result["colour"]) == ("green", "yellow")


def test_an_expired_token_is_refused_with_its_reason(client, citizen, checkpoint, clock):
    token = body(get(client, "/v1/code", citizen))["token"]
    clock.now += timedelta(minutes=5)

    result = _verify(client, checkpoint, token)

    assert result == result | {"valid": False, "reason": "expired", "holder": None}


def test_a_tampered_token_is_refused(client, citizen, checkpoint):
    token = body(get(client, "/v1/code", citizen))["token"]
    raw = bytearray(healthcode.b45decode(token[4:]))
    raw[-1] ^= 1

    result = _verify(client, checkpoint, "YM1:" + healthcode.b45encode(bytes(raw)))

    assert (result["valid"], result["reason"]) == (False, "bad_signature")


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("HC1:NCFOXN", "wrong_prefix"),
        ("YM1:", "malformed"),
        ("YM1:%%%%", "malformed"),
        ("YM1:" + "A" * 200, "malformed"),
    ],
)
def test_garbage_tokens_are_invalid_not_errors(client, checkpoint, token, reason):
    result = post(client, "/v1/verify", {"token": token}, checkpoint)

    assert result.status_code == 200
    assert (body(result)["valid"], body(result)["reason"]) == (False, reason)


def test_a_citizen_cannot_verify(client, citizen):
    assert_error(post(client, "/v1/verify", {"token": "YM1:x"}, citizen), 403, code="wrong_role")


def test_key_rotation_keeps_old_tokens_valid_until_they_expire(
    client, citizen, checkpoint, container, clock
):
    from chalicelib.kernel.signing import load_signer, new_code_key, rotate_code_key

    old_token = body(get(client, "/v1/code", citizen))["token"]
    signer = container.codes.signer()
    doc = {
        "code_keys": [
            {"kid": signer.kid.hex(), "private_key": _private(signer), "not_after": None}
        ],
        "code_active": signer.kid.hex(),
    }
    rotated = rotate_code_key(doc, now=clock.now, grace=timedelta(hours=1))
    new_signer = load_signer(rotated, region="610100")
    container.codes.signer = lambda: new_signer

    new_token = body(get(client, "/v1/code", citizen))["token"]
    published = body(get(client, "/v1/keys"))["keys"]

    assert healthcode.parse(new_token).kid != healthcode.parse(old_token).kid
    assert {k["kid"] for k in published} == {signer.kid.hex(), new_signer.kid.hex()}
    assert _verify(client, checkpoint, old_token)["valid"] is True
    assert _verify(client, checkpoint, new_token)["valid"] is True
    clock.now += timedelta(hours=2)
    assert [k["kid"] for k in body(get(client, "/v1/keys"))["keys"]] == [new_signer.kid.hex()]
    assert new_code_key(clock.now)["kid"]  # fresh keys get a kid too


def _private(signer):
    import base64

    return base64.b64encode(bytes(signer.private)).decode()  # the 32-byte seed


def test_keys_are_public_and_verify_offline(client, citizen, clock):
    from chalicelib.verify import verify_offline

    token = body(get(client, "/v1/code", citizen))["token"]
    published = body(get(client, "/v1/keys"))

    result = verify_offline(token, published, now=clock.now)

    assert result["valid"] is True and result["colour"] == "green"
    assert verify_offline(token, published, now=clock.now + timedelta(minutes=6))["reason"] == (
        "expired"
    )


def test_svg_image_is_coloured_and_captioned(client, citizen):
    response = client.http.get("/v1/code.svg", headers={"Authorization": f"Bearer {citizen}"})

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    svg = response.body.decode() if isinstance(response.body, bytes) else response.body
    assert 'stroke="#1a9e3f"' in svg and "2026-11-20 10:00:00 签发" in svg


def test_png_image_needs_the_accept_header_and_is_a_png(client, citizen):
    headers = {"Authorization": f"Bearer {citizen}", "Accept": "image/png"}

    response = client.http.get("/v1/code.png", headers=headers)

    assert response.status_code == 200
    assert response.body[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_pass_shows_code_card_and_explicit_nulls(client, citizen):
    shown = body(get(client, "/v1/pass", citizen))

    assert shown["code"]["colour"] == "green" and shown["code"]["token"].startswith("YM1:")
    assert shown["itinerary"]["phone_masked"] == "138****5678"
    assert shown["itinerary"]["cities"] == [] and shown["latest_test"] is None


def test_the_pass_without_a_bound_phone_has_no_card(client):
    token = login(client, "no-phone")
    post(
        client,
        "/v1/declarations",
        declaration(id_number=make_id_number("61011319900101789")),
        token,
    )

    assert body(get(client, "/v1/pass", token))["itinerary"] is None


def test_a_colour_past_valid_until_is_recomputed_on_read(client, clock):
    token = login(client, "traveller", phone="13912345678")
    declared = body(
        post(
            client,
            "/v1/declarations",
            declaration(abroad_14d=True, id_number=make_id_number("61011319900101456")),
            token,
        )
    )
    assert declared["colour"] == "red"
    clock.now += timedelta(days=15)
    token = login(client, "traveller")  # the old session has long expired

    assert body(get(client, "/v1/code", token))["colour"] == "green"
