"""Vaccination records through the API on moto: the feed, the citizen's list, where doses show."""

from __future__ import annotations

import pytest

from chalicelib.venues.store import VaccinationRecord
from tests.helpers import assert_error, body, declaration, get, login, make_id_number, post

ID = make_id_number("61011319900101123")  # declaration()'s own ID number
OTHER_ID = make_id_number("61011319900101456")


def record(record_id="V-1", dose=1, at="2021-05-01T09:00:00+08:00", id_number=ID, **extra):
    return {
        "record_id": record_id,
        "id_number": id_number,
        "dose_number": dose,
        "vaccine": "科兴克尔来福",
        "administered_at": at,
        "site": "雁塔区疾控中心",
        **extra,
    }


def send(client, token, batch_id, *rows):
    return post(
        client, "/v1/feeds/vaccinations", {"batch_id": batch_id, "records": list(rows)}, token
    )


@pytest.fixture
def vaccinator(client):
    return login(client, "cdc-site-1", role="vaccinator")


@pytest.fixture
def citizen(client):
    token = login(client, "alice", phone="13812345678")
    assert post(client, "/v1/declarations", declaration(), token).status_code == 201
    return token


def test_a_batch_is_stored_and_shown_to_the_citizen_with_the_dose_count(
    client, vaccinator, citizen
):
    sent = send(
        client,
        vaccinator,
        "b1",
        record("V-1", 1, "2021-05-01T09:00:00+08:00"),
        record("V-2", 2, "2021-06-01T09:00:00+08:00"),
    )

    assert sent.status_code == 200, sent.body
    assert body(sent) | {} == body(sent) | {"accepted": 2, "new": 2, "duplicate": False}
    mine = body(get(client, "/v1/vaccinations", citizen))
    assert mine["vaccination"] == {"doses": 2, "last_at": "2021-06-01T01:00:00Z"}
    assert [r["record_id"] for r in mine["items"]] == ["V-2", "V-1"]


def test_doses_show_on_the_code_the_pass_the_check_in_and_the_scan(client, vaccinator, citizen):
    send(client, vaccinator, "b1", record("V-1", 1), record("V-2", 2, "2021-06-01T09:00:00+08:00"))
    expected = {"doses": 2, "last_at": "2021-06-01T01:00:00Z"}

    code = body(get(client, "/v1/code", citizen))
    assert code["vaccination"] == expected and code["colour"] == "green"  # no colour change
    assert body(get(client, "/v1/pass", citizen))["vaccination"] == expected
    gate = login(client, "gate-1", role="checkpoint")
    assert (
        body(post(client, "/v1/verify", {"token": code["token"]}, gate))["vaccination"] == expected
    )
    official = login(client, "official-a", role="official")
    venue = body(
        post(
            client,
            "/v1/admin/venues",
            {
                "name": "超市",
                "address": "长安路1号",
                "region_code": "610113",
                "lat": 34.2,
                "lng": 108.9,
                "kind": "shop",
            },
            official,
        )
    )
    answer = body(post(client, "/v1/checkins", {"venue_token": venue["token"]}, citizen))
    assert answer["vaccination"] == expected


def test_records_wait_for_people_who_have_not_declared(client, vaccinator):
    assert send(client, vaccinator, "b1", record()).status_code == 200
    token = login(client, "alice", phone="13812345678")
    assert body(get(client, "/v1/vaccinations", token)) == {"vaccination": None, "items": []}

    post(client, "/v1/declarations", declaration(), token)

    assert body(get(client, "/v1/vaccinations", token))["vaccination"]["doses"] == 1
    assert body(get(client, "/v1/code", token))["vaccination"]["doses"] == 1


def test_a_resend_changes_nothing_and_a_correction_replaces(client, vaccinator, citizen):
    send(client, vaccinator, "b1", record("V-1", 1))

    again = body(send(client, vaccinator, "b1", record("V-1", 1)))
    assert again["duplicate"] is True
    same = body(send(client, vaccinator, "b2", record("V-1", 1)))
    assert (same["unchanged"], same["new"], same["corrected"]) == (1, 0, 0)
    fixed = body(send(client, vaccinator, "b3", record("V-1", 2)))
    assert fixed["corrected"] == 1
    (item,) = body(get(client, "/v1/vaccinations", citizen))["items"]
    assert item["dose_number"] == 2


def test_only_the_client_that_sent_a_record_may_correct_it(client, vaccinator, citizen):
    send(client, vaccinator, "b1", record("V-1", 1))
    other = login(client, "cdc-site-2", role="vaccinator")

    refused = send(client, other, "b9", record("V-2", 1), record("V-1", 3))

    assert_error(refused, 403, code="record_owned_elsewhere", field="records[1].record_id")
    (item,) = body(get(client, "/v1/vaccinations", citizen))["items"]
    assert item["dose_number"] == 1
    assert sum(1 for _ in VaccinationRecord.scan()) == 1


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (record(id_number=ID[:-1] + ("0" if ID[-1] != "0" else "1")), "records[1].id_number"),
        (record(at="2021-05-01T09:00:00"), "records[1].administered_at"),
        (record(at="2027-01-01T09:00:00+08:00"), "records[1].administered_at"),
        (record(at="2019-01-01T09:00:00+08:00"), "records[1].administered_at"),
        (record(dose=0), "records[1].dose_number"),
        (record(dose=True), "records[1].dose_number"),
        (record(vaccine=" "), "records[1].vaccine"),
        (record(site=""), "records[1].site"),
        (record(record_id="V 1"), "records[1].record_id"),
        (record("V-0", dose=2), "records[1].record_id"),  # the same id, other values
    ],
)
def test_a_bad_row_names_its_field_and_nothing_is_stored(client, vaccinator, bad, field):
    response = send(client, vaccinator, "b1", record("V-0"), bad)

    assert_error(response, 400, field=field)
    assert sum(1 for _ in VaccinationRecord.scan()) == 0


def test_the_policy_flag_turns_too_few_doses_yellow(client, container, vaccinator, citizen):
    from dataclasses import replace

    container.colours.policy = replace(container.colours.policy, vaccination_required_doses=2)
    send(client, vaccinator, "b1", record("V-1", 1))

    code = body(get(client, "/v1/code", citizen))
    assert code["colour"] == "yellow"
    assert [r["code"] for r in code["reasons"]] == ["vaccination_incomplete"]

    send(client, vaccinator, "b2", record("V-2", 2, "2021-06-01T09:00:00+08:00"))
    assert body(get(client, "/v1/code", citizen))["colour"] == "green"


def test_a_citizen_sees_only_their_own_records(client, vaccinator, citizen):
    send(client, vaccinator, "b1", record("V-9", id_number=OTHER_ID))

    assert body(get(client, "/v1/vaccinations", citizen))["items"] == []
    assert_error(get(client, f"/v1/vaccinations?id_number={OTHER_ID}", citizen), 400)
