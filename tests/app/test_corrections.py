"""A way out of a mistaken declaration (issue 30, SPEC rule corrections): a later
declaration that takes back a risk fact the person declared goes to review, and once
approved the fact stops colouring the code; an upheld appeal can approve it. Facts the
person did not declare (the itinerary, a lab, an official) are never withdrawn so.

Each attack below failed on the code before the correction existed: the citizen who
ticked ``abroad_14d`` by mistake stayed red for 14 days whatever happened next.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

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

ID = make_id_number("61011319900101123")


@pytest.fixture
def citizen(client):
    return login(client, "citizen-1", phone="13812345678")


@pytest.fixture
def reviewer(client):
    return login(client, "rev-1", role="reviewer")


def _declare(client, token, **answers):
    response = post(client, "/v1/declarations", declaration(**answers), token)
    assert response.status_code == 201, response.body
    return body(response)


def _codes(client, token):
    code = body(get(client, "/v1/code", token))
    return code["colour"], {r["code"] for r in code["reasons"]}


def _review(client, reviewer, declaration_id, decision="approve", note="核实为误填"):
    response = post(
        client,
        f"/v1/admin/reviews/{declaration_id}",
        {"decision": decision, "note": note},
        reviewer,
    )
    assert response.status_code == 200, response.body
    return body(response)


def _appeal(client, token, reason="误勾选了境外旅居，实际未出境"):
    response = post(client, "/v1/me/appeals", {"reason": reason}, token)
    assert response.status_code == 201, response.body
    return body(response)


def test_a_declaration_that_takes_back_abroad_waits_for_review_and_then_turns_green(
    client, citizen, reviewer, clock
):
    assert _declare(client, citizen, abroad_14d=True)["colour"] == "red"
    clock.now += timedelta(hours=1)

    fixed = _declare(client, citizen)  # the same answers without abroad_14d

    assert fixed["status"] == "pending_review"
    assert fixed["review_reasons"] == ["withdraws_declared_risk"]
    assert _codes(client, citizen) == ("red", {"abroad_14d", "pending_review"})

    queue = body(get(client, "/v1/admin/reviews", reviewer))["items"]
    item = next(i for i in queue if i["id"] == fixed["id"])
    assert item["withdraws"] == ["abroad_14d"]
    assert item["person"]["name_masked"] == "张*三"
    assert item["answers"]["abroad_14d"] is False
    assert [r["code"] for r in item["reasons"]] == ["abroad_14d", "pending_review"]

    decided = _review(client, reviewer, fixed["id"])
    assert decided["colour"] == "green" and decided["reasons"] == []
    assert _codes(client, citizen) == ("green", set())
    mine = body(get(client, "/v1/declarations", citizen))["items"]
    assert mine[0]["withdraws"] == ["abroad_14d"]


def test_a_rejected_correction_withdraws_nothing(client, citizen, reviewer, clock):
    _declare(client, citizen, abroad_14d=True)
    clock.now += timedelta(hours=1)
    fixed = _declare(client, citizen)

    _review(client, reviewer, fixed["id"], decision="reject", note="行程卡显示曾出境")

    colour, reasons = _codes(client, citizen)
    assert colour == "red" and "abroad_14d" in reasons


def test_a_fact_declared_again_after_the_correction_counts_again(client, citizen, reviewer, clock):
    _declare(client, citizen, abroad_14d=True)
    clock.now += timedelta(hours=1)
    _review(client, reviewer, _declare(client, citizen)["id"])
    clock.now += timedelta(hours=1)

    again = _declare(client, citizen, abroad_14d=True)

    assert again["status"] == "approved" and again["colour"] == "red"


def test_symptoms_and_a_pending_contact_can_be_taken_back_too(client, citizen, reviewer, clock):
    _declare(client, citizen, symptoms=["fever"], contact_with_confirmed=True)
    assert _codes(client, citizen)[1] >= {"declared_symptoms", "declared_contact"}
    clock.now += timedelta(hours=1)

    fixed = _declare(client, citizen)
    assert body(get(client, "/v1/admin/reviews", reviewer))["items"][-1]["withdraws"] == [
        "contact_with_confirmed",
        "symptoms",
    ]
    _review(client, reviewer, fixed["id"])

    # The first declaration still waits in the queue, but its contact no longer colours.
    assert _codes(client, citizen) == ("green", set())
    waiting = body(get(client, "/v1/admin/reviews", reviewer))["items"]
    assert [i["review_reasons"] for i in waiting] == [["contact_with_confirmed"]]


def test_a_plain_new_declaration_takes_nothing_back_and_needs_no_review(client, citizen, clock):
    _declare(client, citizen)
    clock.now += timedelta(hours=1)
    again = _declare(client, citizen, address="雁塔路2号")
    assert again["status"] == "approved" and again["review_reasons"] == []


def test_an_upheld_appeal_withdraws_the_mistaken_answer(client, citizen, reviewer):
    _declare(client, citizen, abroad_14d=True)
    appeal = _appeal(client, citizen)

    queue = body(get(client, "/v1/admin/appeals", reviewer))["items"]
    item = next(i for i in queue if i["id"] == appeal["id"])
    assert item["person"]["name_masked"] == "张*三"
    assert item["person"]["id_masked"].startswith("6101")
    assert item["answers"]["abroad_14d"] is True
    assert [r["code"] for r in item["reasons"]] == ["abroad_14d"]

    answered = post(
        client,
        f"/v1/admin/appeals/{appeal['id']}",
        {"outcome": "upheld", "answer": "经核实未出境，已更正", "withdraw": ["abroad_14d"]},
        reviewer,
    )
    assert answered.status_code == 200, answered.body
    assert body(answered)["withdrawn"] == ["abroad_14d"]
    assert _codes(client, citizen) == ("green", set())
    trail = body(
        get(
            client,
            f"/v1/admin/audit?subject={item['person']['id']}",
            login(client, "admin-1", role="admin"),
        )
    )["items"]
    corrected = next(e for e in trail if e["action"] == "declaration_corrected")
    assert corrected["after"]["appeal"] == appeal["id"]
    assert corrected["after"]["withdraws"] == ["abroad_14d"]


def test_an_upheld_appeal_approves_the_pending_correction(client, citizen, reviewer, clock):
    _declare(client, citizen, abroad_14d=True)
    clock.now += timedelta(hours=1)
    fixed = _declare(client, citizen)
    appeal = _appeal(client, citizen)

    answered = body(
        post(
            client,
            f"/v1/admin/appeals/{appeal['id']}",
            {"outcome": "upheld", "answer": "同意更正"},
            reviewer,
        )
    )

    assert answered["withdrawn"] == ["abroad_14d"]
    assert _codes(client, citizen) == ("green", set())
    assert body(get(client, "/v1/declarations", citizen))["items"][0]["id"] == fixed["id"]
    assert body(get(client, "/v1/declarations", citizen))["items"][0]["status"] == "approved"


def test_an_appeal_cannot_withdraw_what_the_itinerary_or_an_official_says(
    client, citizen, reviewer
):
    """The attack: a reviewer (or a citizen's persuasion) erasing a fact the person did
    not declare. The carrier's abroad stay and an official's mark stand."""
    carrier = login(client, "cmcc", role="carrier")
    stays = [
        {
            "phone": "13812345678",
            "kind": "country",
            "place": "JP",
            "entered_at": "2026-11-15T08:00:00+08:00",
            "left_at": "2026-11-18T08:00:00+08:00",
        }
    ]
    post(client, "/v1/feeds/carrier", {"batch_id": "b-1", "stays": stays}, carrier)
    _declare(client, citizen, abroad_14d=True)
    assert (
        mark_and_approve(
            client, status="close_contact", category="contact_tracing", contact_date="2026-11-19"
        ).status_code
        == 200
    )
    appeal = _appeal(client, citizen)

    # abroad_14d declared is withdrawable; the itinerary's is another reason.
    answered = body(
        post(
            client,
            f"/v1/admin/appeals/{appeal['id']}",
            {"outcome": "upheld", "answer": "申报误填已更正", "withdraw": ["abroad_14d"]},
            reviewer,
        )
    )
    assert answered["withdrawn"] == ["abroad_14d"]
    colour, reasons = _codes(client, citizen)
    assert colour == "red" and {"abroad_14d", "status_close_contact"} <= reasons
    code = body(get(client, "/v1/code", citizen))
    abroad = next(r for r in code["reasons"] if r["code"] == "abroad_14d")
    assert "日本" in abroad["text"]  # the carrier's stay, named, still there


def test_withdrawing_what_was_not_declared_is_refused_and_stores_nothing(client, citizen, reviewer):
    _declare(client, citizen, symptoms=["cough"])
    appeal = _appeal(client, citizen)

    refused = post(
        client,
        f"/v1/admin/appeals/{appeal['id']}",
        {"outcome": "upheld", "answer": "同意", "withdraw": ["abroad_14d"]},
        reviewer,
    )
    assert_error(refused, 400, code="nothing_to_withdraw", field="withdraw")
    dismissed = post(
        client,
        f"/v1/admin/appeals/{appeal['id']}",
        {"outcome": "dismissed", "answer": "维持", "withdraw": ["symptoms"]},
        reviewer,
    )
    assert_error(dismissed, 400, code="withdraw_needs_upheld", field="withdraw")
    unknown = post(
        client,
        f"/v1/admin/appeals/{appeal['id']}",
        {"outcome": "upheld", "answer": "同意", "withdraw": ["positive_test"]},
        reviewer,
    )
    assert_error(unknown, 400, field="withdraw[0]")

    still_open = body(get(client, "/v1/admin/appeals", reviewer))["items"]
    assert [a["id"] for a in still_open] == [appeal["id"]]
    assert _codes(client, citizen) == ("yellow", {"declared_symptoms"})


def test_the_second_official_sees_whom_a_mark_is_for(client, citizen):
    _declare(client, citizen, symptoms=["fever"])
    official = login(client, "official-a", role="official")
    post(
        client,
        "/v1/admin/status",
        {"id_number": ID, "status": "confirmed", "category": "case_report", "note": "报告病例"},
        official,
    )
    stranger = make_id_number("61011319850505123")
    post(
        client,
        "/v1/admin/status",
        {"id_number": stranger, "status": "confirmed", "category": "case_report", "note": "报告"},
        official,
    )

    items = body(get(client, "/v1/admin/status", login(client, "official-b", role="official")))[
        "items"
    ]
    known = next(i for i in items if i["person_masked"]["name_masked"])
    unknown = next(i for i in items if not i["person_masked"]["name_masked"])
    assert known["person_masked"] == {
        "name_masked": "张*三",
        "id_masked": known["person_masked"]["id_masked"],
    }
    assert known["person_masked"]["id_masked"].endswith(ID[-4:])
    assert [r["code"] for r in known["reasons"]] == ["declared_symptoms"]
    # Not declared yet: no name, but the ID number the requester typed, masked.
    assert unknown["person_masked"]["name_masked"] is None
    assert unknown["person_masked"]["id_masked"].endswith(stranger[-4:])
    assert stranger not in str(unknown)
    assert unknown["reasons"] == []


def test_an_appeal_filed_by_a_former_holder_corrects_nothing_of_the_person(client, reviewer, clock):
    """The attack: a squatter appeals while holding someone's ID number, then loses the
    person to its owner, who declares a stay abroad. Upholding the squatter's old appeal
    must not withdraw the owner's answers (nor approve their correction)."""
    victim_id = make_id_number("61011319850101123")
    squatter = login(client, "squatter", phone="13822223333")
    _declare(client, squatter, name="李四", id_number=victim_id, phone="13822223333")
    appeal = _appeal(client, squatter, reason="请撤回")
    victim = body(
        post(
            client,
            "/v1/auth/dev",
            {"subject": "victim", "phone": "13911112222", "vouched_id_number": victim_id},
        )
    )["token"]
    clock.now += timedelta(hours=1)
    moved = _declare(
        client, victim, name="李四", id_number=victim_id, phone="13911112222", abroad_14d=True
    )
    assert moved["colour"] == "red"

    refused = post(
        client,
        f"/v1/admin/appeals/{appeal['id']}",
        {"outcome": "upheld", "answer": "同意", "withdraw": ["abroad_14d"]},
        reviewer,
    )
    assert_error(refused, 400, code="appeal_filer_moved", field="withdraw")
    answered = post(
        client,
        f"/v1/admin/appeals/{appeal['id']}",
        {"outcome": "upheld", "answer": "同意"},
        reviewer,
    )
    assert answered.status_code == 200 and body(answered)["withdrawn"] == []
    colour, reasons = _codes(client, victim)
    assert colour == "red" and "abroad_14d" in reasons


def test_the_queue_shows_no_person_for_a_former_holders_appeal(client, reviewer, clock):
    victim_id = make_id_number("61011319850101123")
    squatter = login(client, "squatter", phone="13822223333")
    _declare(client, squatter, name="李四", id_number=victim_id, phone="13822223333")
    appeal = _appeal(client, squatter, reason="请撤回")
    owner = {"subject": "victim", "phone": "13911112222", "vouched_id_number": victim_id}
    victim = body(post(client, "/v1/auth/dev", owner))["token"]
    _declare(client, victim, name="李四", id_number=victim_id, phone="13911112222")

    item = next(
        i
        for i in body(get(client, "/v1/admin/appeals", reviewer))["items"]
        if i["id"] == appeal["id"]
    )
    assert (item["person"], item["answers"], item["reasons"]) == (None, None, [])
