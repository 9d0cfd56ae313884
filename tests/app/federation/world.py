"""The federation tests' world: the test national root, the partner and national keys,
and helpers to load a trust list, verify at a checkpoint and send attestations.

We are Xi'an (610100). The partner region is Guangzhou (440100); the national code is
region 100000. A test national root signs the trust lists; its public key is pinned in
the settings (tests/app/federation/conftest.py), as YIMA_NATIONAL_ROOT_KEYS pins the real one.
"""

from __future__ import annotations

import json
from datetime import timedelta

from chalicelib.federation import rules as federation
from tests.federation_helpers import KeyPair, attestation_batch, trust_list, window
from tests.helpers import JSON, body, make_id_number, post

# The root's base64url starts with "-", as one key in 64 does: the offline verifier's
# --national-root must take it as a key (test_partner_codes), and it does in every run.
ROOT = KeyPair.seeded("yima test national root", b64_first="-")
PARTNER = KeyPair.new()
NATIONAL = KeyPair.new()
ID_NUMBER = make_id_number("61011319900101123")  # the one tests.helpers.declaration uses


def put(client, path, payload, token):
    headers = {**JSON, "Authorization": f"Bearer {token}"}
    return client.http.put(path, headers=headers, body=json.dumps(payload))


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


def verify(client, checkpoint, token, **extra):
    response = post(client, "/v1/verify", {"token": token, **extra}, checkpoint)
    assert response.status_code == 200, response.body
    return body(response)


def fed_hash(container, id_number=ID_NUMBER):
    return federation.federation_hash(container.federation.federation_key, id_number)


def send(client, partner, items, clock, **kwargs):
    batch = attestation_batch(PARTNER, "440100", items, issued_at=clock.now, **kwargs)
    return post(client, "/v1/federation/status", batch, partner)
