"""Lab results through the API on moto: ingestion, resends, corrections, badges, colours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.itinerary.store import IdempotencyRecord
from chalicelib.labs.store import TestResultRecord, TestSampleRecord
from chalicelib.officials.audit_store import AuditRecord
from chalicelib.officials.marks_store import StatusMarkRecord
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

ID = make_id_number("61011319900101123")  # declaration()'s own ID number
OTHER_ID = make_id_number("61011319850505432")


@pytest.fixture
def lab(client):
    return login(client, "kingmed", role="lab")


@pytest.fixture
def citizen(client):
    return login(client, "alice")


def result(
    sample="S-1",
    outcome="negative",
    sampled="2026-11-20T08:00:00+08:00",
    id_number=ID,
    lab_name="金域医学",
    **extra,
):
    return {
        "id_number": id_number,
        "sample_id": sample,
        "sampled_at": sampled,
        "result": outcome,
        "lab": lab_name,
        **extra,
    }


def send(client, token, batch_id, *rows):
    return post(client, "/v1/feeds/tests", {"batch_id": batch_id, "results": list(rows)}, token)


def code(client, token):
    response = get(client, "/v1/code", token)
    assert response.status_code == 200, response.body
    return body(response)


def lab_subject(client, token):
    from chalicelib import bootstrap

    return bootstrap.get_container().auth.authenticate(token).subject


def reasons(payload):
    return {r["code"] for r in payload["reasons"]}


# --- ingestion --------------------------------------------------------------------------------


def test_results_are_filed_under_the_keyed_id_hash_before_anyone_declares(client, lab):
    response = send(client, lab, "kingmed-1", result(), result("S-2", id_number=OTHER_ID))

    assert response.status_code == 200, response.body
    assert body(response) | {} == body(response) | {
        "accepted": 2,
        "new": 2,
        "corrected": 0,
        "unchanged": 0,
        "duplicate": False,
    }
    stored = list(TestResultRecord.scan())
    assert len(stored) == 2 and TestSampleRecord.count() == 2
    assert all(ID not in str(r.attribute_values) for r in stored)  # no plain ID number
    assert {r.expires for r in stored} == {datetime(2026, 12, 20, 0, 0, tzinfo=UTC)}


def test_a_result_waiting_for_a_person_applies_when_they_declare(client, lab, citizen):
    send(client, lab, "kingmed-1", result(outcome="positive"))

    declared = body(post(client, "/v1/declarations", declaration(), citizen))

    assert declared["colour"] == "red"
    assert "positive_test" in reasons(declared)


def test_the_same_batch_again_answers_the_first_result(client, lab):
    first = body(send(client, lab, "kingmed-2", result()))
    again = send(client, lab, "kingmed-2", result())

    assert again.status_code == 200
    assert body(again) == first | {"duplicate": True}
    assert TestResultRecord.count() == 1


def test_a_result_resent_in_a_new_batch_changes_nothing(client, lab):
    send(client, lab, "kingmed-3", result())
    audits = AuditRecord.count()

    again = body(send(client, lab, "kingmed-4", result()))

    assert again | {} == again | {"new": 0, "corrected": 0, "unchanged": 1, "people_pending": 0}
    assert AuditRecord.count() == audits
    assert TestResultRecord.count() == 1


def test_a_batch_id_reused_for_other_results_is_a_conflict(client, lab):
    send(client, lab, "kingmed-5", result())

    assert_error(send(client, lab, "kingmed-5", result("S-9")), 409, code="batch_id_reused")


def test_one_bad_row_rejects_the_batch_and_stores_nothing(client, lab):
    response = send(client, lab, "kingmed-6", result(), result("S-2", outcome="unclear"))

    assert_error(response, 400, field="results[1].result")
    assert TestResultRecord.count() == 0 and TestSampleRecord.count() == 0
    assert IdempotencyRecord.count() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"batch_id": "x", "results": []}, "results"),
        ({"batch_id": "x", "results": [result() | {"name": "张三"}]}, "results[0].name"),
        ({"results": [result()]}, "batch_id"),
        ({"batch_id": "x", "results": [{k: v for k, v in result().items() if k != "lab"}]}, None),
    ],
)
def test_malformed_batches_name_the_field(client, lab, payload, field):
    error = assert_error(post(client, "/v1/feeds/tests", payload, lab), 400)
    if field:
        assert error["field"] == field


def test_only_labs_post_results(client, citizen):
    carrier = login(client, "cmcc", role="carrier")
    assert_error(send(client, carrier, "b", result()), 403)
    assert_error(send(client, citizen, "b", result()), 403)
    assert_error(send(client, None, "b", result()), 401)


# --- corrections ------------------------------------------------------------------------------


def test_a_correction_replaces_the_result_and_is_audited(client, lab, citizen):
    post(client, "/v1/declarations", declaration(), citizen)
    send(client, lab, "kingmed-7", result(outcome="invalid"))

    corrected = body(send(client, lab, "kingmed-8", result(outcome="negative")))

    assert corrected["corrected"] == 1 and corrected["new"] == 0
    (stored,) = TestResultRecord.scan()
    assert stored.result == "negative"
    (event,) = [a for a in AuditRecord.scan() if a.action == "test_result_corrected"]
    assert event.actor == lab_subject(client, lab)
    assert event.before["result"] == "invalid" and event.after["result"] == "negative"
    assert ID not in str(event.attribute_values)


def test_a_correction_can_move_a_sample_to_the_right_person(client, lab):
    send(client, lab, "kingmed-9", result(id_number=OTHER_ID))

    send(client, lab, "kingmed-10", result(id_number=ID))

    (stored,) = TestResultRecord.scan()  # the wrong person's copy is gone
    (sample,) = TestSampleRecord.scan()
    assert stored.id_hash == sample.id_hash


def test_another_lab_client_cannot_overwrite_a_sample(client, lab):
    send(client, lab, "kingmed-11", result())
    rival = login(client, "rival-lab", role="lab")

    response = send(client, rival, "rival-1", result(outcome="positive"))

    assert_error(response, 403, code="sample_owned_elsewhere", field="results[0].sample_id")
    assert [r.result for r in TestResultRecord.scan()] == ["negative"]


# --- colours ----------------------------------------------------------------------------------


def test_a_negative_after_declared_symptoms_turns_the_code_green(client, lab, citizen, clock):
    declared = body(post(client, "/v1/declarations", declaration(symptoms=["fever"]), citizen))
    assert declared["colour"] == "yellow"
    clock.now += timedelta(hours=2)

    send(client, lab, "kingmed-12", result(sampled="2026-11-20T11:00:00+08:00"))

    shown = code(client, citizen)
    assert shown["colour"] == "green" and "declared_symptoms" not in reasons(shown)


def test_a_negative_sampled_before_the_symptoms_does_not_clear_them(client, lab, citizen):
    post(client, "/v1/declarations", declaration(symptoms=["cough"]), citizen)

    send(client, lab, "kingmed-13", result(sampled="2026-11-19T08:00:00+08:00"))

    assert code(client, citizen)["colour"] == "yellow"


def test_a_positive_turns_red_and_opens_a_request_in_the_officials_queue(client, lab, citizen):
    post(client, "/v1/declarations", declaration(), citizen)

    sent = body(send(client, lab, "kingmed-14", result(outcome="positive")))

    assert sent["positives"] == 1
    shown = code(client, citizen)
    assert shown["colour"] == "red" and "positive_test" in reasons(shown)
    official = login(client, "official-a", role="official")
    (queued,) = body(get(client, "/v1/admin/status", official))["items"]
    assert queued | {} == queued | {
        "status": "confirmed",
        "category": "lab_result",
        "state": "awaiting_approval",
        "requested_by": f"lab:{lab_subject(client, lab)}",
    }
    assert queued["person"] is not None and "S-1" in queued["note"]

    approved = post(client, f"/v1/admin/status/{queued['id']}/approve", {}, official)

    assert approved.status_code == 200, approved.body
    assert "status_confirmed" in reasons(code(client, citizen))
    assert body(get(client, "/v1/admin/status", official))["items"] == []


def test_a_positive_corrected_away_withdraws_its_waiting_request(client, lab, citizen):
    post(client, "/v1/declarations", declaration(), citizen)
    send(client, lab, "kingmed-15", result(outcome="positive"))

    send(client, lab, "kingmed-16", result(outcome="negative"))

    assert code(client, citizen)["colour"] == "green"
    (mark,) = StatusMarkRecord.scan()
    assert mark.state == "withdrawn" and mark.queue is None
    official = login(client, "official-a", role="official")
    assert body(get(client, "/v1/admin/status", official))["items"] == []


def test_a_resent_positive_opens_no_second_request(client, lab, citizen):
    post(client, "/v1/declarations", declaration(), citizen)
    send(client, lab, "kingmed-17", result(outcome="positive"))
    send(client, lab, "kingmed-18", result(outcome="positive"))

    assert StatusMarkRecord.count() == 1


def test_a_close_contact_leaves_only_after_a_negative_test_after_the_contact(
    client, lab, citizen, clock
):
    post(client, "/v1/declarations", declaration(), citizen)
    approved = mark_and_approve(
        client,
        status="close_contact",
        category="contact_tracing",
        note="shared a bus with case 12",
        contact_date="2026-11-19",
    )
    assert approved.status_code == 200, approved.body
    clock.now = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # 15 days after the contact
    citizen = login(client, "alice")  # the earlier session has expired
    lab = login(client, "kingmed", role="lab")

    assert "status_close_contact" in reasons(code(client, citizen))  # no test yet
    send(client, lab, "kingmed-19", result(sampled="2026-11-19T20:00:00+08:00"))  # contact day
    assert "status_close_contact" in reasons(code(client, citizen))

    send(client, lab, "kingmed-20", result("S-2", sampled="2026-11-22T09:00:00+08:00"))

    assert code(client, citizen)["colour"] == "green"


# --- the citizen's reports and badges ---------------------------------------------------------


def test_a_citizen_reads_their_own_results_newest_first_with_badges(client, lab, citizen, clock):
    post(client, "/v1/declarations", declaration(), citizen)
    send(
        client,
        lab,
        "kingmed-21",
        result("S-old", sampled="2026-11-16T09:00:00+08:00"),
        result("S-new", sampled="2026-11-19T10:00:00+08:00"),
        result("S-other", id_number=OTHER_ID),  # somebody else's
    )

    items = body(get(client, "/v1/tests", citizen))["items"]

    assert [(i["sample_id"], i["badge"]) for i in items] == [("S-new", "24h"), ("S-old", "7d")]
    assert items[0]["lab"] == "金域医学" and items[0]["result"] == "negative"
    clock.now += timedelta(seconds=1)  # S-new is now 24 h and 1 s old
    assert body(get(client, "/v1/tests", citizen))["items"][0]["badge"] == "48h"


def test_no_results_before_declaring(client, lab, citizen):
    send(client, lab, "kingmed-22", result())
    assert body(get(client, "/v1/tests", citizen)) == {"items": []}


def test_an_expired_result_is_not_shown(client, lab, citizen, clock):
    post(client, "/v1/declarations", declaration(), citizen)
    send(client, lab, "kingmed-23", result())
    clock.now += timedelta(days=31)  # moto never deletes by TTL; readers skip it
    citizen = login(client, "alice")

    assert body(get(client, "/v1/tests", citizen))["items"] == []


def test_the_badge_shows_on_the_code_the_pass_and_at_the_checkpoint(client, lab, citizen, clock):
    post(client, "/v1/declarations", declaration(), citizen)
    send(client, lab, "kingmed-24", result(sampled="2026-11-19T09:00:00+08:00"))
    clock.now += timedelta(hours=1)

    shown = code(client, citizen)
    expected = {
        "result": "negative",
        "sampled_at": "2026-11-19T01:00:00Z",
        "lab": "金域医学",
        "badge": "48h",
    }
    assert shown["latest_test"] == expected
    assert body(get(client, "/v1/pass", citizen))["latest_test"] == expected
    checkpoint = login(client, "gate-1", role="checkpoint")
    verified = body(post(client, "/v1/verify", {"token": shown["token"]}, checkpoint))
    assert verified["latest_test"] == expected


def test_a_checkpoint_never_sees_a_positive_result(client, lab, citizen):
    post(client, "/v1/declarations", declaration(), citizen)
    send(client, lab, "kingmed-25", result(outcome="positive"))

    shown = code(client, citizen)
    assert shown["latest_test"]["result"] == "positive"  # the citizen sees their own
    checkpoint = login(client, "gate-1", role="checkpoint")
    verified = body(post(client, "/v1/verify", {"token": shown["token"]}, checkpoint))
    assert verified["colour"] == "red" and verified["latest_test"] is None
