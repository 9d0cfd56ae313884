"""Consent: a guardian adds a person who has an account of their own (issue 16).

An elder may be held by two of their children and by their own account. A child
declaring for a parent who already declared for themselves does not take the
parent's code: the parent is asked, in their own account, and decides.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.helpers import assert_error, body, declaration, get, login, make_id_number, post

MUM_ID = make_id_number("11010119550505123")
MUM = {"name": "刘秀英", "id_number": MUM_ID, "phone": "13700001111"}


@pytest.fixture
def mum(client):
    token = login(client, "mum", phone="13700001111")
    assert post(client, "/v1/declarations", declaration(**MUM), token).status_code == 201
    return token


@pytest.fixture
def son(client):
    token = login(client, "son", phone="13800002222")
    assert post(client, "/v1/declarations", declaration(), token).status_code == 201
    return token


def _add_mum(client, token, relation="parent", **answers):
    payload = declaration(**{**MUM, **answers}, dependant={"relation": relation})
    return post(client, "/v1/declarations", payload, token)


def _requests(client, token):
    return body(get(client, "/v1/me/care-requests", token))["items"]


def test_adding_an_account_holder_asks_them_and_links_only_when_they_accept(client, mum, son):
    asked = _add_mum(client, son)

    assert_error(asked, 409, code="consent_required", field="dependant")
    assert [p["relation"] for p in body(get(client, "/v1/people", son))["items"]] == ["self"]
    (request,) = _requests(client, mum)
    assert request["relation"] == "parent" and request["state"] == "pending"
    assert request["requester"] == {"name_masked": "张*三"}  # the son's own code's name

    accepted = post(client, f"/v1/me/care-requests/{request['id']}", {"decision": "accept"}, mum)

    assert accepted.status_code == 200, accepted.body
    assert body(accepted)["state"] == "accepted"
    people = body(get(client, "/v1/people", son))["items"]
    assert [(p["relation"], p["name_masked"]) for p in people] == [
        ("self", "张*三"),
        ("parent", "刘*英"),
    ]
    mums = body(get(client, "/v1/code", mum))
    shown = body(get(client, f"/v1/code?person={people[1]['id']}", son))
    assert shown["holder"] == mums["holder"] and shown["colour"] == mums["colour"]
    assert _requests(client, mum) == []
    # Her own account still shows her own code: nothing moved.
    assert body(get(client, "/v1/people", mum))["items"][0]["relation"] == "self"


def test_once_linked_the_guardian_declares_for_them_like_any_dependant(client, mum, son):
    _add_mum(client, son)
    (request,) = _requests(client, mum)
    post(client, f"/v1/me/care-requests/{request['id']}", {"decision": "accept"}, mum)

    again = _add_mum(client, son, symptoms=["cough"])

    assert again.status_code == 201, again.body
    assert body(get(client, "/v1/code", mum))["colour"] == "yellow"  # one colour


def test_a_refusal_links_nothing_and_is_not_asked_again_at_once(client, mum, son):
    _add_mum(client, son)
    (request,) = _requests(client, mum)

    refused = post(client, f"/v1/me/care-requests/{request['id']}", {"decision": "refuse"}, mum)
    again = _add_mum(client, son)

    assert body(refused)["state"] == "refused"
    assert_error(again, 409, code="consent_required")
    assert _requests(client, mum) == []
    assert len(body(get(client, "/v1/people", son))["items"]) == 1
    twice = post(client, f"/v1/me/care-requests/{request['id']}", {"decision": "accept"}, mum)
    assert_error(twice, 409, code="already_decided")


def test_the_wrong_name_is_the_same_mismatch_as_an_unknown_person(client, mum, son):
    attempt = _add_mum(client, son, name="刘秀兰")

    assert_error(attempt, 409, code="dependant_mismatch", field="name")
    assert _requests(client, mum) == []


def test_asking_twice_files_one_request(client, mum, son):
    _add_mum(client, son)
    _add_mum(client, son, relation="other")

    assert len(_requests(client, mum)) == 1


def test_only_the_persons_own_account_answers(client, mum, son):
    _add_mum(client, son)
    (request,) = _requests(client, mum)
    stranger = login(client, "stranger", phone="13800003333")
    post(
        client,
        "/v1/declarations",
        declaration(id_number=make_id_number("61011319700101123")),
        stranger,
    )

    for token in (son, stranger):
        answer = post(
            client, f"/v1/me/care-requests/{request['id']}", {"decision": "accept"}, token
        )
        assert_error(answer, 404, code="care_request_not_found")
        assert _requests(client, token) == []
    assert_error(
        post(client, "/v1/me/care-requests/cr_nonexistent", {"decision": "accept"}, mum),
        404,
        code="care_request_not_found",
    )
    assert len(body(get(client, "/v1/people", son))["items"]) == 1


def test_an_unanswered_request_lapses_after_a_week(client, mum, son, clock):
    _add_mum(client, son)
    (request,) = _requests(client, mum)
    clock.now += timedelta(days=7, minutes=1)
    mum, son = login(client, "mum"), login(client, "son")  # the sessions ran out too

    late = post(client, f"/v1/me/care-requests/{request['id']}", {"decision": "accept"}, mum)

    assert_error(late, 404, code="care_request_not_found")
    assert _requests(client, mum) == []
    assert_error(_add_mum(client, son), 409, code="consent_required")  # asked afresh
    assert len(_requests(client, mum)) == 1


def test_a_guardian_who_ended_the_link_may_ask_again(client, mum, son):
    _add_mum(client, son)
    (request,) = _requests(client, mum)
    post(client, f"/v1/me/care-requests/{request['id']}", {"decision": "accept"}, mum)
    person = body(get(client, "/v1/people", son))["items"][1]["id"]
    assert (
        client.http.delete(
            f"/v1/people/{person}", headers={"Authorization": f"Bearer {son}"}
        ).status_code
        == 200
    )

    assert_error(_add_mum(client, son), 409, code="consent_required")
    assert [r["state"] for r in _requests(client, mum)] == ["pending"]


def test_every_step_is_audited_without_names_or_numbers(client, mum, son):
    _add_mum(client, son)
    (request,) = _requests(client, mum)
    post(client, f"/v1/me/care-requests/{request['id']}", {"decision": "accept"}, mum)
    admin = login(client, "admin-1", role="admin")
    person = body(get(client, "/v1/people", son))["items"][1]["id"]

    trail = body(get(client, f"/v1/admin/audit?subject={person}", admin))["items"]

    actions = [e["action"] for e in trail]
    assert "care_link_requested" in actions and "care_link_added" in actions
    assert MUM_ID not in str(trail) and "刘秀英" not in str(trail)


@pytest.mark.parametrize("payload", [{}, {"decision": "maybe"}, {"decision": "accept", "x": 1}])
def test_bad_answers_are_400_and_change_nothing(client, mum, son, payload):
    _add_mum(client, son)
    (request,) = _requests(client, mum)

    assert_error(post(client, f"/v1/me/care-requests/{request['id']}", payload, mum), 400)
    assert [r["state"] for r in _requests(client, mum)] == ["pending"]
