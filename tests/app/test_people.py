"""Dependants, printed codes, the ID card at the gate, and identity disputes (issue 16).

Given / When / Then on moto through chalice.test.Client. The ownership side (BOLA:
a citizen reaching a person they hold no link to) is in test_authorization_matrix.py.
"""

from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta

import pytest

from chalicelib.codes.store import PrintedCodeRecord, ScanRecord
from chalicelib.codes.token import parse
from chalicelib.identity.disputes_store import DisputeRecord
from chalicelib.officials.audit_store import AuditRecord
from chalicelib.people.store import PersonRecord
from tests.helpers import (
    assert_error,
    body,
    declaration,
    get,
    login,
    make_id_number,
    mark_and_approve,
    post,
)

GRANDPA_ID = make_id_number("11010119400101123")
GRANDPA = {"name": "王老汉", "id_number": GRANDPA_ID, "phone": "13912340000"}


def _as(token):
    return {"Authorization": f"Bearer {token}"}


def declare_for(client, token, relation="grandparent", **answers):
    payload = declaration(**{**GRANDPA, **answers}, dependant={"relation": relation})
    return post(client, "/v1/declarations", payload, token)


@pytest.fixture
def guardian(client):
    token = login(client, "guardian", phone="13812345678")
    assert post(client, "/v1/declarations", declaration(), token).status_code == 201
    return token


@pytest.fixture
def grandpa(client, guardian):
    declared = declare_for(client, guardian)
    assert declared.status_code == 201, declared.body
    return body(declared)["person"]


# --- dependants -----------------------------------------------------------------------


def test_a_guardian_declares_for_a_grandparent_and_shows_their_code(client, guardian, grandpa):
    people = body(get(client, "/v1/people", guardian))
    code = body(get(client, f"/v1/code?person={grandpa}", guardian))
    own = body(get(client, "/v1/code", guardian))
    svg = client.http.get(f"/v1/code.svg?person={grandpa}", headers=_as(guardian))
    png = client.http.get(
        f"/v1/code.png?person={grandpa}", headers={**_as(guardian), "Accept": "image/png"}
    )
    shown_pass = body(get(client, f"/v1/pass?person={grandpa}", guardian))

    assert [(p["relation"], p["name_masked"]) for p in people["items"]] == [
        ("self", "张*三"),
        ("grandparent", "王*汉"),
    ]
    assert people["items"][1]["colour"] == "green" and people["max_dependants"] == 5
    assert code["holder"] == {
        "name_masked": "王*汉",
        "id_masked": "1101**********" + GRANDPA_ID[-4:],
    }
    assert parse(code["token"]).claims.holder != parse(own["token"]).claims.holder
    assert svg.status_code == 200 and png.body[:8] == b"\x89PNG\r\n\x1a\n"
    assert shown_pass["code"]["holder"]["name_masked"] == "王*汉"
    assert shown_pass["itinerary"] is None  # the card is the guardian's phone's, not his


def test_a_dependants_test_results_are_shown_with_person(client, guardian, grandpa):
    lab = login(client, "kingmed", role="lab")
    result = {
        "id_number": GRANDPA_ID,
        "sample_id": "S-GRANDPA",
        "sampled_at": "2026-11-20T08:00:00+08:00",
        "result": "negative",
        "lab": "金域医学",
    }
    assert (
        post(client, "/v1/feeds/tests", {"batch_id": "b1", "results": [result]}, lab).status_code
        == 200
    )

    theirs = body(get(client, f"/v1/tests?person={grandpa}", guardian))["items"]
    mine = body(get(client, "/v1/tests", guardian))["items"]

    assert [r["sample_id"] for r in theirs] == ["S-GRANDPA"] and mine == []


def second_guardian(client, guardian):
    """A cousin adds grandpa, whom the guardian filed first: the guardian accepts."""
    cousin = login(client, "cousin", phone="13812349999")
    assert_error(declare_for(client, cousin, relation="parent"), 409, code="consent_required")
    (request,) = body(get(client, "/v1/me/care-requests", guardian))["items"]
    answer = post(client, f"/v1/me/care-requests/{request['id']}", {"decision": "accept"}, guardian)
    assert answer.status_code == 200, answer.body
    assert declare_for(client, cousin, relation="parent").status_code == 201
    return cousin


def test_one_person_has_one_colour_whoever_shows_it(client, guardian, grandpa):
    cousin = second_guardian(client, guardian)
    assert body(get(client, f"/v1/code?person={grandpa}", cousin))["colour"] == "green"

    approved = mark_and_approve(client, id_number=GRANDPA_ID, note="医院报告")

    assert approved.status_code == 200, approved.body
    for token in (guardian, cousin):
        assert body(get(client, f"/v1/code?person={grandpa}", token))["colour"] == "red"
    assert PersonRecord.count() == 2  # the guardian and grandpa, filed once


def test_adding_a_filed_person_needs_their_exact_name(client, guardian, grandpa):
    stranger = login(client, "stranger", phone="13812340001")

    attempt = declare_for(client, stranger, name="王老五")

    assert_error(attempt, 409, code="dependant_mismatch", field="name")
    assert body(get(client, "/v1/people", stranger))["items"] == []
    assert_error(get(client, f"/v1/code?person={grandpa}", stranger), 404, code="person_not_found")


def test_at_most_five_dependants(client, guardian):
    for n in range(5):
        kid = make_id_number(f"6101132015010{n + 1}123")
        assert (
            declare_for(client, guardian, "child", name=f"张小{n}", id_number=kid).status_code
            == 201
        )

    sixth = declare_for(
        client, guardian, "child", name="张小六", id_number=make_id_number("61011320150201123")
    )

    assert_error(sixth, 409, code="too_many_dependants", field="dependant")
    assert len(body(get(client, "/v1/people", guardian))["items"]) == 6


def test_declaring_oneself_as_a_dependant_is_400(client, guardian):
    mine = declaration(dependant={"relation": "other"})

    assert_error(post(client, "/v1/declarations", mine, guardian), 400, field="dependant")


def test_ending_a_care_link_hides_the_dependant_at_once(client, guardian, grandpa):
    cousin = second_guardian(client, guardian)

    ended = client.http.delete(f"/v1/people/{grandpa}", headers=_as(guardian))

    assert ended.status_code == 200 and body(ended) == {
        "id": grandpa,
        "relation": "grandparent",
        "linked": False,
    }
    assert_error(get(client, f"/v1/code?person={grandpa}", guardian), 404, code="person_not_found")
    assert_error(client.http.delete(f"/v1/people/{grandpa}", headers=_as(guardian)), 404)
    assert body(get(client, f"/v1/code?person={grandpa}", cousin))["colour"] == "green"
    events = [e.action for e in AuditRecord.query(grandpa)]
    assert "care_link_ended" in events and events.count("care_link_added") == 2


def test_the_elders_own_account_takes_the_person_and_decides_on_the_guardian(
    client, guardian, grandpa
):
    elder = body(
        post(
            client,
            "/v1/auth/dev",
            {"subject": "elder", "phone": "13912340000", "vouched_id_number": GRANDPA_ID},
        )
    )["token"]

    own = post(client, "/v1/declarations", declaration(**GRANDPA), elder)

    assert own.status_code == 201 and body(own)["person"] == grandpa
    assert body(get(client, "/v1/code", elder))["holder"]["name_masked"] == "王*汉"
    assert [p["relation"] for p in body(get(client, "/v1/people", elder))["items"]] == ["self"]
    # The guardian's link became a request the elder answers; until then it grants nothing.
    assert_error(get(client, f"/v1/code?person={grandpa}", guardian), 404)
    (request,) = body(get(client, "/v1/me/care-requests", elder))["items"]
    assert request["relation"] == "grandparent"
    post(client, f"/v1/me/care-requests/{request['id']}", {"decision": "accept"}, elder)
    assert body(get(client, f"/v1/code?person={grandpa}", guardian))["colour"] == "green"


def test_the_elders_unvouched_claim_is_a_dispute_and_the_guardian_keeps_the_person(
    client, guardian, grandpa
):
    elder = login(client, "elder", phone="13912340000")

    own = post(client, "/v1/declarations", declaration(**GRANDPA), elder)

    assert_error(own, 409, code="id_number_disputed", field="id_number")
    assert body(get(client, f"/v1/code?person={grandpa}", guardian))["colour"] == "green"


# --- printed codes ----------------------------------------------------------------------


def _pdf_text(printed) -> str:
    from pypdf import PdfReader

    raw = base64.b64decode(printed["card"]["data_base64"])
    assert raw.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(raw))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert round(float(page.mediabox.width) / 72 * 25.4) == 105  # A6
    return page.extract_text()


def test_a_guardian_prints_a_grandparents_card(client, guardian, grandpa):
    printed = post(client, f"/v1/people/{grandpa}/printed-code", {"days": 30}, guardian)

    assert printed.status_code == 201, printed.body
    card = body(printed)
    claims = parse(card["token"]).claims
    assert (claims.kind, claims.colour.value) == ("printed", "pending")
    assert claims.expires_at - claims.issued_at == timedelta(days=30)
    text = _pdf_text(card)
    for shown in ("王*汉", card["holder"]["id_masked"], "610100", "2026-11-20", "2026-12-20"):
        assert shown in text
    assert "checks the colour online" in text
    assert card["revoked_previous"] is False


def test_a_printed_code_verifies_with_the_online_colour_and_a_recolour_shows_at_once(
    client, guardian, grandpa
):
    gate = login(client, "gate-1", role="checkpoint")
    token = body(post(client, f"/v1/people/{grandpa}/printed-code", {}, guardian))["token"]

    before = body(post(client, "/v1/verify", {"token": token}, gate))
    by_id = body(post(client, "/v1/verify/id", {"id_number": GRANDPA_ID}, gate))
    mark_and_approve(client, id_number=GRANDPA_ID, note="医院报告")
    after = body(post(client, "/v1/verify", {"token": token}, gate))
    by_id_after = body(post(client, "/v1/verify/id", {"id_number": GRANDPA_ID}, gate))

    assert (before["valid"], before["colour"], before["token_colour"]) == (True, "green", "pending")
    assert before["kind"] == "printed" and before["holder"]["name_masked"] == "王*汉"
    assert (by_id["valid"], by_id["colour"], by_id["holder"]) == (True, "green", before["holder"])
    assert (after["colour"], by_id_after["colour"]) == ("red", "red")
    assert ScanRecord.count() == 4  # every check is logged


def test_a_new_printed_code_revokes_the_previous_one(client, guardian, grandpa):
    gate = login(client, "gate-1", role="checkpoint")
    first = body(post(client, f"/v1/people/{grandpa}/printed-code", {}, guardian))["token"]
    official = login(client, "official-a", role="official")

    second = body(post(client, f"/v1/people/{grandpa}/printed-code", {"days": 7}, official))

    assert second["revoked_previous"] is True
    old = body(post(client, "/v1/verify", {"token": first}, gate))
    assert (old["valid"], old["reason"], old["holder"]) == (False, "revoked", None)
    assert body(post(client, "/v1/verify", {"token": second["token"]}, gate))["valid"] is True


def test_a_printed_code_offline_is_identity_only(client, guardian, grandpa):
    from chalicelib.verify import verify_offline

    token = body(post(client, f"/v1/people/{grandpa}/printed-code", {}, guardian))["token"]
    keys = body(get(client, "/v1/keys"))

    offline = verify_offline(token, keys, now=client_now(client) + timedelta(days=10))

    assert offline["valid"] is True and offline["kind"] == "printed"
    assert offline["colour"] is None
    assert offline["message"] == "identity only: check the colour online"


def client_now(client):
    from chalicelib import bootstrap

    return bootstrap.get_container().clock()


def test_an_expired_printed_code_is_refused(client, guardian, grandpa, clock):
    gate = login(client, "gate-1", role="checkpoint")
    token = body(post(client, f"/v1/people/{grandpa}/printed-code", {"days": 1}, guardian))["token"]
    clock.now += timedelta(days=1, minutes=1)
    gate = login(client, "gate-2", role="checkpoint")

    answer = body(post(client, "/v1/verify", {"token": token}, gate))

    assert (answer["valid"], answer["reason"]) == (False, "expired")


def test_a_printed_code_for_too_long_is_400(client, guardian, grandpa):
    attempt = post(client, f"/v1/people/{grandpa}/printed-code", {"days": 31}, guardian)

    assert_error(attempt, 400, field="days")
    assert PrintedCodeRecord.count() == 0


# --- the ID card at the gate -------------------------------------------------------------


def test_an_unknown_id_number_reveals_nothing(client):
    gate = login(client, "gate-1", role="checkpoint")

    answer = body(
        post(client, "/v1/verify/id", {"id_number": make_id_number("11010119800101125")}, gate)
    )

    assert answer["valid"] is False and answer["reason"] == "unknown_person"
    assert answer["holder"] is None and answer["colour"] is None and answer["latest_test"] is None
    assert ScanRecord.count() == 0


def test_a_malformed_id_number_is_400_naming_it(client):
    gate = login(client, "gate-1", role="checkpoint")

    assert_error(post(client, "/v1/verify/id", {"id_number": "123"}, gate), 400, field="id_number")


# --- identity disputes ----------------------------------------------------------------


VICTIM = {"name": "李四", "id_number": make_id_number("61011319850101123"), "phone": "13911112222"}


@pytest.fixture
def squatter(client):
    token = login(client, "squatter", phone="13822223333")
    stolen = post(
        client,
        "/v1/declarations",
        declaration(**{**VICTIM, "phone": "13822223333"}, symptoms=["cough"]),
        token,
    )
    assert stolen.status_code == 201
    return token


def _victim_claims(client, **login_extra):
    payload = {"subject": "victim", "phone": "13911112222", **login_extra}
    token = body(post(client, "/v1/auth/dev", payload))["token"]
    return token, post(client, "/v1/declarations", declaration(**VICTIM), token)


def test_a_squatters_claim_is_reversed_by_a_reviewer_and_the_victim_gets_a_code(client, squatter):
    victim, answer = _victim_claims(client)
    assert_error(answer, 409, code="id_number_disputed", field="id_number")
    assert_error(get(client, "/v1/code", victim), 404, code="no_code")
    appeal = post(client, "/v1/me/appeals", {"reason": "这是我的身份证，我被冒用了"}, victim)
    assert appeal.status_code == 201, appeal.body
    reviewer = login(client, "reviewer-1", role="reviewer")
    (item,) = body(get(client, "/v1/admin/disputes", reviewer))["items"]
    assert item["person"]["name_masked"] == "李*"
    assert item["claimant"] == {
        "vouched": False,
        "channels": ["dev"],
        "evidence": "这是我的身份证，我被冒用了",
    }
    assert "李四" not in str(item) and VICTIM["id_number"] not in str(item)

    decided = post(
        client,
        f"/v1/admin/disputes/{item['id']}",
        {"decision": "move", "note": "核验身份证原件"},
        reviewer,
    )

    assert decided.status_code == 200 and body(decided)["state"] == "moved"
    code = body(get(client, "/v1/code", victim))
    assert code["holder"]["name_masked"] == "李*" and code["colour"] == "green"  # no cough
    assert_error(get(client, "/v1/code", squatter), 404, code="no_code")
    mine = body(get(client, "/v1/declarations", victim))["items"]
    assert len(mine) == 1 and mine[0]["symptoms"] == []  # the squatter's are gone
    answered = body(get(client, "/v1/me/appeals", victim))["items"][0]
    assert answered["state"] == "upheld" and "squatter" not in str(answered)
    assert body(get(client, "/v1/admin/disputes", reviewer))["items"] == []
    admin = login(client, "admin-1", role="admin")
    trail = body(get(client, f"/v1/admin/audit?subject={item['id']}", admin))["items"]
    assert {"dispute_opened", "dispute_moved", "dispute_appeal_filed"} <= {
        e["action"] for e in trail
    }


def test_a_reviewer_can_ask_for_proof_and_then_keep_the_holder(client, squatter):
    victim, _ = _victim_claims(client)
    reviewer = login(client, "reviewer-1", role="reviewer")
    (item,) = body(get(client, "/v1/admin/disputes", reviewer))["items"]

    asked = body(
        post(
            client,
            f"/v1/admin/disputes/{item['id']}",
            {"decision": "ask_proof", "note": "请带证件"},
            reviewer,
        )
    )
    still = body(get(client, "/v1/admin/disputes", reviewer))["items"]
    kept = body(
        post(
            client,
            f"/v1/admin/disputes/{item['id']}",
            {"decision": "keep", "note": "未到场"},
            reviewer,
        )
    )
    again = post(
        client, f"/v1/admin/disputes/{item['id']}", {"decision": "move", "note": "x"}, reviewer
    )

    assert asked["state"] == "proof_requested" and [d["id"] for d in still] == [item["id"]]
    assert kept["state"] == "kept"
    assert_error(again, 409, code="already_decided")
    assert body(get(client, "/v1/code", squatter))["holder"]["name_masked"] == "李*"
    assert_error(get(client, "/v1/code", victim), 404, code="no_code")


def test_a_channel_vouched_claim_wins_over_an_unvouched_one_at_once(client, squatter):
    victim, answer = _victim_claims(client, vouched_id_number=VICTIM["id_number"])

    assert answer.status_code == 201, answer.body
    assert body(get(client, "/v1/code", victim))["colour"] == "green"
    assert_error(get(client, "/v1/code", squatter), 404, code="no_code")
    (dispute,) = list(DisputeRecord.scan())
    assert (dispute.state, dispute.decided_by, dispute.queue) == ("moved", "system", None)


def test_a_vouched_holder_keeps_the_person_at_once(client):
    holder = body(
        post(
            client,
            "/v1/auth/dev",
            {"subject": "holder", "phone": "13911112222", "vouched_id_number": VICTIM["id_number"]},
        )
    )["token"]
    assert post(client, "/v1/declarations", declaration(**VICTIM), holder).status_code == 201
    claimant = login(client, "claimant", phone="13822223333")

    answer = post(client, "/v1/declarations", declaration(**VICTIM), claimant)

    assert_error(answer, 409, code="id_number_in_use")
    reviewer = login(client, "reviewer-1", role="reviewer")
    assert body(get(client, "/v1/admin/disputes", reviewer))["items"] == []
    assert body(get(client, "/v1/code", holder))["colour"] == "green"


def test_the_holder_learns_nothing_of_a_dispute(client, squatter):
    before = body(get(client, "/v1/code", squatter))
    _victim_claims(client)

    after = body(get(client, "/v1/code", squatter))
    appeals = body(get(client, "/v1/me/appeals", squatter))["items"]

    assert (after["colour"], after["holder"]) == (before["colour"], before["holder"])
    assert appeals == []


def test_days_sent_as_a_whole_float_are_days(client, guardian, grandpa):
    """JSON Schema counts 17.0 as an integer; the API fuzz found it reaching CBOR as a float."""
    printed = post(client, f"/v1/people/{grandpa}/printed-code", {"days": 17.0}, guardian)

    assert printed.status_code == 201, printed.body
    claims = parse(body(printed)["token"]).claims
    assert claims.expires_at - claims.issued_at == timedelta(days=17)


def test_a_printed_code_needs_no_body_its_only_field_being_optional(client, guardian, grandpa):
    """docs/api.md: `days` is optional, so no body at all is the default 30 days (it
    answered 400 missing_body)."""
    response = client.http.post(
        f"/v1/people/{grandpa}/printed-code", headers={"Authorization": f"Bearer {guardian}"}
    )
    assert response.status_code == 201, response.body
    card = body(response)
    assert card["kind"] == "printed"
    issued, expires = (datetime.fromisoformat(card[k]) for k in ("issued_at", "expires_at"))
    assert timedelta(days=29) < expires - issued <= timedelta(days=31)
