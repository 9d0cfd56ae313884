"""Declarations, review, status marks, appeals and audit through the API on moto."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.declarations.store import DeclarationRecord
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
    request_mark,
)


@pytest.fixture
def citizen(client):
    return login(client, "citizen-1", phone="13812345678")


def _declare(client, token, **overrides):
    return post(client, "/v1/declarations", declaration(**overrides), token)


def test_a_clean_declaration_is_approved_and_green(client, citizen):
    response = _declare(client, citizen)

    assert response.status_code == 201
    payload = body(response)
    assert payload["status"] == "approved"
    assert payload["colour"] == "green"
    assert payload["reasons"] == []
    assert payload["valid_until"] is None


def test_symptoms_make_the_code_yellow_with_declared_symptoms(client, citizen):
    payload = body(_declare(client, citizen, symptoms=["fever", "cough"]))

    assert payload["status"] == "approved"
    assert payload["colour"] == "yellow"
    assert [r["code"] for r in payload["reasons"]] == ["declared_symptoms"]
    assert payload["reasons"][0]["text"] and payload["reasons"][0]["text_en"]


def test_personal_data_is_encrypted_at_rest_and_only_masks_are_stored_plain(client, citizen):
    _declare(client, citizen)

    person = next(iter(PersonRecord.scan()))
    stored = str(person.attribute_values)
    assert "张小三" not in stored and "610113199001011" not in stored
    assert person.name_masked == "张*三"
    assert person.id_masked.startswith("6101") and person.id_masked.endswith(
        make_id_number("61011319900101123")[-4:]
    )
    record = next(iter(DeclarationRecord.scan()))
    assert "13812345678" not in str(record.attribute_values)


def test_contact_waits_for_a_reviewer_who_approves_it(client, citizen):
    declared = body(_declare(client, citizen, contact_with_confirmed=True))
    assert declared["status"] == "pending_review"
    assert declared["review_reasons"] == ["contact_with_confirmed"]
    assert declared["colour"] == "red"  # a review in progress never hides a red
    assert {r["code"] for r in declared["reasons"]} == {"declared_contact", "pending_review"}

    reviewer = login(client, "rev-1", role="reviewer")
    queue = body(get(client, "/v1/admin/reviews", reviewer))
    assert [item["id"] for item in queue["items"]] == [declared["id"]]
    assert queue["items"][0]["person"]["name_masked"] == "张*三"

    decided = post(
        client,
        f"/v1/admin/reviews/{declared['id']}",
        {"decision": "approve", "note": "contact was with a recovered case"},
        reviewer,
    )

    assert decided.status_code == 200
    assert body(decided)["colour"] == "green"
    assert body(get(client, "/v1/admin/reviews", reviewer))["items"] == []
    again = post(
        client, f"/v1/admin/reviews/{declared['id']}", {"decision": "reject", "note": "x"}, reviewer
    )
    assert_error(again, 409, code="already_decided")


def test_a_rejected_declaration_leaves_the_code_pending(client, citizen):
    declared = body(_declare(client, citizen, contact_with_confirmed=True))
    reviewer = login(client, "rev-1", role="reviewer")

    result = body(
        post(
            client,
            f"/v1/admin/reviews/{declared['id']}",
            {"decision": "reject", "note": "answers inconsistent"},
            reviewer,
        )
    )

    assert result["colour"] == "pending"
    assert [r["code"] for r in result["reasons"]] == ["declaration_rejected"]


def _audit(client, subject):
    admin = login(client, "admin-1", role="admin")
    return body(get(client, f"/v1/admin/audit?subject={subject}", admin))["items"]


def test_two_officials_mark_a_close_contact_red_and_it_is_audited(client, citizen, clock):
    _declare(client, citizen)
    official_a = login(client, "official-a", role="official")
    official_b = login(client, "official-b", role="official")
    contact = (clock.now + timedelta(hours=8)).date() - timedelta(days=2)

    requested = post(
        client,
        "/v1/admin/status",
        {
            "id_number": make_id_number("61011319900101123"),
            "status": "close_contact",
            "category": "contact_tracing",
            "note": "同一航班 MU2101",
            "contact_date": contact.isoformat(),
        },
        official_a,
    )
    assert requested.status_code == 201
    mark = body(requested)
    assert mark["state"] == "awaiting_approval"

    assert_error(
        post(client, f"/v1/admin/status/{mark['id']}/approve", {}, official_a),
        403,
        code="self_approval",
    )
    approved = post(client, f"/v1/admin/status/{mark['id']}/approve", {}, official_b)

    assert approved.status_code == 200
    outcome = body(approved)
    assert outcome["state"] == "approved" and outcome["people_recoloured"] == 1
    assert outcome["colours"][0]["colour"] == "red"
    assert "status_close_contact" in outcome["colours"][0]["reasons"]
    person = outcome["colours"][0]["person"]
    actions = [event["action"] for event in _audit(client, person)]
    assert {"status_requested", "status_approved", "colour_changed"} <= set(actions)
    change = next(
        e
        for e in _audit(client, person)
        if e["action"] == "colour_changed" and e["after"]["colour"] == "red"
    )
    assert change["before"]["colour"] == "green" and change["reason"] == "status:close_contact"


def test_a_mark_before_the_declaration_applies_when_the_person_declares(client, citizen):
    mark_and_approve(client)

    declared = body(_declare(client, citizen))

    assert declared["colour"] == "red"
    assert [r["code"] for r in declared["reasons"]] == ["status_confirmed"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "close_contact"}, "contact_date"),
        ({"status": "confirmed", "contact_date": "2026-11-19"}, "contact_date"),
        ({"status": "close_contact", "contact_date": "2030-01-01"}, "contact_date"),
        ({"status": "close_contact", "contact_date": "yesterday"}, "contact_date"),
        ({"status": "confirmed", "category": "bank_protest"}, "category"),
        ({"status": "confirmed", "note": "   "}, "note"),
        ({"status": "confirmed", "id_number": "610113199001011231"}, "id_number"),
        ({"status": "quarantine"}, "status"),
    ],
)
def test_bad_status_requests_name_the_field(client, payload, field):
    official = login(client, "official-a", role="official")
    request = {
        "id_number": make_id_number("61011319900101123"),
        "category": "case_report",
        "note": "n",
    } | payload

    assert_error(post(client, "/v1/admin/status", request, official), 400, field=field)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "610113199001011231"}, "id_number"),  # wrong check digit
        ({"id_number": make_id_number("61011320990101123")}, "id_number"),  # born in 2099
        ({"id_number": make_id_number("99999919900101123")}, "id_number"),  # no such place
        ({"residence_region": "999999"}, "residence_region"),
        ({"residence_region": "610121"}, "residence_region"),  # 长安县, abolished in 2002
        ({"residence_region": "61011"}, "residence_region"),
        ({"phone": "12345678901"}, "phone"),
        ({"symptoms": ["headache"]}, "symptoms[0]"),
        ({"symptoms": ["fever", "fever"]}, "symptoms"),
        ({"contact_with_confirmed": "no"}, "contact_with_confirmed"),
        ({"name": "   "}, "name"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_declarations_name_the_field_and_store_nothing(client, citizen, overrides, field):
    response = _declare(client, citizen, **overrides)

    assert_error(response, 400, field=field)
    assert DeclarationRecord.count() == 0
    assert PersonRecord.count() == 0


def test_missing_answers_are_named(client, citizen):
    answers = declaration()
    del answers["abroad_14d"]

    assert_error(post(client, "/v1/declarations", answers, citizen), 400, field="abroad_14d")


def test_an_id_number_declared_from_another_account_is_a_dispute(client, citizen):
    _declare(client, citizen)
    other = login(client, "citizen-2")

    assert_error(_declare(client, other), 409, code="id_number_disputed", field="id_number")
    reviewer = login(client, "reviewer-1", role="reviewer")
    assert len(body(get(client, "/v1/admin/disputes", reviewer))["items"]) == 1


def test_declarations_are_listed_newest_first_and_paged(client, citizen, clock):
    ids = []
    for symptoms in ([], ["fever"], []):
        ids.append(body(_declare(client, citizen, symptoms=symptoms))["id"])
        clock.now += timedelta(minutes=1)

    first = body(get(client, "/v1/declarations?limit=2", citizen))
    rest = body(get(client, f"/v1/declarations?limit=2&cursor={first['cursor']}", citizen))

    assert [d["id"] for d in first["items"] + rest["items"]] == ids[::-1]
    assert rest["cursor"] is None


def test_a_forged_cursor_is_400(client, citizen):
    _declare(client, citizen)

    assert_error(
        get(client, "/v1/declarations?cursor=eyJub3QiOiJvdXJzIn0", citizen), 400, field="cursor"
    )


def test_ids_that_cannot_exist_are_404_without_touching_the_table(client):
    reviewer = login(client, "rev-1", role="reviewer")

    response = post(
        client, "/v1/admin/reviews/" + "x" * 300, {"decision": "approve", "note": "n"}, reviewer
    )

    assert_error(response, 404)


def test_the_itinerary_can_send_a_declaration_to_review(client, citizen, container, clock):
    from chalicelib.itinerary.store import StayRecord
    from chalicelib.kernel.pii import keyed_hash

    phone_hash = keyed_hash(container.auth.hash_key, "phone", "13812345678")
    StayRecord(
        phone_hash,
        "x#country#JP",
        place="JP",
        kind="country",
        entered_at=clock.now - timedelta(days=5),
        left_at=clock.now - timedelta(days=3),
        batch_id="b1",
        received_at=clock.now,
        expires=clock.now + timedelta(days=15),
    ).save()

    declared = body(_declare(client, citizen, abroad_14d=False))

    assert declared["status"] == "pending_review"
    assert "abroad_contradicts_itinerary" in declared["review_reasons"]
    assert "abroad_14d" in [r["code"] for r in declared["reasons"]]
    assert declared["colour"] == "red"


def test_appeals_reach_a_reviewer_and_the_answer_reaches_the_citizen(client, citizen):
    _declare(client, citizen, symptoms=["cough"])
    filed = post(client, "/v1/me/appeals", {"reason": "咳嗽是过敏，不是感染"}, citizen)
    assert filed.status_code == 201
    appeal = body(filed)
    assert appeal["state"] == "open" and appeal["colour"] == "yellow"

    reviewer = login(client, "rev-1", role="reviewer")
    assert [a["id"] for a in body(get(client, "/v1/admin/appeals", reviewer))["items"]] == [
        appeal["id"]
    ]
    post(
        client,
        f"/v1/admin/appeals/{appeal['id']}",
        {"outcome": "dismissed", "answer": "请在申报后进行核酸检测，阴性后自动转绿"},
        reviewer,
    )

    mine = body(get(client, "/v1/me/appeals", citizen))["items"]
    assert mine[0]["state"] == "dismissed"
    assert mine[0]["answer"].startswith("请在申报后")
    assert body(get(client, "/v1/admin/appeals", reviewer))["items"] == []


def test_an_appeal_without_a_code_is_a_conflict(client, citizen):
    assert_error(post(client, "/v1/me/appeals", {"reason": "?"}, citizen), 409, code="no_code")


def test_audit_by_day_lists_the_days_events_newest_first(client, citizen, clock):
    _declare(client, citizen)
    clock.now += timedelta(minutes=5)
    _declare(client, citizen, symptoms=["fever"])
    admin = login(client, "admin-1", role="admin")
    day = (clock.now + timedelta(hours=8)).date().isoformat()

    events = body(get(client, f"/v1/admin/audit?day={day}", admin))["items"]

    assert [e["at"] for e in events] == sorted((e["at"] for e in events), reverse=True)
    assert [e["after"].get("colour") for e in events if e["action"] == "colour_changed"] == [
        "yellow",
        "green",
    ]
    assert all("13812345678" not in str(e) and "张小三" not in str(e) for e in events)
    assert_error(get(client, "/v1/admin/audit?day=yesterday", admin), 400, field="day")


def test_an_approval_that_names_another_reason_is_refused_and_changes_nothing(client, citizen):
    _declare(client, citizen)
    mark = request_mark(client, login(client, "official-a", role="official"))
    approver = login(client, "official-b", role="official")

    misread = post(
        client, f"/v1/admin/status/{mark['id']}/approve", {"category": "lab_result"}, approver
    )

    assert_error(misread, 409, code="category_mismatch", field="category")
    assert body(get(client, "/v1/code", citizen))["colour"] == "green"
    queue = body(get(client, "/v1/admin/status", approver))["items"]
    assert [m["id"] for m in queue] == [mark["id"]]


def test_the_approvers_reading_and_note_go_into_the_audit_entry(client, citizen):
    _declare(client, citizen)
    mark = request_mark(client, login(client, "official-a", role="official"))
    approver = login(client, "official-b", role="official")

    approved = post(
        client,
        f"/v1/admin/status/{mark['id']}/approve",
        {"category": "case_report", "note": "核对病例报告原件\n无误"},
        approver,
    )

    assert approved.status_code == 200, approved.body
    person = body(approved)["colours"][0]["person"]
    entry = next(e for e in _audit(client, person) if e["action"] == "status_approved")
    assert entry["reason"] == "case_report: 报告病例 / approved: 核对病例报告原件\n无误"


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"category": "flu"}, "category"), ({"note": ""}, "note"), ({"why": "x"}, "why")],
)
def test_a_malformed_approval_body_is_400_naming_the_field(client, payload, field):
    mark = request_mark(client, login(client, "official-a", role="official"))
    approver = login(client, "official-b", role="official")

    response = post(client, f"/v1/admin/status/{mark['id']}/approve", payload, approver)

    assert_error(response, 400, field=field)


def test_an_approval_without_a_body_still_works_as_the_spec_gives_it(client, citizen):
    _declare(client, citizen)
    mark = request_mark(client, login(client, "official-a", role="official"))
    approver = login(client, "official-b", role="official")

    response = client.http.post(
        f"/v1/admin/status/{mark['id']}/approve", headers={"Authorization": f"Bearer {approver}"}
    )

    assert response.status_code == 200, response.body
    assert body(response)["state"] == "approved"


@pytest.mark.parametrize("first17", ["61010419790501123", "61011319440312123"])
def test_an_elder_whose_district_was_coded_after_their_birth_can_declare(client, citizen, first17):
    # The address code is where the card was first issued (from 1984), not the birthplace:
    # Lianhu and Yanta got 610104 and 610113 in 1983 (issue 29, finding 7).
    answer = _declare(client, citizen, id_number=make_id_number(first17))

    assert answer.status_code == 201, answer.body
