"""Mutual recognition through the API, the trust list: loading one signed by the pinned
root, publishing our keys and the trusted ones, refusing what the root did not sign.

We are Xi'an (610100). The partner region is Guangzhou (440100); the national code is
region 100000. A test national root signs the trust lists; its public key is pinned in
the settings (tests/app/federation/conftest.py), as YIMA_NATIONAL_ROOT_KEYS pins the real one.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.federation import rules as federation
from chalicelib.kernel.signing import ed25519_verify
from chalicelib.officials.audit_store import AuditRecord
from tests.app.federation.world import ROOT, _entries, load, put
from tests.federation_helpers import KeyPair, trust_list, window
from tests.helpers import assert_error, body, get

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
