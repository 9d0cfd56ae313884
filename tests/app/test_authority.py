"""Who may change or see a person (issue 29): the attacks on people changing hands.

Each test is an attack that worked before the one authority (``people/policy.py``)
and the links' consent existed: a stranger taking a child's record by declaring its
ID number, a filer keeping an adult it filed without asking, a squatter's accomplice
keeping its link after the person moved, the loser of a dispute still reading.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.app.checkpoints import CAFE, register_venue
from tests.helpers import assert_error, body, declaration, get, login, make_id_number, post

CHILD = {"name": "王小明", "id_number": make_id_number("61011320160101123")}
ADULT = {"name": "李四", "id_number": make_id_number("61011319850101123"), "phone": "13911112222"}


def dev_login(client, subject: str, **extra: Any) -> str:
    response = post(client, "/v1/auth/dev", {"subject": subject, **extra})
    assert response.status_code == 200, response.body
    return str(body(response)["token"])


def declare(client, token, **answers):
    return post(client, "/v1/declarations", declaration(**answers), token)


def people(client, token) -> list[dict[str, Any]]:
    return list(body(get(client, "/v1/people", token))["items"])


def lab_result(client, id_number: str, sample: str = "S-1", result: str = "negative") -> None:
    lab = login(client, "lab-1", role="lab")
    row = {
        "id_number": id_number,
        "sample_id": sample,
        "sampled_at": "2026-11-19T09:00:00+08:00",
        "result": result,
        "lab": "雁塔区疾控中心",
    }
    sent = post(client, "/v1/feeds/tests", {"batch_id": f"b-{sample}", "results": [row]}, lab)
    assert sent.status_code == 200, sent.body


def _son_accepted_by_mum(client) -> tuple[str, str, str]:
    """A mother with her own account accepts her son as a carer: (mum, son, her person)."""
    mum = login(client, "mum2", phone="13700001111")
    mum_id = make_id_number("11010119550505123")
    assert declare(client, mum, name="刘秀英", id_number=mum_id, phone="13700001111")
    son = login(client, "son", phone="13800002222")
    assert declare(client, son).status_code == 201
    asked = declare(client, son, name="刘秀英", id_number=mum_id, dependant={"relation": "parent"})
    assert_error(asked, 409, code="consent_required")
    (request,) = body(get(client, "/v1/me/care-requests", mum))["items"]
    post(client, f"/v1/me/care-requests/{request['id']}", {"decision": "accept"}, mum)
    return mum, son, people(client, mum)[0]["id"]


@pytest.fixture
def guardian(client):
    token = login(client, "mum", phone="13812345678")
    assert declare(client, token).status_code == 201
    return token


@pytest.fixture
def child(client, guardian):
    filed = declare(client, guardian, **CHILD, dependant={"relation": "child"})
    assert filed.status_code == 201, filed.body
    return body(filed)["person"]


# --- 2. taking over a dependant by declaring its ID number -----------------------------


def test_a_stranger_declaring_a_childs_id_number_opens_a_dispute_and_gets_nothing(
    client, guardian, child
):
    lab_result(client, CHILD["id_number"])
    intruder = login(client, "intruder", phone="13700007777")

    answer = declare(client, intruder, name="坏人", id_number=CHILD["id_number"])

    assert_error(answer, 409, code="id_number_disputed", field="id_number")
    assert_error(get(client, "/v1/code", intruder), 404, code="no_code")
    assert body(get(client, "/v1/tests", intruder))["items"] == []
    assert [p["name_masked"] for p in people(client, guardian)] == ["张*三", "王*明"]
    assert body(get(client, f"/v1/code?person={child}", guardian))["holder"]["name_masked"] == (
        "王*明"
    )


def test_the_right_name_without_a_vouched_identity_is_still_a_dispute(client, guardian, child):
    claimant = login(client, "claimant", phone="13700007777")

    answer = declare(client, claimant, **CHILD)

    assert_error(answer, 409, code="id_number_disputed", field="id_number")
    assert [p["relation"] for p in people(client, guardian)] == ["self", "child"]


def test_a_vouched_claim_with_the_filed_name_takes_the_person_and_a_child_keeps_its_guardian(
    client, guardian, child
):
    own = dev_login(client, "xiaoming", phone="13700007777", vouched_id_number=CHILD["id_number"])

    answer = declare(client, own, **CHILD, phone="13700007777")

    assert answer.status_code == 201, answer.body
    assert body(answer)["person"] == child
    # Under 14: the guardian keeps acting for the child (PIPL Art. 31).
    assert body(get(client, f"/v1/code?person={child}", guardian))["holder"]["name_masked"] == (
        "王*明"
    )
    (carer,) = body(get(client, "/v1/me/carers", own))["items"]
    assert carer["relation"] == "child" and carer["basis"] == "guardian_of_child"
    gone = client.http.delete(
        f"/v1/me/carers/{carer['id']}", headers={"Authorization": f"Bearer {own}"}
    )
    assert_error(gone, 409, code="guardian_of_child")


def test_a_vouched_claim_with_another_name_is_a_dispute(client, guardian, child):
    own = dev_login(client, "xm", phone="13700007777", vouched_id_number=CHILD["id_number"])

    answer = declare(client, own, name="王大明", id_number=CHILD["id_number"])

    assert_error(answer, 409, code="id_number_disputed", field="id_number")


# --- 3. links nobody agreed to ---------------------------------------------------------


@pytest.fixture
def filer(client):
    token = login(client, "filer", phone="13600006666")
    assert declare(client, token, name="赵六", id_number=make_id_number("11010119700101123"))
    return token


@pytest.fixture
def filed_adult(client, filer):
    filed = declare(client, filer, **ADULT, dependant={"relation": "other"})
    assert filed.status_code == 201, filed.body
    return body(filed)["person"]


def test_an_adult_filed_as_a_dependant_decides_when_they_take_their_person(
    client, filer, filed_adult
):
    lab_result(client, ADULT["id_number"])
    adult = dev_login(client, "lisi", phone=ADULT["phone"], vouched_id_number=ADULT["id_number"])

    taken = declare(client, adult, **ADULT)

    assert taken.status_code == 201, taken.body
    assert body(taken)["person"] == filed_adult
    # The filer's link became a request the adult answers; until then it grants nothing.
    assert_error(get(client, f"/v1/tests?person={filed_adult}", filer), 404)
    assert_error(get(client, f"/v1/code?person={filed_adult}", filer), 404)
    assert [p["relation"] for p in people(client, filer)] == ["self"]
    assert body(get(client, "/v1/me/carers", adult))["items"] == []
    (request,) = body(get(client, "/v1/me/care-requests", adult))["items"]
    assert request["relation"] == "other" and request["state"] == "pending"
    refused = post(client, f"/v1/me/care-requests/{request['id']}", {"decision": "refuse"}, adult)
    assert refused.status_code == 200, refused.body
    assert_error(get(client, f"/v1/code?person={filed_adult}", filer), 404)


def test_a_filer_cannot_check_in_or_declare_for_an_adult_who_took_their_person(
    client, filer, filed_adult
):
    adult = dev_login(client, "lisi", phone=ADULT["phone"], vouched_id_number=ADULT["id_number"])
    assert declare(client, adult, **ADULT).status_code == 201
    venue = register_venue(client, login(client, "official-a", role="official"), CAFE)

    checked = post(
        client, "/v1/checkins", {"venue_token": venue["token"], "person": filed_adult}, filer
    )
    fever = declare(client, filer, **ADULT, symptoms=["fever"], dependant={"relation": "other"})
    printed = post(client, f"/v1/people/{filed_adult}/printed-code", {}, filer)

    assert_error(checked, 404, code="person_not_found", field="person")
    assert_error(fever, 409, code="consent_required", field="dependant")
    assert_error(printed, 404, code="person_not_found")
    assert body(get(client, "/v1/code", adult))["colour"] == "green"


def test_a_person_sees_and_ends_the_links_they_agreed_to(client):
    mum, son, mums_person = _son_accepted_by_mum(client)

    (carer,) = body(get(client, "/v1/me/carers", mum))["items"]
    assert carer["relation"] == "parent" and carer["basis"] == "consent"
    assert carer["carer"] == {"name_masked": "张*三"}
    assert set(carer["may"]) >= {"read", "declare", "check_in", "print"}
    assert "since" in carer
    assert body(get(client, f"/v1/code?person={mums_person}", son))["colour"] == "green"

    ended = client.http.delete(
        f"/v1/me/carers/{carer['id']}", headers={"Authorization": f"Bearer {mum}"}
    )

    assert ended.status_code == 200, ended.body
    assert body(ended)["ended"] is True
    assert_error(get(client, f"/v1/code?person={mums_person}", son), 404)
    assert body(get(client, "/v1/me/carers", mum))["items"] == []
    # Another account's link id, or one that never existed, is the same 404.
    again = client.http.delete(
        f"/v1/me/carers/{carer['id']}", headers={"Authorization": f"Bearer {mum}"}
    )
    assert_error(again, 404, code="carer_not_found")


# --- 3 and 4. a dispute's move ----------------------------------------------------------


@pytest.fixture
def squatter(client):
    token = login(client, "squatter", phone="13822223333")
    assert declare(client, token, **{**ADULT, "phone": "13822223333"}).status_code == 201
    return token


@pytest.fixture
def accomplice(client, squatter):
    token = login(client, "accomplice", phone="13833334444")
    assert declare(client, token, name="钱七", id_number=make_id_number("11010119800101123"))
    asked = declare(client, token, **ADULT, dependant={"relation": "spouse"})
    assert_error(asked, 409, code="consent_required")
    (request,) = body(get(client, "/v1/me/care-requests", squatter))["items"]
    post(client, f"/v1/me/care-requests/{request['id']}", {"decision": "accept"}, squatter)
    return token


def _moved_by_a_reviewer(client, **answers) -> tuple[str, str]:
    victim = login(client, "victim", phone=ADULT["phone"])
    assert_error(declare(client, victim, **ADULT, **answers), 409, code="id_number_disputed")
    reviewer = login(client, "reviewer-1", role="reviewer")
    (item,) = body(get(client, "/v1/admin/disputes", reviewer))["items"]
    decided = post(
        client, f"/v1/admin/disputes/{item['id']}", {"decision": "move", "note": "核验"}, reviewer
    )
    assert decided.status_code == 200, decided.body
    return victim, people(client, victim)[0]["id"]


def test_a_move_ends_the_links_the_loser_agreed_to(client, squatter, accomplice):
    victim, person = _moved_by_a_reviewer(client)

    fever = declare(
        client, accomplice, **ADULT, symptoms=["fever"], dependant={"relation": "spouse"}
    )
    printed = post(client, f"/v1/people/{person}/printed-code", {"days": 30}, accomplice)

    assert fever.status_code == 409, fever.body
    assert_error(printed, 404, code="person_not_found")
    assert_error(get(client, f"/v1/code?person={person}", accomplice), 404)
    assert [p["relation"] for p in people(client, accomplice)] == ["self"]
    assert body(get(client, "/v1/me/carers", victim))["items"] == []
    assert body(get(client, "/v1/code", victim))["colour"] == "green"


def test_the_loser_of_a_dispute_reads_nothing_of_the_person(client, squatter):
    vaccinator = login(client, "cdc-1", role="vaccinator")
    record = {
        "record_id": "V-1",
        "id_number": ADULT["id_number"],
        "dose_number": 1,
        "vaccine": "科兴克尔来福",
        "administered_at": "2021-05-01T09:00:00+08:00",
        "site": "雁塔区疾控中心",
    }
    sent = post(
        client, "/v1/feeds/vaccinations", {"batch_id": "v1", "records": [record]}, vaccinator
    )
    assert sent.status_code == 200, sent.body
    lab_result(client, ADULT["id_number"])
    assert len(body(get(client, "/v1/vaccinations", squatter))["items"]) == 1

    victim, _person = _moved_by_a_reviewer(client)

    assert body(get(client, "/v1/vaccinations", squatter))["items"] == []
    assert body(get(client, "/v1/tests", squatter))["items"] == []
    assert_error(get(client, "/v1/code", squatter), 404, code="no_code")
    assert len(body(get(client, "/v1/vaccinations", victim))["items"]) == 1
    assert len(body(get(client, "/v1/tests", victim))["items"]) == 1


def test_a_person_sees_check_ins_a_carer_made_for_them(client):
    mum, son, mums_person = _son_accepted_by_mum(client)
    venue = register_venue(client, login(client, "official-a", role="official"), CAFE)

    checked = post(
        client, "/v1/checkins", {"venue_token": venue["token"], "person": mums_person}, son
    )

    assert checked.status_code == 201, checked.body
    (mine,) = body(get(client, "/v1/checkins", mum))["items"]
    assert mine["person"] == mums_person
    (for_mum,) = body(get(client, f"/v1/checkins?person={mums_person}", son))["items"]
    assert for_mum["person"] == mums_person


def test_a_moved_persons_own_phone_still_recolours_them_on_a_risk_change(client, squatter):
    """The person keeps the id derived from the squatter's account; the risk refresh finds
    them through their new owner's phone all the same."""
    victim, _person = _moved_by_a_reviewer(client, residence_region="610103")
    assert body(get(client, "/v1/code", victim))["colour"] == "green"
    carrier = login(client, "cmcc", role="carrier")
    stay = {
        "phone": ADULT["phone"],
        "kind": "city",
        "place": "610100",
        "entered_at": "2026-11-17T08:00:00+08:00",
        "left_at": "2026-11-17T18:00:00+08:00",
    }
    assert post(client, "/v1/feeds/carrier", {"batch_id": "b1", "stays": [stay]}, carrier)
    official = login(client, "official-a", role="official")
    snapshot = {
        "feed_id": "f1",
        "published_at": "2026-11-20T09:00:00+08:00",
        "areas": [
            {
                "region_code": "610113",
                "area": "电子城街道",
                "level": "high",
                "since": "2026-11-15T00:00:00+08:00",
            }
        ],
    }

    report = body(post(client, "/v1/feeds/risk-areas", snapshot, official))

    assert report["people_recoloured"] >= 1
    assert body(get(client, "/v1/code", victim))["colour"] == "yellow"
