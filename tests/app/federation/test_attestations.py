"""Mutual recognition through the API, partners' attestations (way (a)): a partner's
word about a person colours them, never hiding a local red, signed and taken once.

We are Xi'an (610100). The partner region is Guangzhou (440100); the national code is
region 100000. A test national root signs the trust lists; its public key is pinned in
the settings (tests/app/federation/conftest.py), as YIMA_NATIONAL_ROOT_KEYS pins the real one.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.federation.store import PartnerStatusRecord
from tests.app.federation.world import ID_NUMBER, PARTNER, fed_hash, send
from tests.federation_helpers import KeyPair, attestation, attestation_batch, iso
from tests.helpers import assert_error, body, declaration, get, login, post

# --- way (a): partners' attestations ----------------------------------------------------------


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
    assert "广州市" in reason["text"] and "440100" in reason["text_en"]
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
