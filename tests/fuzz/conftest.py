"""One populated world for the API fuzz: built once per module, emptied afterwards.

The fuzz sends thousands of requests; building the app, the tables and the
people anew for each of them (the ``client`` fixture's way) would cost more
than the requests. Here one container, one ``chalice.test.Client`` and one
set of records serve the whole module: a citizen with a bound phone, a
declaration, an open appeal and an itinerary; a second citizen whose
declaration waits for a reviewer; a pending status mark; an active risk
snapshot; a trust list signed by a pinned national root, with a partner
region and the national code; and a session token for every role. Every example runs against
whatever state the examples before it left, which is the point: no state a
client can reach may turn an input into a 500.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from chalicelib.kernel.roles import Role
from chalicelib.people.rules import care_link_id
from tests.conftest import TEST_ENV, Clock, _empty_tables
from tests.federation_helpers import KeyPair, trust_list, window
from tests.helpers import body, declaration, login, make_id_number, post


@dataclass(frozen=True)
class FederationKeys:
    """Mutual recognition's signers: the national root, a partner region, the national code."""

    root: KeyPair = field(default_factory=KeyPair.new)
    partner: KeyPair = field(default_factory=KeyPair.new)  # Guangzhou, 440100
    national: KeyPair = field(default_factory=KeyPair.new)  # the national code, 100000

    def entries(self, now: datetime) -> list[dict[str, Any]]:
        return [
            self.partner.entry("440100", **window(now)),
            self.national.entry("100000", **window(now)),
        ]


KEYS = FederationKeys()
OWNER_ID = make_id_number("61011319900101123")  # what tests.helpers.declaration() declares
OWNER_PHONE = "13812345678"


@dataclass
class World:
    client: Any
    clock: Clock
    tokens: dict[Role, str]
    # Real ids, so that some examples reach past "not found" into the handlers.
    ids: dict[str, str] = field(default_factory=dict)
    code_token: str = ""  # the owner's health code, for the checkpoint to scan
    id_number: str = OWNER_ID  # the owner's, which their declarations must repeat
    phone: str = OWNER_PHONE
    subjects: list[str] = field(default_factory=list)  # audited people and marks
    keys: FederationKeys = KEYS
    venue_token: str = ""  # a registered café's poster token (issue 17)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.body
    return dict(json.loads(response.body))


@pytest.fixture(scope="module")
def world(_moto: None) -> Iterator[World]:
    import boto3
    from chalice.test import Client

    from app import app
    from chalicelib import bootstrap
    from chalicelib.kernel.settings import Settings

    secrets = boto3.client("secretsmanager", region_name=TEST_ENV["AWS_REGION"])
    original = secrets.get_secret_value(SecretId=TEST_ENV["YIMA_SECRET_ID"])["SecretString"]
    clock = Clock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    # The national root that signs trust lists is pinned, as YIMA_NATIONAL_ROOT_KEYS does.
    settings = dataclasses.replace(
        Settings.from_mapping(TEST_ENV), national_root_keys=(KEYS.root.public_b64,)
    )
    bootstrap.set_container(bootstrap.build(settings, clock=clock))
    try:
        with Client(app) as client, _channels(clock):
            yield _populate(client, clock)
    finally:
        bootstrap.set_container(None)
        _empty_tables()
        secrets.put_secret_value(SecretId=TEST_ENV["YIMA_SECRET_ID"], SecretString=original)


@contextmanager
def _channels(clock: Clock) -> Iterator[None]:
    """WeChat and Alipay configured and answering (their HTTP intercepted, as in
    tests/app/test_channels.py): any code logs in, so a 503 is never legitimate here."""
    import responses

    from chalicelib import bootstrap
    from chalicelib.identity.alipay import AlipayGateway
    from chalicelib.identity.wechat import DynamoTokenStorage, WeChatGateway
    from tests.app import channel_standins as channels

    container = bootstrap.get_container()
    wechat = WeChatGateway(channels.APPID, "wechat-app-secret", storage=DynamoTokenStorage(clock))
    container.auth.wechat = lambda: wechat
    app_key, alipay_key = channels._keypair(), channels._keypair()
    gateway = AlipayGateway(
        "2021000000000001",
        app_key[1],
        alipay_key[2],
        os.urandom(16),
        clock=clock,
        transport=channels.AlipayStandIn(alipay_key[0], app_key[0].public_key()),
    )
    container.auth.alipay = lambda: gateway

    def session(request: Any) -> tuple[int, dict[str, str], str]:
        code = parse_qs(urlparse(request.url).query).get("js_code", [""])[0]
        openid = "o" + hashlib.sha256(code.encode()).hexdigest()[:20]
        reply = {"openid": openid, "session_key": channels.SESSION_KEY}
        return 200, {}, json.dumps(reply)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(channels.TOKEN_URL, json={"access_token": "ACCESS-1", "expires_in": 7200})
        mock.add_callback(responses.GET, channels.SESSION_URL, callback=session)
        yield


def _populate(client: Any, clock: Clock) -> World:
    tokens = {role: login(client, f"fuzz-{role.value}", role=role.value) for role in Role}
    tokens[Role.PARTNER] = login(client, "440100", role="partner")  # a partner is its region
    trusted = trust_list(
        KEYS.root, KEYS.entries(clock.now), version=1, issued_at=clock.now - timedelta(minutes=5)
    )
    _ok(
        client.http.put(
            "/v1/admin/trust-list",
            headers={"Content-Type": "application/json", **_auth(tokens[Role.ADMIN])},
            body=json.dumps({"document": trusted}),
        )
    )
    # The citizen whose token the fuzz uses owns a phone, a code, an appeal and stays.
    owner = login(client, "fuzz-citizen", phone=OWNER_PHONE)
    tokens[Role.CITIZEN] = owner
    _ok(post(client, "/v1/declarations", declaration(symptoms=["cough"]), owner), 201)
    appeal = _ok(post(client, "/v1/me/appeals", {"reason": "过敏"}, owner), 201)
    other = login(client, "fuzz-other", phone="13912345678")
    pending = _ok(
        post(
            client,
            "/v1/declarations",
            declaration(
                phone="13912345678",
                id_number=make_id_number("61011319900101456"),
                contact_with_confirmed=True,
            ),
            other,
        ),
        201,
    )
    official = tokens[Role.OFFICIAL]
    contact = (clock.now + timedelta(hours=8)).date() - timedelta(days=2)
    mark = _ok(
        post(
            client,
            "/v1/admin/status",
            {
                "id_number": make_id_number("61011319900101456"),
                "status": "close_contact",
                "category": "contact_tracing",
                "note": "同一航班",
                "contact_date": contact.isoformat(),
            },
            official,
        ),
        201,
    )
    feed = {
        "feed_id": "fuzz-1",
        "published_at": "2026-11-20T09:00:00+08:00",
        "areas": [
            {
                "region_code": "610113",
                "area": "电子城街道",
                "level": "medium",
                "since": "2026-11-15T00:00:00+08:00",
            }
        ],
    }
    _ok(post(client, "/v1/feeds/risk-areas", feed, official))
    stays = [
        {
            "phone": "13812345678",
            "kind": kind,
            "place": place,
            "entered_at": "2026-11-17T08:00:00+08:00",
            "left_at": "2026-11-17T14:30:00+08:00",
        }
        for kind, place in (("city", "610100"), ("country", "JP"))
    ]
    batch = {"batch_id": "fuzz-batch-1", "stays": stays}
    _ok(post(client, "/v1/feeds/carrier", batch, tokens[Role.CARRIER]))
    cafe = {
        "name": "咖啡馆",
        "address": "雁塔路1号",
        "region_code": "610113",
        "lat": 34.2,
        "lng": 108.9,
        "kind": "restaurant",
    }
    venue = _ok(post(client, "/v1/admin/venues", cafe, official), 201)
    _ok(post(client, "/v1/checkins", {"venue_token": venue["token"]}, owner), 201)
    # The checkpoint account is posted at the venue (its scans happen there: issue 29).
    gate_id = _ok(
        post(client, "/v1/auth/dev", {"subject": "fuzz-checkpoint", "role": "checkpoint"})
    )
    posted = {"user_id": gate_id["user"]["id"], "venue_id": venue["id"]}
    assignment = _ok(post(client, "/v1/admin/assignments", posted, official), 201)
    # A dependant the owner cares for, with a printed code; and an identity dispute.
    grandpa = _ok(
        post(
            client,
            "/v1/declarations",
            declaration(
                name="王老汉",
                id_number=make_id_number("11010119400101123"),
                dependant={"relation": "grandparent"},
            ),
            owner,
        ),
        201,
    )
    _ok(post(client, f"/v1/people/{grandpa['person']}/printed-code", {}, owner), 201)
    claimant = login(client, "fuzz-claimant", phone="13712345678")
    claim = declaration(phone="13712345678", id_number=make_id_number("61011319900101456"))
    assert post(client, "/v1/declarations", claim, claimant).status_code == 409
    disputes = client.http.get(
        "/v1/admin/disputes", headers={"Authorization": f"Bearer {tokens[Role.REVIEWER]}"}
    )
    # Another account asks to care for the owner, who has an account: a care request.
    asked = post(client, "/v1/declarations", declaration(dependant={"relation": "child"}), other)
    assert asked.status_code == 409, asked.body
    requests = client.http.get("/v1/me/care-requests", headers={"Authorization": f"Bearer {owner}"})
    code = _ok(client.http.get("/v1/code", headers={"Authorization": f"Bearer {owner}"}))
    # The id a link from the asker to the owner's person would have (GET /v1/me/carers).
    asker = _ok(client.http.get("/v1/me", headers={"Authorization": f"Bearer {other}"}))
    owners = _ok(client.http.get("/v1/people", headers={"Authorization": f"Bearer {owner}"}))
    link_id = care_link_id(str(owners["items"][0]["id"]), str(asker["id"]))
    day = (clock.now + timedelta(hours=8)).date().isoformat()
    audit = client.http.get(
        f"/v1/admin/audit?day={day}", headers={"Authorization": f"Bearer {tokens[Role.ADMIN]}"}
    )
    subjects = sorted({str(e["subject"]) for e in _ok(audit)["items"]})
    ids = {
        "declaration_id": str(pending["id"]),
        "appeal_id": str(appeal["id"]),
        "mark_id": str(mark["id"]),
        "feed_id": "fuzz-1",
        "code": "610113",
        "venue_id": str(venue["id"]),
        "assignment_id": str(assignment["id"]),
        "person_id": str(grandpa["person"]),
        "dispute_id": str(_ok(disputes)["items"][0]["id"]),
        "request_id": str(_ok(requests)["items"][0]["id"]),
        "link_id": link_id,
        "name": "scanner.js",  # a page's file (GET /v1/pages/{name})
    }
    return World(
        client=client,
        clock=clock,
        tokens=tokens,
        ids=ids,
        code_token=str(code["token"]),
        subjects=subjects or ["nobody"],
        venue_token=str(venue["token"]),
    )


def document(world: World) -> dict[str, Any]:
    response = world.client.http.get("/v1/openapi.json")
    return dict(body(response))
