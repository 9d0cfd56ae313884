"""Mutual recognition through the API, hostile input: attestation batches, trust lists
and tokens to convert that are malformed are a clear 400, never a 500.

We are Xi'an (610100). The partner region is Guangzhou (440100); the national code is
region 100000. A test national root signs the trust lists; its public key is pinned in
the settings (tests/app/federation/conftest.py), as YIMA_NATIONAL_ROOT_KEYS pins the real one.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.federation import rules as federation
from tests.app.federation.world import PARTNER, ROOT, _entries, load, put
from tests.federation_helpers import KeyPair, attestation, attestation_batch, trust_list, window
from tests.helpers import assert_error, body, get, login, post

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
