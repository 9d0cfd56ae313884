"""Mutual recognition through the API: the trust list, partner codes at our checkpoints
(way (c)), conversion into our code (way (b)) and partners' attestations (way (a)).

We are Xi'an (610100). The partner region is Guangzhou (440100); the national code is
region 100000. A test national root signs the trust lists; its public key is pinned in
the settings, as YIMA_NATIONAL_ROOT_KEYS pins the real one.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from chalicelib.codes import token as healthcode
from chalicelib.colours.model import Colour
from chalicelib.colours.store import ScanRecord
from chalicelib.federation import rules as federation
from chalicelib.federation.store import ConversionRecord, PartnerStatusRecord
from chalicelib.kernel.settings import Settings
from chalicelib.kernel.signing import ed25519_verify
from chalicelib.officials.audit_store import AuditRecord
from tests.conftest import TEST_ENV
from tests.federation_helpers import (
    KeyPair,
    attestation,
    attestation_batch,
    iso,
    trust_list,
    window,
)
from tests.helpers import JSON, assert_error, body, declaration, get, login, make_id_number, post

ROOT = KeyPair.new()
PARTNER = KeyPair.new()
NATIONAL = KeyPair.new()
ID_NUMBER = make_id_number("61011319900101123")  # the one tests.helpers.declaration uses


@pytest.fixture
def settings() -> Settings:
    return dataclasses.replace(
        Settings.from_mapping(TEST_ENV), national_root_keys=(ROOT.public_b64,)
    )


def put(client, path, payload, token):
    headers = {**JSON, "Authorization": f"Bearer {token}"}
    return client.http.put(path, headers=headers, body=json.dumps(payload))


@pytest.fixture
def admin(client):
    return login(client, "fed-admin", role="admin")


@pytest.fixture
def checkpoint(client):
    return login(client, "gate-3", role="checkpoint")


@pytest.fixture
def partner(client):
    return login(client, "440100", role="partner")


def _entries(clock, **partner_changes):
    return [
        PARTNER.entry("440100", **{**window(clock.now), **partner_changes}),
        NATIONAL.entry("100000", **window(clock.now)),
    ]


def load(client, admin, clock, *, version=1, entries=None, root=ROOT):
    document = trust_list(
        root,
        _entries(clock) if entries is None else entries,
        version=version,
        issued_at=clock.now - timedelta(minutes=5),
    )
    return put(client, "/v1/admin/trust-list", {"document": document}, admin)


@pytest.fixture
def trusted(client, admin, clock):
    response = load(client, admin, clock)
    assert response.status_code == 200, response.body
    return body(response)


def verify(client, checkpoint, token, **extra):
    response = post(client, "/v1/verify", {"token": token, **extra}, checkpoint)
    assert response.status_code == 200, response.body
    return body(response)


# --- the trust list -----------------------------------------------------------------------


def test_a_trust_list_signed_by_the_pinned_root_is_loaded_and_audited(trusted, client):
    assert trusted == {
        "state": "active",
        "version": 1,
        "issued_at": "2026-11-20T01:55:00Z",
        "keys": 2,
        "revoked": 0,
        "regions": ["100000", "440100"],
    }
    [event] = [e for e in AuditRecord.query("trust_list")]
    assert (event.action, event.after["version"], event.before) == (
        "trust_list_loaded",
        1,
        {"version": None},
    )


def test_the_published_list_carries_our_keys_and_the_trusted_ones_signed_by_us(
    client, trusted, container
):
    published = body(get(client, "/v1/trust-list"))

    assert published["region"] == "610100" and published["trust_list_version"] == 1
    sources = {(k["region"], k["source"]) for k in published["keys"]}
    assert sources == {("610100", "local"), ("440100", "trust_list"), ("100000", "trust_list")}
    # The signed copy verifies with our own published key, and the national list inside
    # verifies against the root: a checkpoint can check both before caching them.
    own = [k for k in container.codes.public_keys()]
    payload, _key = federation.verify_document(
        published["signed"],
        own,
        expected_type=federation.PUBLISHED_KEYS_TYPE,
        verifier=ed25519_verify,
    )
    assert payload["keys"] == published["keys"]
    national = federation.parse_trust_list(
        published["national"],
        federation.root_keys([ROOT.public_b64]),
        verifier=ed25519_verify,
        now=container.clock(),
    )
    assert national.version == 1


def test_before_any_list_only_our_keys_are_published(client):
    published = body(get(client, "/v1/trust-list"))

    assert {k["source"] for k in published["keys"]} == {"local"}
    assert published["national"] is None and published["trust_list_version"] is None


@pytest.mark.parametrize(
    ("root", "code", "field"),
    [
        (KeyPair.new(), "unknown_key", "document.signature.kid"),
        ("forged", "bad_signature", "document.signature"),
    ],
)
def test_a_list_the_root_did_not_sign_is_refused_and_changes_nothing(
    client, admin, clock, root, code, field
):
    if root == "forged":
        document = trust_list(ROOT, _entries(clock), version=1, issued_at=clock.now)
        document["payload"]["keys"].append(KeyPair.new().entry("310100", **window(clock.now)))
        response = put(client, "/v1/admin/trust-list", {"document": document}, admin)
    else:
        response = load(client, admin, clock, root=root)

    assert_error(response, 400, code=code, field=field)
    assert body(get(client, "/v1/trust-list"))["trust_list_version"] is None


def test_only_a_newer_version_replaces_the_list(client, admin, clock, trusted):
    same = load(client, admin, clock)  # the very same document (Ed25519 is deterministic)
    clock.now += timedelta(minutes=1)
    other = load(client, admin, clock, version=1)  # version 1 again, other content
    newer = load(client, admin, clock, version=2)

    assert body(same)["state"] == "unchanged"
    assert_error(other, 409, code="stale_trust_list", field="document.payload.version")
    assert body(newer)["state"] == "active" and body(newer)["version"] == 2
    # An old list, however genuine, can no longer bring back what version 2 says.
    assert_error(load(client, admin, clock, version=1), 409, code="stale_trust_list")
    assert body(get(client, "/v1/trust-list"))["trust_list_version"] == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"holder_name": "张三"}, "document.payload.keys[0].holder_name"),
        ({"kid": "beef"}, "document.payload.keys[0].kid"),
        ({"not_before": "2026-13-01T00:00:00Z"}, "document.payload.keys[0].not_before"),
    ],
)
def test_a_bad_entry_is_a_400_naming_it(client, admin, clock, change, field):
    entries = [{**_entries(clock)[0], **change}]

    assert_error(load(client, admin, clock, entries=entries), 400, field=field)


def test_without_a_pinned_root_no_list_can_be_loaded(client, admin, clock, container):
    container.federation.root_keys = ()

    assert_error(load(client, admin, clock), 503, code="trust_root_not_configured")


# --- way (c): partner and national codes at our checkpoints ------------------------------------


def test_a_partner_code_verifies_with_its_region_and_its_own_colour(
    client, trusted, checkpoint, clock
):
    token = PARTNER.code("440100", issued_at=clock.now, colour=Colour.YELLOW)

    result = verify(client, checkpoint, token, venue_id="610113-0042")

    assert result["valid"] is True
    assert (result["region"], result["issuer"]) == ("440100", "partner")
    assert result["colour"] == result["token_colour"] == "yellow"
    assert result["holder"] is None and result["converted_from"] is None
    [scan] = list(ScanRecord.scan())
    assert scan.person_id.startswith("ext:440100:") and scan.region_code is None


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


# --- way (a): partners' attestations ----------------------------------------------------------


def fed_hash(container, id_number=ID_NUMBER):
    return federation.federation_hash(container.federation.federation_key, id_number)


def send(client, partner, items, clock, **kwargs):
    batch = attestation_batch(PARTNER, "440100", items, issued_at=clock.now, **kwargs)
    return post(client, "/v1/federation/status", batch, partner)


def test_a_matched_person_gets_the_partners_red_until_its_end(
    client, trusted, partner, clock, container
):
    citizen = login(client, "traveller", phone="13812345678")
    assert body(post(client, "/v1/declarations", declaration(), citizen))["colour"] == "green"
    until = clock.now + timedelta(days=5)

    response = send(client, partner, [attestation(fed_hash(container), "red", until)], clock)

    assert response.status_code == 200, response.body
    assert body(response) | {"people_recoloured": 1} == {
        "batch_id": "b-1",
        "region": "440100",
        "accepted": 1,
        "stored": 1,
        "superseded": 0,
        "expired": 0,
        "matched": 1,
        "people_recoloured": 1,
        "people_queued": 0,
        "duplicate": False,
    }
    code = body(get(client, "/v1/code", citizen))
    assert code["colour"] == "red"
    [reason] = code["reasons"]
    assert reason["code"] == "partner_region_status" and reason["until"] == iso(until)
    assert "440100" in reason["text"]
    assert code["valid_until"] == iso(until)
    clock.now = until
    citizen = login(client, "traveller")
    assert body(get(client, "/v1/code", citizen))["colour"] == "green"


def test_an_attestation_for_someone_not_yet_here_waits_for_their_declaration(
    client, trusted, partner, clock, container
):
    until = clock.now + timedelta(days=3)
    sent = body(send(client, partner, [attestation(fed_hash(container), "yellow", until)], clock))
    assert (sent["stored"], sent["matched"]) == (1, 0)

    citizen = login(client, "arrival", phone="13812345678")
    declared = body(post(client, "/v1/declarations", declaration(), citizen))

    assert declared["colour"] == "yellow"
    assert [r["code"] for r in declared["reasons"]] == ["partner_region_status"]


def test_a_partners_word_never_hides_a_local_red(client, trusted, partner, clock, container):
    citizen = login(client, "back-from-abroad", phone="13812345678")
    post(client, "/v1/declarations", declaration(abroad_14d=True), citizen)

    send(
        client,
        partner,
        [attestation(fed_hash(container), "green", clock.now + timedelta(days=1), ())],
        clock,
    )

    code = body(get(client, "/v1/code", citizen))
    assert code["colour"] == "red" and [r["code"] for r in code["reasons"]] == ["abroad_14d"]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"name": "张小三"}, "payload.attestations[0].name"),
        ({"phone": "13812345678"}, "payload.attestations[0].phone"),
        ({"id_number": ID_NUMBER}, "payload.attestations[0].id_number"),
        ({"subject": ID_NUMBER}, "payload.attestations[0].subject"),
        ({"reasons": ["met 张小三"]}, "payload.attestations[0].reasons[0]"),
    ],
)
def test_personal_data_in_an_attestation_is_refused_and_nothing_stored(
    client, trusted, partner, clock, container, item, field
):
    bad = attestation(fed_hash(container), "red", clock.now + timedelta(days=1)) | item

    assert_error(send(client, partner, [bad], clock), 400, field=field)
    assert list(PartnerStatusRecord.scan()) == []


def test_the_batch_signature_is_checked(client, trusted, partner, clock, container):
    items = [attestation(fed_hash(container), "red", clock.now + timedelta(days=1))]
    tampered = attestation_batch(PARTNER, "440100", items, issued_at=clock.now)
    tampered["payload"]["attestations"][0]["colour"] = "yellow"
    stranger = attestation_batch(KeyPair.new(), "440100", items, issued_at=clock.now)
    other_region = attestation_batch(PARTNER, "310100", items, issued_at=clock.now)

    assert_error(
        post(client, "/v1/federation/status", tampered, partner),
        400,
        code="bad_signature",
        field="signature",
    )
    for batch in (stranger, other_region):
        assert_error(
            post(client, "/v1/federation/status", batch, partner),
            400,
            code="unknown_key",
            field="signature.kid",
        )
    assert list(PartnerStatusRecord.scan()) == []


def test_a_batch_is_taken_once_and_an_older_word_never_replaces_a_newer_one(
    client, trusted, partner, clock, container
):
    citizen = login(client, "t", phone="13812345678")
    post(client, "/v1/declarations", declaration(), citizen)
    subject = fed_hash(container)
    red = [attestation(subject, "red", clock.now + timedelta(days=5))]
    first = body(send(client, partner, red, clock, batch_id="old"))
    again = body(send(client, partner, red, clock, batch_id="old"))
    clock.now += timedelta(hours=1)
    green = [attestation(subject, "green", clock.now + timedelta(days=5), ())]
    newer = body(send(client, partner, green, clock, batch_id="new"))
    replay = attestation_batch(
        PARTNER, "440100", red, issued_at=clock.now - timedelta(hours=1), batch_id="old-again"
    )
    stale = body(post(client, "/v1/federation/status", replay, partner))
    reused = send(client, partner, green, clock, batch_id="old")

    assert (first["stored"], again["duplicate"]) == (1, True)
    assert newer["stored"] == 1 and (stale["stored"], stale["superseded"]) == (0, 1)
    assert_error(reused, 409, code="batch_id_reused", field="payload.batch_id")
    assert body(get(client, "/v1/code", citizen))["colour"] == "green"


def test_without_a_federation_key_attestations_are_refused(
    client, trusted, partner, clock, container
):
    container.federation.federation_key = None
    items = [attestation("ab" * 32, "red", clock.now + timedelta(days=1))]

    assert_error(send(client, partner, items, clock), 503, code="federation_not_configured")


def test_only_a_partner_posts_attestations(client, trusted, clock):
    items = [attestation("ab" * 32, "red", clock.now + timedelta(days=1))]
    batch = attestation_batch(PARTNER, "440100", items, issued_at=clock.now)

    for role in ("citizen", "checkpoint", "official", "admin", "carrier"):
        response = post(client, "/v1/federation/status", batch, login(client, f"r-{role}", role))
        assert_error(response, 403, code="wrong_role")


# --- hostile input: a clear 400, never a 500 ----------------------------------------------


def _hostile_batch(clock, change):
    batch = attestation_batch(
        PARTNER,
        "440100",
        [attestation("ab" * 32, "red", clock.now + timedelta(days=1))],
        issued_at=clock.now,
    )
    change(batch)
    return batch


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["signature"].update(kid="abc"), "signature.kid"),
        (lambda b: b["signature"].update(value="!" * 86), "signature.value"),
        (lambda b: b["signature"].update(value="é" * 86), "signature.value"),
        (lambda b: b["payload"].update(issued_at="0001-01-01T00:00:00+14:00"), None),
        (lambda b: b["payload"].update(issued_at="2026-11-20"), None),
        (
            lambda b: b["payload"]["attestations"][0].update(
                valid_until="9999-12-31T23:59:59-14:00"
            ),
            None,
        ),
        (lambda b: b["payload"].update(attestations=[{}] * 501), "payload.attestations"),
        (lambda b: b.update(payload="x"), "payload"),
    ],
)
def test_hostile_batches_are_400(client, trusted, partner, clock, change, field):
    response = post(client, "/v1/federation/status", _hostile_batch(clock, change), partner)

    error = assert_error(response, 400)
    if field is not None:
        assert error["field"] == field


@pytest.mark.parametrize(
    ("change", "field", "resign"),
    [
        (lambda d: d["payload"].update(version=1.0), "document.payload.version", False),
        (lambda d: d["payload"].update(version=2**60), "document.payload.version", True),
        (lambda d: d["payload"].update(issued_at="0001-01-01T00:00:00+14:00"), None, True),
        (
            lambda d: d["payload"]["keys"][0].update(not_after="9999-12-31T23:59:59-14:00"),
            None,
            True,
        ),
        (
            lambda d: d["payload"].update(type="yima.partner-status.v1"),
            "document.payload.type",
            True,
        ),
        (lambda d: d["signature"].update(kid="a"), "document.signature.kid", False),
    ],
)
def test_hostile_trust_lists_are_400(client, admin, clock, change, field, resign):
    """Signed by the root itself where ``resign``: the checks behind the signature hold."""
    document = trust_list(ROOT, _entries(clock), version=1, issued_at=clock.now)
    change(document)
    if resign:
        document = federation.sign_document(document["payload"], kid=ROOT.kid, sign=ROOT.sign)

    response = put(client, "/v1/admin/trust-list", {"document": document}, admin)

    error = assert_error(response, 400)
    if field is not None:
        assert error["field"] == field
    assert body(get(client, "/v1/trust-list"))["trust_list_version"] is None


def test_a_lone_surrogate_in_a_token_to_convert_is_400(client, trusted):
    response = post(
        client,
        "/v1/federation/convert",
        b'{"token": "YM1:\\ud800"}',
        login(client, "surrogate"),
    )

    assert_error(response, 400)


def test_the_largest_trust_list_the_schema_allows_fits_the_body_limit_and_one_item(
    client, admin, clock
):
    entries = [KeyPair.new().entry("440100", **window(clock.now)) for _ in range(1000)]

    response = load(client, admin, clock, entries=entries)

    assert response.status_code == 200, response.body
    assert body(response)["keys"] == 1000
