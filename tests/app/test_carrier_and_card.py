"""Carrier feeds and the itinerary card through the API on moto."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.itinerary.store import IdempotencyRecord, PlaceDayRecord, StayRecord
from tests.helpers import assert_error, body, declaration, get, login, post

PHONE = "13800138000"


@pytest.fixture
def carrier(client):
    return login(client, "cmcc", role="carrier")


def row(
    place="610100",
    kind="city",
    phone=PHONE,
    entered="2026-11-17T08:00:00+08:00",
    left="2026-11-17T14:30:00+08:00",
):
    return {"phone": phone, "kind": kind, "place": place, "entered_at": entered, "left_at": left}


def feed(client, carrier, batch_id, *rows):
    return post(client, "/v1/feeds/carrier", {"batch_id": batch_id, "stays": list(rows)}, carrier)


def test_a_batch_is_stored_under_keyed_hashes_with_the_place_day_index(client, carrier):
    response = feed(client, carrier, "cmcc-1", row(), row("JP", "country"))

    assert response.status_code == 200
    assert body(response) == body(response) | {"accepted": 2, "phones": 1, "duplicate": False}
    stored = list(StayRecord.scan())
    assert len(stored) == 2 and all(PHONE not in str(s.attribute_values) for s in stored)
    assert {s.expires.date().isoformat() for s in stored} == {"2026-12-02"}  # window + 1 day
    days = {p.place_day for p in PlaceDayRecord.scan()}
    assert days == {"610100#2026-11-17", "JP#2026-11-17"}


def test_the_same_batch_again_changes_nothing(client, carrier):
    first = body(feed(client, carrier, "cmcc-2", row()))
    again = feed(client, carrier, "cmcc-2", row())

    assert again.status_code == 200
    assert body(again) == first | {"duplicate": True}
    assert StayRecord.count() == 1


def test_a_batch_id_reused_for_other_rows_is_a_conflict(client, carrier):
    feed(client, carrier, "cmcc-3", row())

    assert_error(feed(client, carrier, "cmcc-3", row("110100")), 409, code="batch_id_reused")


def test_one_bad_row_rejects_the_batch_and_stores_nothing(client, carrier):
    response = feed(client, carrier, "cmcc-4", row(), row(), row(place="610113"))

    assert_error(response, 400, field="stays[2].place")
    assert StayRecord.count() == 0 and IdempotencyRecord.count() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"batch_id": "x", "stays": []}, "stays"),
        ({"batch_id": "bad id!", "stays": [row()]}, "batch_id"),
        ({"batch_id": "x", "stays": [row() | {"extra": 1}]}, "stays[0].extra"),
        ({"stays": [row()]}, "batch_id"),
    ],
)
def test_malformed_batches_name_the_field(client, carrier, payload, field):
    assert_error(post(client, "/v1/feeds/carrier", payload, carrier), 400, field=field)


def test_a_large_batch_is_written_whole(client, carrier):
    rows = [
        row(
            phone=f"139{n:08d}",
            entered="2026-11-18T08:00:00+08:00",
            left="2026-11-18T20:00:00+08:00",
        )
        for n in range(1500)
    ]

    result = body(feed(client, carrier, "cmcc-big", *rows))

    assert result["accepted"] == 1500 and result["phones"] == 1500
    assert StayRecord.count() == 1500
    assert PlaceDayRecord.count() == 1500


def test_only_carriers_may_feed(client):
    citizen = login(client, "c")

    assert_error(feed(client, citizen, "x", row()), 403, code="wrong_role")


# --- the card -------------------------------------------------------------------------


@pytest.fixture
def citizen(client):
    return login(client, "traveller", phone=PHONE)


def test_the_card_lists_cities_over_four_hours_and_countries(client, carrier, citizen):
    feed(
        client,
        carrier,
        "cmcc-5",
        row("610100"),  # 6.5 h in Xi'an
        row("110100", entered="2026-11-18T08:00:00+08:00", left="2026-11-18T10:00:00+08:00"),
        row("HK", "country", entered="2026-11-10T08:00:00+08:00", left="2026-11-10T09:00:00+08:00"),
    )

    card = body(get(client, "/v1/itinerary", citizen))

    assert card["phone_masked"] == "138****8000"
    assert (card["window_days"], card["min_stay_hours"]) == (14, 4.0)
    assert card["cities"] == [{"region_code": "610100", "name": "西安市", "starred": False}]
    assert card["countries"] == [{"code": "HK", "name": "香港", "name_en": "Hong Kong"}]
    assert card["updated_at"] == "2026-11-20T02:00:00Z"
    assert "no health colour" in card["note"]


def test_cities_with_risk_areas_are_starred_from_the_active_snapshot(
    client, carrier, citizen, clock
):
    from chalicelib.risk.store import RiskFeedRecord

    RiskFeedRecord(
        "f1",
        state="active",
        stored_at=clock.now,
        areas=[
            {
                "region_code": "610113",
                "area": "电子城街道",
                "level": "high",
                "since": "2026-11-18T00:00:00+08:00",
            }
        ],
    ).save()
    RiskFeedRecord("@active", state="pointer", stored_at=clock.now, active_feed_id="f1").save()
    feed(client, carrier, "cmcc-6", row("610100"))

    card = body(get(client, "/v1/itinerary", citizen))

    assert card["cities"][0]["starred"] is True


def test_no_bound_phone_is_a_409(client):
    assert_error(
        get(client, "/v1/itinerary", login(client, "phoneless")), 409, code="phone_not_bound"
    )


def test_the_itinerary_drives_the_colour_and_the_review(client, carrier, citizen, clock):
    feed(
        client,
        carrier,
        "cmcc-7",
        row("JP", "country", entered="2026-11-15T08:00:00+08:00", left="2026-11-16T08:00:00+08:00"),
    )

    declared = body(post(client, "/v1/declarations", declaration(phone=PHONE), citizen))

    assert declared["status"] == "pending_review"
    assert "abroad_contradicts_itinerary" in declared["review_reasons"]
    assert declared["colour"] == "red"
    abroad = next(r for r in declared["reasons"] if r["code"] == "abroad_14d")
    assert abroad["until"] == "2026-11-29T16:00:00Z"  # 00:00 Beijing, 14 days after leaving
    clock.now += timedelta(days=10)
    citizen = login(client, "traveller")
    assert body(get(client, "/v1/itinerary", citizen))["countries"][0]["code"] == "JP"


def test_a_checkpoint_sees_the_itinerary_star(client, carrier, citizen, clock):
    from chalicelib.risk.store import RiskFeedRecord

    RiskFeedRecord(
        "f1",
        state="active",
        stored_at=clock.now,
        areas=[
            {
                "region_code": "610113",
                "area": "电子城街道",
                "level": "medium",
                "since": "2026-11-10T00:00:00+08:00",
            }
        ],
    ).save()
    RiskFeedRecord("@active", state="pointer", stored_at=clock.now, active_feed_id="f1").save()
    feed(client, carrier, "cmcc-8", row("610100"))
    post(client, "/v1/declarations", declaration(phone=PHONE), citizen)  # recolours
    token = body(get(client, "/v1/code", citizen))["token"]
    gate = login(client, "gate", role="checkpoint")

    result = body(post(client, "/v1/verify", {"token": token}, gate))

    assert result["itinerary_starred"] is True
    assert result["colour"] == "yellow"  # 6.5 h in a city with a medium-risk area


def test_new_stays_recolour_the_people_behind_the_phones(client, carrier, citizen):
    assert (
        body(post(client, "/v1/declarations", declaration(phone=PHONE), citizen))["colour"]
        == "green"
    )

    feed(
        client,
        carrier,
        "cmcc-9",
        row("JP", "country", entered="2026-11-18T08:00:00+08:00", left="2026-11-19T08:00:00+08:00"),
    )

    code = body(get(client, "/v1/code", citizen))
    assert code["colour"] == "red"
    assert [r["code"] for r in code["reasons"]] == ["abroad_14d"]


def test_two_stays_in_one_city_on_one_day_in_one_batch_are_stored(client, carrier, monkeypatch):
    # Both touch the place-day item 610100#2026-11-17 of the same phone, and the last row
    # repeats. DynamoDB refuses a batch write that names one key twice (moto only when
    # the whole item repeats): this was a 503 for a batch any carrier may send.
    from pynamodb.connection.base import Connection

    from chalicelib.datamodel import all_models

    keys_of = {m.Meta.table_name: (m._hash_keyname, m._range_keyname) for m in all_models()}
    original = Connection.batch_write_item

    def like_dynamodb(self, table_name, put_items=None, **kwargs):
        names = keys_of[table_name]
        keys = [tuple(str(item.get(n)) for n in names) for item in put_items or []]
        assert len(keys) == len(set(keys)), f"duplicate keys in one batch to {table_name}"
        return original(self, table_name, put_items=put_items, **kwargs)

    monkeypatch.setattr(Connection, "batch_write_item", like_dynamodb)
    morning = row(entered="2026-11-17T06:00:00+08:00", left="2026-11-17T09:00:00+08:00")
    evening = row(entered="2026-11-17T18:00:00+08:00", left="2026-11-17T23:00:00+08:00")

    response = feed(client, carrier, "cmcc-day", morning, evening, evening)

    assert response.status_code == 200, response.body
    assert body(response)["accepted"] == 3
    assert StayRecord.count() == 2  # the repeated row is one stay
    assert {p.place_day for p in PlaceDayRecord.scan()} == {"610100#2026-11-17"}
