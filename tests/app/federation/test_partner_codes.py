"""Mutual recognition through the API, partner codes: verified at our checkpoints (way
(c)), online and offline, and converted into our code (way (b)).

We are Xi'an (610100). The partner region is Guangzhou (440100); the national code is
region 100000. A test national root signs the trust lists; its public key is pinned in
the settings (tests/app/federation/conftest.py), as YIMA_NATIONAL_ROOT_KEYS pins the real one.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib.codes import token as healthcode
from chalicelib.codes.store import ScanRecord
from chalicelib.colours.model import Colour
from chalicelib.federation.store import ConversionRecord
from chalicelib.kernel.signing import ed25519_verify
from tests.app.checkpoints import posted_gate
from tests.app.federation.world import NATIONAL, PARTNER, ROOT, _entries, load, verify
from tests.federation_helpers import KeyPair, window
from tests.helpers import assert_error, body, declaration, get, login, post

# --- way (c): partner and national codes at our checkpoints ------------------------------------


def test_a_partner_code_verifies_with_its_region_and_its_own_colour(client, trusted, clock):
    checkpoint, venue_id = posted_gate(client, "gate-partner")
    token = PARTNER.code("440100", issued_at=clock.now, colour=Colour.YELLOW)

    result = verify(client, checkpoint, token, venue_id=venue_id)

    assert result["valid"] is True
    assert (result["region"], result["issuer"]) == ("440100", "partner")
    assert result["colour"] == result["token_colour"] == "yellow"
    assert result["holder"] is None and result["converted_from"] is None
    [scan] = list(ScanRecord.scan())
    assert scan.person_id.startswith("ext:440100:") and scan.region_code is None
    assert scan.venue_id == venue_id


def test_a_national_code_verifies_as_national(client, trusted, checkpoint, clock):
    result = verify(client, checkpoint, NATIONAL.code("100000", issued_at=clock.now))

    assert (result["valid"], result["region"], result["issuer"]) == (True, "100000", "national")


def test_partner_codes_need_the_trust_list(client, checkpoint, clock, admin):
    token = PARTNER.code("440100", issued_at=clock.now)
    before = verify(client, checkpoint, token)
    load(client, admin, clock)
    stranger = verify(client, checkpoint, KeyPair.new().code("440100", issued_at=clock.now))

    assert (before["valid"], before["reason"]) == (False, "unknown_key")
    assert (stranger["valid"], stranger["reason"]) == (False, "unknown_key")
    assert verify(client, checkpoint, token)["valid"] is True


def test_a_revoked_key_stops_verifying_at_once(client, admin, checkpoint, clock, trusted):
    token = PARTNER.code("440100", issued_at=clock.now)
    assert verify(client, checkpoint, token)["valid"] is True

    revoked = load(client, admin, clock, version=2, entries=_entries(clock, status="revoked"))
    result = verify(client, checkpoint, token)

    assert body(revoked)["revoked"] == 1
    assert (result["valid"], result["reason"]) == (False, "revoked_key")


def test_a_revocation_reaches_another_container_at_its_next_scan(
    client, admin, checkpoint, clock, trusted, settings
):
    from chalicelib import bootstrap

    other = bootstrap.build(settings, clock=clock)  # another Lambda container, its own cache
    token = PARTNER.code("440100", issued_at=clock.now)
    assert other.federation.trusted_keys()[0].status == "active"

    load(client, admin, clock, version=2, entries=_entries(clock, status="revoked"))

    assert {k.status for k in other.federation.trusted_keys() if k.region == "440100"} == {
        "revoked"
    }
    with pytest.raises(healthcode.TokenError, match="revoked"):
        healthcode.verify(
            token, other.federation.trusted_keys(), now=clock.now, verifier=ed25519_verify
        )


def test_codes_signed_outside_the_keys_validity_are_refused(client, admin, checkpoint, clock):
    entries = _entries(
        clock, not_before=clock.now - timedelta(days=400), not_after=clock.now - timedelta(days=1)
    )
    load(client, admin, clock, entries=entries)

    result = verify(client, checkpoint, PARTNER.code("440100", issued_at=clock.now))

    assert (result["valid"], result["reason"]) == (False, "key_expired")


def test_an_expired_partner_code_is_expired(client, trusted, checkpoint, clock):
    token = PARTNER.code("440100", issued_at=clock.now - timedelta(minutes=10))

    assert verify(client, checkpoint, token)["reason"] == "expired"


def test_the_trust_list_entry_for_our_own_region_does_not_replace_our_keys(
    client, admin, checkpoint, clock
):
    """We are the authority for our own keys: a list naming our region changes nothing."""
    citizen = login(client, "own", phone="13812345678")
    post(client, "/v1/declarations", declaration(), citizen)
    token = body(get(client, "/v1/code", citizen))["token"]
    stranger = KeyPair.new()
    load(client, admin, clock, entries=[stranger.entry("610100", **window(clock.now))])

    assert verify(client, checkpoint, token)["valid"] is True
    forged = stranger.code("610100", issued_at=clock.now)
    assert verify(client, checkpoint, forged)["reason"] == "unknown_key"


def test_a_checkpoint_verifies_partner_codes_offline_from_the_saved_trust_list(
    client, trusted, clock
):
    from chalicelib.verify import verify_offline

    saved = body(get(client, "/v1/trust-list"))
    token = PARTNER.code("440100", issued_at=clock.now)

    plain = verify_offline(token, saved, now=clock.now)
    pinned = verify_offline(token, saved, now=clock.now, national_root=ROOT.public_b64)
    wrong_root = verify_offline(token, saved, now=clock.now, national_root=KeyPair.new().public_b64)
    tampered = json.loads(json.dumps(saved))
    tampered["signed"]["payload"]["keys"].append(
        {**tampered["keys"][0], "region": "310100", "kid": "abcd"}
    )

    assert (plain["valid"], plain["region"]) == (True, "440100")
    assert pinned["valid"] is True
    assert (wrong_root["valid"], wrong_root["reason"]) == (False, "untrusted_keys")
    assert verify_offline(token, tampered, now=clock.now)["reason"] == "untrusted_keys"


@pytest.mark.parametrize("form", ["separate", "joined"])
def test_the_offline_cli_takes_a_national_root_that_starts_with_a_dash(
    client, trusted, clock, tmp_path, capsys, form
):
    """One base64url key in 64 starts with "-", which argparse reads as an option: both
    ``--national-root KEY`` and ``--national-root=KEY`` must take it as the key."""
    from chalicelib.verify import main

    saved = tmp_path / "trust-list.json"
    saved.write_text(json.dumps(body(get(client, "/v1/trust-list"))))
    capsys.readouterr()  # what the request wrote (its metrics): only the CLI's answer below
    token = PARTNER.code("440100", issued_at=clock.now)
    wrong = KeyPair.seeded("not the national root", b64_first="-").public_b64
    assert ROOT.public_b64.startswith("-") and wrong.startswith("-")

    def run(root: str) -> tuple[int, dict]:
        flag = ["--national-root", root] if form == "separate" else [f"--national-root={root}"]
        code = main([token, "--keys", str(saved), *flag, "--now", clock.now.isoformat()])
        return code, json.loads(capsys.readouterr().out)

    code, answer = run(ROOT.public_b64)
    assert (code, answer["valid"], answer["region"]) == (0, True, "440100")
    code, answer = run(wrong)
    assert (code, answer["valid"], answer["reason"]) == (1, False, "untrusted_keys")


# --- way (b): conversion ---------------------------------------------------------------------


def test_a_partner_code_converts_into_ours_with_the_same_colour_and_is_recorded(
    client, trusted, checkpoint, clock
):
    visitor = login(client, "visitor")
    source = PARTNER.code("440100", issued_at=clock.now, colour=Colour.YELLOW, lifetime=20)

    response = post(client, "/v1/federation/convert", {"token": source}, visitor)

    assert response.status_code == 201, response.body
    converted = body(response)
    assert converted["colour"] == "yellow" and converted["region"] == "610100"
    assert converted["expires_at"] == "2026-11-20T02:05:00Z"  # ours, 5 min, is shorter
    assert converted["source"] == {
        "region": "440100",
        "issuer": "partner",
        "colour": "yellow",
        "expires_at": "2026-11-20T02:20:00Z",
    }
    claims = healthcode.parse(converted["token"]).claims
    assert (claims.region, claims.colour) == ("610100", Colour.YELLOW)
    assert claims.holder != healthcode.parse(source).claims.holder
    record = ConversionRecord.get(converted["conversion_id"])
    assert (record.source_region, record.colour) == ("440100", "yellow")
    assert record.source_holder == healthcode.parse(source).claims.holder
    assert record.converted_by and record.expires > record.converted_at

    scanned = verify(client, checkpoint, converted["token"])
    assert scanned["valid"] is True and scanned["colour"] == "yellow"
    assert (scanned["issuer"], scanned["converted_from"]) == ("local", "440100")


def test_the_converted_code_ends_when_the_source_code_does(client, trusted, clock):
    visitor = login(client, "visitor")
    source = NATIONAL.code("100000", issued_at=clock.now - timedelta(minutes=2), lifetime=5)

    converted = body(post(client, "/v1/federation/convert", {"token": source}, visitor))

    assert converted["source"]["issuer"] == "national"
    assert converted["expires_at"] == "2026-11-20T02:03:00Z"  # the source's expiry, not ours


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda clock: KeyPair.new().code("440100", issued_at=clock.now), "unknown_key"),
        (
            lambda clock: PARTNER.code("440100", issued_at=clock.now - timedelta(minutes=9)),
            "expired",
        ),
        (
            lambda clock: PARTNER.code(
                "440100", issued_at=clock.now - timedelta(seconds=250), lifetime=5
            ),
            "expires_too_soon",
        ),
        (lambda clock: "YM1:%%%", "malformed"),
    ],
)
def test_an_invalid_code_does_not_convert_and_nothing_is_recorded(
    client, trusted, clock, make, code
):
    visitor = login(client, "visitor")

    response = post(client, "/v1/federation/convert", {"token": make(clock)}, visitor)

    assert_error(response, 400, code=code, field="token")
    assert list(ConversionRecord.scan()) == []


def test_a_revoked_partner_code_does_not_convert(client, admin, clock, trusted):
    load(client, admin, clock, version=2, entries=_entries(clock, status="revoked"))
    token = PARTNER.code("440100", issued_at=clock.now)

    response = post(client, "/v1/federation/convert", {"token": token}, login(client, "v"))

    assert_error(response, 400, code="revoked_key", field="token")


def test_our_own_code_is_not_converted(client, trusted):
    citizen = login(client, "local", phone="13812345678")
    post(client, "/v1/declarations", declaration(), citizen)
    token = body(get(client, "/v1/code", citizen))["token"]

    response = post(client, "/v1/federation/convert", {"token": token}, citizen)

    assert_error(response, 400, code="local_code", field="token")
