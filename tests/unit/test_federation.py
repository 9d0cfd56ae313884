"""Mutual recognition, the pure parts: signed documents, the trust list, partner codes
checked against it, attestation batches, and the partner_region_status rule."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.codes import token as healthcode
from chalicelib.codes.token import issuer_kind
from chalicelib.colours.model import Colour, DeclarationFacts, Facts, PartnerStatus
from chalicelib.colours.rules import assess
from chalicelib.colours.table import Policy
from chalicelib.federation import rules as federation
from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.signing import ed25519_verify
from tests.federation_helpers import (
    KeyPair,
    attestation,
    attestation_batch,
    iso,
    trust_list,
    window,
)

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ROOT = KeyPair.new()
PARTNER = KeyPair.new()  # Guangzhou, 440100
NATIONAL = KeyPair.new()  # the national code, 100000
ROOTS = federation.root_keys([ROOT.public_b64])
SUBJECT = "ab" * 32


def _list(entries=None, *, version=1, root=ROOT, issued_at=NOW - timedelta(hours=1)):
    if entries is None:
        entries = [
            PARTNER.entry("440100", **window(NOW)),
            NATIONAL.entry("100000", **window(NOW)),
        ]
    return trust_list(root, entries, version=version, issued_at=issued_at)


def _parse(document):
    return federation.parse_trust_list(document, ROOTS, verifier=ed25519_verify, now=NOW)


def _error(call, *args, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    return caught.value


# --- the signed-document primitive ------------------------------------------------------


def test_canonical_json_sorts_keys_and_keeps_unicode():
    assert federation.canonical_json({"b": 1, "a": ["张", True, None]}) == (
        '{"a":["张",true,null],"b":1}'.encode()
    )


def test_canonical_json_refuses_floats_naming_the_field():
    assert _error(federation.canonical_json, {"keys": [{"n": 1.5}]}).field == "payload.keys[0].n"


def test_a_document_signed_for_one_purpose_is_refused_as_another():
    batch = attestation_batch(PARTNER, "440100", [], issued_at=NOW)

    error = _error(
        federation.verify_document,
        batch,
        [federation.root_keys([PARTNER.public_b64])[0]],
        expected_type=federation.TRUST_LIST_TYPE,
        verifier=ed25519_verify,
        field="document",
    )

    assert (error.code, error.field) == ("wrong_document_type", "document.payload.type")


# --- the trust list -------------------------------------------------------------------


def test_a_trust_list_signed_by_the_pinned_root_loads_every_key():
    loaded = _parse(_list())

    assert loaded.version == 1
    assert loaded.regions == ("100000", "440100")
    [key] = loaded.for_region("440100")
    assert (key.kid, key.key, key.status) == (PARTNER.kid, PARTNER.public, "active")
    assert key.not_before == NOW - timedelta(days=30)


def test_a_list_signed_by_another_root_is_an_unknown_key():
    error = _error(_parse, _list(root=KeyPair.new()))

    assert (error.code, error.field) == ("unknown_key", "document.signature.kid")


def test_a_list_changed_after_signing_has_a_bad_signature():
    document = _list()
    document["payload"]["keys"][0]["status"] = "active"
    document["payload"]["keys"].append(KeyPair.new().entry("310100", **window(NOW)))

    error = _error(_parse, document)

    assert (error.code, error.field) == ("bad_signature", "document.signature")


def test_a_forged_signature_under_the_roots_kid_is_a_bad_signature():
    forger = KeyPair.new()
    document = _list(root=forger)
    document["signature"]["kid"] = ROOT.kid.hex()

    assert _error(_parse, document).code == "bad_signature"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda e: e.update(kid="0000"), "document.payload.keys[0].kid"),
        (lambda e: e.update(public_key="AAAA"), "document.payload.keys[0].public_key"),
        (lambda e: e.update(region="4401"), "document.payload.keys[0].region"),
        (lambda e: e.update(status="suspended"), "document.payload.keys[0].status"),
        (lambda e: e.update(not_after=e["not_before"]), "document.payload.keys[0].not_after"),
        (lambda e: e.update(not_before="yesterday"), "document.payload.keys[0].not_before"),
        (lambda e: e.update(owner="张三"), "document.payload.keys[0].owner"),
        (lambda e: e.pop("status"), "document.payload.keys[0].status"),
    ],
)
def test_a_bad_entry_is_named_by_its_field(change, field):
    entry = PARTNER.entry("440100", **window(NOW))
    change(entry)

    assert _error(_parse, _list([entry])).field == field


def test_a_key_listed_twice_and_a_list_from_the_future_are_refused():
    entry = PARTNER.entry("440100", **window(NOW))

    assert _error(_parse, _list([entry, entry])).field == "document.payload.keys[1]"
    future = _list(issued_at=NOW + timedelta(hours=1))
    assert _error(_parse, future).field == "document.payload.issued_at"


def test_a_stored_list_reads_back_without_its_root():
    document = _list()

    assert federation.load_trust_list(document).keys == _parse(document).keys


# --- partner codes against the trust list ----------------------------------------------


def _verify(token, entries, *, now=NOW + timedelta(minutes=1)):
    keys = _parse(_list(entries)).keys
    return healthcode.verify(token, keys, now=now, verifier=ed25519_verify)


def _reason(token, entries, **kwargs):
    with pytest.raises(healthcode.TokenError) as caught:
        _verify(token, entries, **kwargs)
    return caught.value.reason


def test_a_code_signed_by_a_trusted_partner_key_verifies_with_its_region():
    token = PARTNER.code("440100", issued_at=NOW, colour=Colour.YELLOW)

    verified = _verify(token, [PARTNER.entry("440100", **window(NOW))])

    assert (verified.claims.region, verified.claims.colour) == ("440100", Colour.YELLOW)
    assert issuer_kind(verified.claims.region, "610100") == "partner"
    assert issuer_kind("100000", "610100") == "national"


def test_a_code_of_a_key_not_on_the_list_is_an_unknown_key():
    token = KeyPair.new().code("440100", issued_at=NOW)

    assert _reason(token, [PARTNER.entry("440100", **window(NOW))]) == "unknown_key"


def test_a_revoked_key_stops_verifying_even_for_codes_it_signed_before():
    token = PARTNER.code("440100", issued_at=NOW)

    revoked = PARTNER.entry("440100", **window(NOW), status="revoked")

    assert _reason(token, [revoked]) == "revoked_key"


def test_a_code_signed_after_the_key_expired_or_before_it_was_valid_is_refused():
    expired = PARTNER.entry(
        "440100", not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=1)
    )
    early = PARTNER.entry(
        "440100", not_before=NOW + timedelta(days=1), not_after=NOW + timedelta(days=400)
    )
    token = PARTNER.code("440100", issued_at=NOW)

    assert _reason(token, [expired]) == "key_expired"
    assert _reason(token, [early]) == "key_not_yet_valid"


def test_a_partner_key_cannot_sign_for_another_region():
    token = PARTNER.code("310100", issued_at=NOW)

    assert _reason(token, [PARTNER.entry("440100", **window(NOW))]) == "bad_signature"


def test_an_expired_partner_code_is_expired():
    token = PARTNER.code("440100", issued_at=NOW)

    reason = _reason(token, [PARTNER.entry("440100", **window(NOW))], now=NOW + timedelta(hours=1))

    assert reason == "expired"


# --- attestation batches ----------------------------------------------------------------


def _trusted(status="active"):
    return _parse(_list([PARTNER.entry("440100", **window(NOW), status=status)])).keys


def _batch(items=None, *, key=PARTNER, region="440100", issued_at=NOW):
    if items is None:
        items = [attestation(SUBJECT, "red", NOW + timedelta(days=7))]
    return attestation_batch(key, region, items, issued_at=issued_at)


def _attest(document, trusted=None):
    return federation.parse_attestations(
        document, _trusted() if trusted is None else trusted, verifier=ed25519_verify, now=NOW
    )


def test_a_signed_batch_yields_statuses_attested_at_its_issue():
    batch = _attest(_batch())

    [item] = batch.attestations
    assert (batch.region, batch.key.kid) == ("440100", PARTNER.kid)
    assert item.subject == SUBJECT
    assert item.status == PartnerStatus(
        region="440100",
        colour=Colour.RED,
        valid_until=NOW + timedelta(days=7),
        attested_at=NOW,
        reasons=("status_close_contact",),
    )


@pytest.mark.parametrize(
    ("make", "code", "field"),
    [
        (lambda: _batch(key=KeyPair.new()), "unknown_key", "signature.kid"),
        (lambda: _batch(region="310100"), "unknown_key", "signature.kid"),
        (lambda: _tampered(), "bad_signature", "signature"),
        (lambda: _batch(issued_at=NOW - timedelta(days=2)), "stale_batch", "payload.issued_at"),
        (lambda: _batch(issued_at=NOW + timedelta(hours=1)), "invalid_input", "payload.issued_at"),
    ],
)
def test_a_batch_that_is_not_the_partners_own_and_fresh_is_refused(make, code, field):
    error = _error(_attest, make())

    assert (error.code, error.field) == (code, field)


def _tampered():
    document = _batch()
    document["payload"]["attestations"][0]["colour"] = "green"
    return document


def test_a_batch_signed_with_a_revoked_key_is_refused():
    error = _error(_attest, _batch(), _trusted(status="revoked"))

    assert (error.code, error.field) == ("revoked_key", "signature.kid")


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"subject": "110101199003077777"}, "payload.attestations[0].subject"),
        ({"colour": "pending"}, "payload.attestations[0].colour"),
        ({"reasons": ["contact with 张三 on bus K101"]}, "payload.attestations[0].reasons[0]"),
        (
            {"valid_until": iso(NOW + timedelta(days=31))},
            "payload.attestations[0].valid_until",
        ),
    ],
)
def test_an_attestation_is_a_hash_a_colour_codes_and_an_end_and_nothing_else(item, field):
    bad = attestation(SUBJECT, "red", NOW + timedelta(days=7)) | item

    assert _error(_attest, _batch([bad])).field == field


def test_ended_attestations_are_skipped_and_a_subject_twice_is_refused():
    ended = attestation("cd" * 32, "red", NOW - timedelta(minutes=1))
    batch = _attest(_batch([attestation(SUBJECT, "yellow", NOW + timedelta(days=1)), ended]))

    assert (len(batch.attestations), batch.skipped_expired) == (1, 1)
    twice = [attestation(SUBJECT, "red", NOW + timedelta(days=1))] * 2
    assert _error(_attest, _batch(twice)).field == "payload.attestations[1].subject"


def test_the_federation_hash_normalises_the_id_number():
    key = b"k" * 32

    assert federation.federation_hash(key, "11010119900307123x") == (
        federation.federation_hash(key, " 11010119900307123X ")
    )
    assert federation.federation_hash(key, "11010119900307123X") != (
        federation.federation_hash(b"j" * 32, "11010119900307123X")
    )


# --- the partner_region_status rule -----------------------------------------------------


def _status(colour, *, until=NOW + timedelta(days=7), region="440100"):
    return PartnerStatus(
        region=region,
        colour=colour,
        valid_until=until,
        attested_at=NOW - timedelta(hours=1),
        reasons=("status_close_contact",),
    )


DECLARED = DeclarationFacts(declared_at=NOW - timedelta(days=1), status="approved")


def test_a_partners_red_is_red_until_its_valid_until():
    a = assess(Facts(declaration=DECLARED, partner_statuses=(_status(Colour.RED),)), Policy(), NOW)

    assert a.colour is Colour.RED
    [reason] = a.reasons
    assert reason.code == "partner_region_status" and reason.until == NOW + timedelta(days=7)
    assert "440100" in reason.text_en and "status_close_contact" in reason.text_en
    assert a.valid_until == NOW + timedelta(days=7)
    later = assess(
        Facts(declaration=DECLARED, partner_statuses=(_status(Colour.RED),)),
        Policy(),
        NOW + timedelta(days=7),
    )
    assert later.colour is Colour.GREEN and later.reasons == ()


def test_a_partners_yellow_is_yellow_and_green_adds_no_reason():
    yellow = assess(
        Facts(declaration=DECLARED, partner_statuses=(_status(Colour.YELLOW),)), Policy(), NOW
    )
    green = assess(
        Facts(declaration=DECLARED, partner_statuses=(_status(Colour.GREEN),)), Policy(), NOW
    )

    assert yellow.colour is Colour.YELLOW
    assert [r.code for r in yellow.reasons] == ["partner_region_status"]
    assert (green.colour, green.reasons) == (Colour.GREEN, ())


def test_a_partners_green_never_hides_a_local_red():
    abroad = DeclarationFacts(
        declared_at=NOW - timedelta(days=1), status="approved", abroad_14d=True
    )

    a = assess(Facts(declaration=abroad, partner_statuses=(_status(Colour.GREEN),)), Policy(), NOW)

    assert a.colour is Colour.RED
    assert [r.code for r in a.reasons] == ["abroad_14d"]


def test_statuses_attested_after_the_moment_assessed_do_not_count():
    status = _status(Colour.RED)
    replay = NOW - timedelta(hours=2)

    a = assess(Facts(declaration=DECLARED, partner_statuses=(status,)), Policy(), replay)

    assert a.colour is Colour.GREEN


def test_trust_list_documents_are_not_mutated_by_parsing():
    document = _list()
    before = copy.deepcopy(document)

    _parse(document)

    assert document == before
