"""End to end over HTTP (issue 16): dependants, printed codes, the ID card at the gate,
and an identity dispute, against ``make run``'s server (scripts/devserver.py on free
ports, started by the ``server`` fixture of test_local_server.py)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from tests.e2e import test_local_server
from tests.e2e.test_local_server import _login
from tests.helpers import declaration, make_id_number

pytestmark = pytest.mark.e2e
server = test_local_server.server  # the same fixture: make run's server on free ports

GRANDPA_ID = make_id_number("11010119400101123")
VICTIM_ID = make_id_number("11010119800101125")


class Http:
    def __init__(self, base: str, token: str) -> None:
        self.base, self.headers = base, {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> requests.Response:
        return requests.get(self.base + path, headers=self.headers, timeout=10)

    def post(self, path: str, payload: Any) -> requests.Response:
        return requests.post(self.base + path, json=payload, headers=self.headers, timeout=10)


def _as(base: str, subject: str, **extra: Any) -> Http:
    return Http(base, _login(base, subject=subject, **extra)["token"])


def test_a_guardian_shows_and_prints_a_grandparents_code_and_the_gate_checks_him(server):
    base, _ = server
    guardian = _as(base, "e2e-guardian", phone="13700001111")
    assert guardian.post("/v1/declarations", declaration(phone="13700001111")).status_code in (
        201,
        409,  # a rerun against the same server: already declared
    )
    declared = guardian.post(
        "/v1/declarations",
        declaration(
            name="王老汉",
            id_number=GRANDPA_ID,
            phone="13700001111",
            dependant={"relation": "grandparent"},
        ),
    )
    assert declared.status_code == 201, declared.text
    grandpa = declared.json()["person"]

    people = guardian.get("/v1/people").json()["items"]
    code = guardian.get(f"/v1/code?person={grandpa}")
    printed = guardian.post(f"/v1/people/{grandpa}/printed-code", {"days": 30})

    assert [p["relation"] for p in people][-1] == "grandparent"
    assert code.status_code == 200 and code.json()["holder"]["name_masked"] == "王*汉"
    assert printed.status_code == 201, printed.text
    card = base64.b64decode(printed.json()["card"]["data_base64"])
    assert card.startswith(b"%PDF-") and b"%%EOF" in card[-8:]
    token = printed.json()["token"]

    gate = _as(base, "e2e-gate", role="checkpoint")
    by_id = gate.post("/v1/verify/id", {"id_number": GRANDPA_ID}).json()
    by_card = gate.post("/v1/verify", {"token": token}).json()
    unknown = gate.post("/v1/verify/id", {"id_number": make_id_number("11010119700101999")})

    assert by_id["valid"] and by_card["valid"] and by_card["kind"] == "printed"
    assert by_id["colour"] == by_card["colour"] == code.json()["colour"]
    assert by_id["holder"] == by_card["holder"] == code.json()["holder"]
    assert unknown.json()["valid"] is False and unknown.json()["reason"] == "unknown_person"

    # Two officials mark him confirmed: both checks show red at once.
    requester = _as(base, "e2e-official-a", role="official")
    approver = _as(base, "e2e-official-b", role="official")
    mark = requester.post(
        "/v1/admin/status",
        {"id_number": GRANDPA_ID, "status": "confirmed", "category": "case_report", "note": "医院"},
    )
    assert mark.status_code == 201, mark.text
    assert approver.post(f"/v1/admin/status/{mark.json()['id']}/approve", {}).status_code == 200

    assert gate.post("/v1/verify/id", {"id_number": GRANDPA_ID}).json()["colour"] == "red"
    assert gate.post("/v1/verify", {"token": token}).json()["colour"] == "red"
    assert guardian.get(f"/v1/code?person={grandpa}").json()["colour"] == "red"


def test_a_squatters_claim_is_reversed_and_the_victim_gets_a_code(server):
    base, _ = server
    squatter = _as(base, "e2e-squatter", phone="13700002222")
    stolen = declaration(name="李四", id_number=VICTIM_ID, phone="13700002222")
    assert squatter.post("/v1/declarations", stolen).status_code == 201
    victim = _as(base, "e2e-victim", phone="13700003333")

    claim = victim.post("/v1/declarations", {**stolen, "phone": "13700003333"})

    assert claim.status_code == 409 and claim.json()["error"]["code"] == "id_number_disputed"
    assert victim.post("/v1/me/appeals", {"reason": "身份证被冒用"}).status_code == 201
    reviewer = _as(base, "e2e-reviewer", role="reviewer")
    queue = reviewer.get("/v1/admin/disputes").json()["items"]
    (dispute,) = [d for d in queue if d["claimant"]["evidence"] == "身份证被冒用"]
    moved = reviewer.post(
        f"/v1/admin/disputes/{dispute['id']}", {"decision": "move", "note": "核验原件"}
    )

    assert moved.status_code == 200 and moved.json()["state"] == "moved"
    assert victim.get("/v1/code").json()["holder"]["name_masked"] == "李*"
    assert squatter.get("/v1/code").json()["error"]["code"] == "no_code"


def test_a_parent_with_an_account_is_asked_before_a_child_holds_her_code(server):
    base, _ = server
    mum_id = make_id_number("11010119550505128")
    mum_answers = {"name": "刘秀英", "id_number": mum_id, "phone": "13700004444"}
    mum = _as(base, "e2e-mum", phone="13700004444")
    assert mum.post("/v1/declarations", declaration(**mum_answers)).status_code in (201, 409)
    son = _as(base, "e2e-son", phone="13700005555")
    son.post("/v1/declarations", declaration(phone="13700005555"))

    asked = son.post(
        "/v1/declarations", declaration(**mum_answers, dependant={"relation": "parent"})
    )

    assert asked.status_code == 409 and asked.json()["error"]["code"] == "consent_required"
    (pending,) = [
        r for r in mum.get("/v1/me/care-requests").json()["items"] if r["state"] == "pending"
    ]
    assert (
        mum.post(f"/v1/me/care-requests/{pending['id']}", {"decision": "accept"}).json()["state"]
        == "accepted"
    )
    (parent,) = [p for p in son.get("/v1/people").json()["items"] if p["relation"] == "parent"]
    shown = son.get(f"/v1/code?person={parent['id']}").json()
    assert shown["holder"] == mum.get("/v1/code").json()["holder"]
