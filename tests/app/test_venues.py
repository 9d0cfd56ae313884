"""Venue codes, check-ins, co-location exposure and pop-ups through the API on moto."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.people.rules import self_person_id
from chalicelib.venues.store import CheckinRecord, ExposureRecord, VenueRecord
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

CAFE = {
    "name": "老孙家咖啡",
    "address": "雁塔路88号",
    "region_code": "610113",
    "lat": 34.22,
    "lng": 108.95,
    "kind": "restaurant",
}
ID_A = make_id_number("61011319900101123")
ID_B = make_id_number("61011319900101456")
ID_C = make_id_number("61011319900101789")


def _count(model) -> int:
    return sum(1 for _ in model.scan())


@pytest.fixture
def official(client):
    return login(client, "official-a", role="official")


@pytest.fixture
def venue(client, official):
    response = post(client, "/v1/admin/venues", CAFE, official)
    assert response.status_code == 201, response.body
    return body(response)


def citizen(client, subject, id_number, phone, name="张小三"):
    token = login(client, subject, phone=phone)
    declared = post(
        client, "/v1/declarations", declaration(id_number=id_number, phone=phone, name=name), token
    )
    assert declared.status_code == 201, declared.body
    return token


def check_in(client, token, venue_token, **extra):
    return post(client, "/v1/checkins", {"venue_token": venue_token, **extra}, token)


def code(client, token):
    response = get(client, "/v1/code", token)
    assert response.status_code == 200, response.body
    return body(response)


def reasons(payload):
    return {r["code"] for r in payload["reasons"]}


# --- venues and posters --------------------------------------------------------------------


def test_an_official_registers_a_venue_with_a_signed_token(client, venue):
    assert venue["id"].startswith("610113-") and venue["generation"] == 1
    assert venue["token"].startswith("YV1:")
    assert venue["posters"]["pdf"] == f"/v1/venues/{venue['id']}/poster.pdf"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"region_code": "440305"}, "region_code", "foreign_region"),
        ({"region_code": "610000"}, "region_code", "unknown_division"),
        ({"region_code": "999999"}, "region_code", "unknown_division"),
        ({"kind": "casino"}, "kind", None),
        ({"lat": 91}, "lat", None),
        ({"name": "  "}, "name", None),
        ({"address": 5}, "address", None),
    ],
)
def test_a_bad_registration_names_the_field_and_stores_nothing(
    client, official, change, field, code
):
    response = post(client, "/v1/admin/venues", {**CAFE, **change}, official)

    assert_error(response, 400, code=code, field=field)
    assert _count(VenueRecord) == 0


def test_a_coordinate_finer_than_dynamodb_stores_is_no_500(client, official):
    """Found by the HTTP fuzz: a latitude of 5.3e-271 was a 500 (DynamoDB's numbers stop
    at 1e-130). A coordinate within a tenth of a millimetre of zero is zero."""
    response = post(client, "/v1/admin/venues", {**CAFE, "lat": 5.304351635447516e-271}, official)

    assert response.status_code == 201, response.body
    assert body(response)["lat"] == 0.0


def test_posters_in_png_svg_and_pdf(client, venue):
    base = f"/v1/venues/{venue['id']}/poster"
    png = client.http.get(f"{base}.png", headers={"Accept": "image/png"})
    svg = client.http.get(f"{base}.svg")
    pdf = client.http.get(f"{base}.pdf", headers={"Accept": "application/pdf"})

    assert png.status_code == 200 and png.body[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg.status_code == 200 and svg.headers["Content-Type"] == "image/svg+xml"
    text = svg.body.decode() if isinstance(svg.body, bytes) else svg.body
    assert CAFE["name"] in text and venue["id"] in text
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF-1.4") and pdf.body.rstrip().endswith(b"%%EOF")
    assert len(pdf.body) < 20_000
    assert_error(get(client, "/v1/venues/610113-00000000/poster.svg"), 404, code="venue_not_found")


def test_the_venue_token_fits_qr_version_7_like_the_health_code(client, venue):
    from chalicelib.kernel import qr

    assert qr.version(venue["token"]) <= 7


# --- check-ins ----------------------------------------------------------------------------


def test_a_check_in_answers_what_the_staff_see_and_is_listed(client, venue, clock):
    alice = citizen(client, "alice", ID_A, "13812345678")

    response = check_in(client, alice, venue["token"])

    assert response.status_code == 201, response.body
    answer = body(response)
    assert answer["colour"] == "green" and answer["holder"]["name_masked"] == "张*三"
    assert answer["venue"] == {
        "id": venue["id"],
        "name": CAFE["name"],
        "region_code": "610113",
        "kind": "restaurant",
    }
    assert answer["local_time"] == "2026-11-20 10:00:00"  # the clock is 02:00 UTC
    assert answer["required_action"] is None and answer["vaccination"] is None
    listed = body(get(client, "/v1/checkins", alice))["items"]
    assert [c["id"] for c in listed] == [answer["id"]]


def test_check_ins_before_a_declaration_are_refused(client, venue):
    token = login(client, "nobody")

    assert_error(check_in(client, token, venue["token"]), 404, code="no_code")
    assert _count(CheckinRecord) == 0


def _flip(token: str) -> str:
    i = len(token) // 2
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


def _foreign_token():
    from chalicelib import bootstrap
    from chalicelib.venues.token import VenueClaims, build

    signer = bootstrap.get_container().venues.signer()
    claims = VenueClaims(
        venue_id="440305-0a0b0c0d",
        region="440305",
        generation=1,
        issued_at=bootstrap.get_container().clock(),
    )
    return build(claims, kid=signer.kid, sign=signer.sign)


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda v: _flip(v["token"]), None),
        (lambda v: v["token"][:-3], None),
        (lambda v: "YM1:" + v["token"][4:], "venue_wrong_prefix"),
        (lambda v: "hello", "venue_wrong_prefix"),
        (lambda v: _foreign_token(), "venue_foreign_region"),
    ],
    ids=["flipped", "truncated", "health-code-prefix", "garbage", "foreign-region"],
)
def test_a_forged_or_foreign_venue_token_is_a_400_naming_it(client, venue, make, code):
    alice = citizen(client, "alice", ID_A, "13812345678")

    assert_error(check_in(client, alice, make(venue)), 400, code=code, field="venue_token")
    assert _count(CheckinRecord) == 0


def test_reissuing_rotates_the_token_and_refuses_the_old_one(client, venue, official):
    alice = citizen(client, "alice", ID_A, "13812345678")

    reissued = post(client, f"/v1/admin/venues/{venue['id']}/reissue", {}, official)

    assert reissued.status_code == 200, reissued.body
    fresh = body(reissued)
    assert fresh["generation"] == 2 and fresh["token"] != venue["token"]
    old = check_in(client, alice, venue["token"])
    assert_error(old, 400, code="venue_revoked", field="venue_token")
    assert _count(CheckinRecord) == 0
    assert check_in(client, alice, fresh["token"]).status_code == 201
    poster = client.http.get(f"/v1/venues/{venue['id']}/poster.svg").body
    poster = poster.decode() if isinstance(poster, bytes) else poster
    assert_error(post(client, "/v1/admin/venues/610113-00000000/reissue", {}, official), 404)


def test_a_citizen_cannot_check_in_another_citizens_person(client, venue):
    alice = citizen(client, "alice", ID_A, "13812345678")
    bob = citizen(client, "bob", ID_B, "13912345678", name="李四")
    bob_person = self_person_id(body(get(client, "/v1/me", bob))["id"])

    for person in (bob_person, "p_doesnotexist"):
        response = check_in(client, alice, venue["token"], person=person)
        assert_error(response, 404, code="person_not_found", field="person")
    assert _count(CheckinRecord) == 0
    assert body(get(client, "/v1/checkins", bob))["items"] == []


def test_a_citizen_checks_in_a_dependant(client, venue):
    """A child declared by the parent (``dependant``) checks in under the parent's account."""
    alice = citizen(client, "alice", ID_A, "13812345678")
    child_id = make_id_number("61011320150101123")
    declared = post(
        client,
        "/v1/declarations",
        declaration(name="王小明", id_number=child_id, dependant={"relation": "child"}),
        alice,
    )
    assert declared.status_code == 201, declared.body
    child = [p for p in body(get(client, "/v1/people", alice))["items"] if p["relation"] != "self"]
    (child_person,) = child

    response = check_in(client, alice, venue["token"], person=child_person["id"])

    assert response.status_code == 201, response.body
    assert body(response)["person"] == child_person["id"]
    (listed,) = body(get(client, f"/v1/checkins?person={child_person['id']}", alice))["items"]
    assert listed["person"] == child_person["id"]
    assert body(get(client, "/v1/checkins", alice))["items"] == []  # alice's own: none


def test_a_check_in_cursor_of_another_account_is_refused(client, venue):
    alice = citizen(client, "alice", ID_A, "13812345678")
    bob = citizen(client, "bob", ID_B, "13912345678", name="李四")
    for _ in range(2):
        assert check_in(client, bob, venue["token"]).status_code == 201
    cursor = body(get(client, "/v1/checkins?limit=1", bob))["cursor"]
    assert cursor

    assert_error(get(client, f"/v1/checkins?cursor={cursor}", alice), 400, code="invalid_cursor")


# --- co-location exposure and the pop-up -------------------------------------------------------


@pytest.fixture
def cafe_day(client, venue, clock):
    """Alice at 10:00, Bob at 10:30, Carol at 13:00 (Beijing), all at the café."""
    people = {
        "alice": citizen(client, "alice", ID_A, "13812345678"),
        "bob": citizen(client, "bob", ID_B, "13912345678", name="李四"),
        "carol": citizen(client, "carol", ID_C, "13712345678", name="王五"),
    }
    start = clock.now
    for name, minutes in (("alice", 0), ("bob", 30), ("carol", 180)):
        clock.now = start + timedelta(minutes=minutes)
        assert check_in(client, login(client, name), venue["token"]).status_code == 201
    clock.now = start + timedelta(hours=5)
    return {name: login(client, name) for name in people}  # sessions last 2 hours


def test_a_confirmed_case_turns_co_visitors_yellow_with_a_pop_up(client, cafe_day, clock):
    approved = mark_and_approve(client, id_number=ID_A)
    assert approved.status_code == 200, approved.body

    bob = code(client, cafe_day["bob"])
    assert bob["colour"] == "yellow" and reasons(bob) == {"venue_exposure"}
    (reason,) = bob["reasons"]
    assert CAFE["name"] in reason["text"] and reason["until"] == "2026-12-03T16:00:00Z"
    assert bob["required_action"]["code"] == "take_test_within_24h"
    assert reason["required_action"] == bob["required_action"]
    assert code(client, cafe_day["carol"])["colour"] == "green"
    assert code(client, cafe_day["alice"])["colour"] == "red"
    assert _count(ExposureRecord) == 1


def test_the_checkpoint_sees_a_pending_action_but_not_why(client, cafe_day):
    mark_and_approve(client, id_number=ID_A)
    gate = login(client, "gate-1", role="checkpoint")
    token = code(client, cafe_day["bob"])["token"]

    verified = body(post(client, "/v1/verify", {"token": token}, gate))

    assert verified["colour"] == "yellow" and verified["action_pending"] is True
    assert "reasons" not in verified and "required_action" not in verified
    assert "venue" not in str(verified)
    carol = body(
        post(client, "/v1/verify", {"token": code(client, cafe_day["carol"])["token"]}, gate)
    )
    assert carol["action_pending"] is False


def test_a_negative_test_after_the_visit_clears_the_exposure(client, cafe_day, clock):
    mark_and_approve(client, id_number=ID_A)
    lab = login(client, "kingmed", role="lab")
    row = {"id_number": ID_B, "sample_id": "S-B", "result": "negative", "lab": "金域医学"}

    before = dict(row, sample_id="S-B0", sampled_at="2026-11-20T09:00:00+08:00")
    post(client, "/v1/feeds/tests", {"batch_id": "b0", "results": [before]}, lab)
    assert code(client, cafe_day["bob"])["colour"] == "yellow"  # sampled before the visit

    after = dict(row, sampled_at="2026-11-20T14:00:00+08:00")
    post(client, "/v1/feeds/tests", {"batch_id": "b1", "results": [after]}, lab)
    bob = code(client, cafe_day["bob"])
    assert bob["colour"] == "green" and bob["required_action"] is None


def test_a_positive_lab_result_also_makes_the_case(client, cafe_day):
    lab = login(client, "kingmed", role="lab")
    positive = {
        "id_number": ID_A,
        "sample_id": "S-A",
        "sampled_at": "2026-11-20T14:00:00+08:00",
        "result": "positive",
        "lab": "金域医学",
    }

    assert (
        post(client, "/v1/feeds/tests", {"batch_id": "p1", "results": [positive]}, lab).status_code
        == 200
    )

    assert code(client, cafe_day["bob"])["colour"] == "yellow"
    assert code(client, cafe_day["carol"])["colour"] == "green"


def test_clearing_the_case_lifts_the_exposures(client, cafe_day):
    mark_and_approve(client, id_number=ID_A)
    assert code(client, cafe_day["bob"])["colour"] == "yellow"

    cleared = mark_and_approve(client, id_number=ID_A, status="cleared", category="correction")

    assert cleared.status_code == 200, cleared.body
    assert code(client, cafe_day["bob"])["colour"] == "green"
    assert _count(ExposureRecord) == 0


def test_the_check_in_answer_carries_the_pop_up(client, cafe_day, venue):
    mark_and_approve(client, id_number=ID_A)

    answer = body(check_in(client, cafe_day["bob"], venue["token"]))

    assert answer["colour"] == "yellow"
    assert answer["required_action"]["code"] == "take_test_within_24h"
    assert "reasons" not in answer


def test_a_check_in_in_a_district_raised_to_high_risk_later_turns_red(client, venue, official):
    alice = citizen(client, "alice", ID_A, "13812345678")
    assert check_in(client, alice, venue["token"]).status_code == 201
    feed = {
        "feed_id": "raise-610113",
        "published_at": "2026-11-20T09:00:00+08:00",
        "areas": [
            {
                "region_code": "610113",
                "area": "电子城街道",
                "level": "high",
                "since": "2026-11-19T00:00:00+08:00",
            }
        ],
    }

    pushed = post(client, "/v1/feeds/risk-areas", feed, official)

    assert pushed.status_code == 200, pushed.body
    shown = code(client, alice)
    # residence 610113 too (declaration()): both the residence and the check-in count
    assert shown["colour"] == "red" and "high_risk_area_stay" in reasons(shown)
    from chalicelib import bootstrap

    assert self_person_id(body(get(client, "/v1/me", alice))["id"]) in (
        bootstrap.get_container().risk.affected.scanned("610113", "2026-11-20")
    )
