"""Risk-area refresh: push, hold, confirm, the held list, and who gets recoloured.

The scheduled pull, expiry and the recolour queue are in test_risk_schedule.py.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.app.checkpoints import posted_gate
from tests.app.risk_feeds import DATA, HIGH_YANTA, _citizen, _colour, snapshot
from tests.helpers import assert_error, body, get, login, post


@pytest.fixture
def official(client):
    return login(client, "official-1", role="official")


def test_a_new_high_risk_area_reddens_its_residents_and_spares_bystanders(client, official):
    resident = _citizen(client, "resident", "13811110001", "610113", "111")
    bystander = _citizen(client, "bystander", "13811110002", "610103", "222")

    report = body(
        post(
            client,
            "/v1/feeds/risk-areas",
            snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
            official,
        )
    )

    assert report == report | {
        "feed_id": "f1",
        "state": "active",
        "raised": 1,
        "lowered": 0,
        "lifted": 0,
        "people_recoloured": 1,
    }
    assert _colour(client, resident) == "red"
    assert _colour(client, bystander) == "green"


def test_a_stay_in_the_city_is_found_through_the_place_day_index(client, official):
    traveller = _citizen(client, "traveller", "13811110003", "610103", "333")
    carrier = login(client, "cmcc", role="carrier")
    post(
        client,
        "/v1/feeds/carrier",
        {
            "batch_id": "b1",
            "stays": [
                {
                    "phone": "13811110003",
                    "kind": "city",
                    "place": "610100",
                    "entered_at": "2026-11-17T08:00:00+08:00",
                    "left_at": "2026-11-17T18:00:00+08:00",
                }
            ],
        },
        carrier,
    )

    report = body(
        post(
            client,
            "/v1/feeds/risk-areas",
            snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
            official,
        )
    )

    assert report["people_recoloured"] == 1
    code = body(get(client, "/v1/code", traveller))
    assert code["colour"] == "yellow"
    assert [r["code"] for r in code["reasons"]] == ["high_risk_area_stay"]


def test_lifting_everything_is_held_until_confirmed_then_people_return_to_green(client, official):
    resident = _citizen(client, "resident", "13811110001", "610113", "111")
    post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
        official,
    )
    assert _colour(client, resident) == "red"

    held = body(
        post(client, "/v1/feeds/risk-areas", snapshot("f2", "2026-11-20T10:00:00+08:00"), official)
    )
    assert held["state"] == "held" and _colour(client, resident) == "red"

    second = login(client, "official-2", role="official")
    reason = {"reason": "the districts' notice of 20 November lifts every area"}
    confirmed = body(post(client, "/v1/feeds/risk-areas/f2/confirm", reason, second))

    assert confirmed == confirmed | {"state": "active", "lifted": 1, "people_recoloured": 1}
    assert _colour(client, resident) == "green"
    assert_error(
        post(client, "/v1/feeds/risk-areas/f2/confirm", reason, second), 409, code="not_held"
    )


def test_an_older_snapshot_pushed_by_an_official_is_held(client, official):
    post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
        official,
    )

    older = body(
        post(
            client,
            "/v1/feeds/risk-areas",
            snapshot("f0", "2026-11-20T08:00:00+08:00", HIGH_YANTA),
            official,
        )
    )

    assert older["state"] == "held"


def test_a_held_answer_has_the_same_counts_as_an_active_one(client, official):
    active = body(
        post(
            client,
            "/v1/feeds/risk-areas",
            snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
            official,
        )
    )
    held = body(
        post(client, "/v1/feeds/risk-areas", snapshot("f2", "2026-11-20T10:00:00+08:00"), official)
    )

    assert (active["state"], held["state"]) == ("active", "held")
    assert set(held) == set(active)
    assert held["failed"] == 0 and held["people_recoloured"] == 0


def test_a_feed_id_reused_for_other_content_is_a_conflict(client, official):
    post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
        official,
    )
    post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f2", "2026-11-20T10:00:00+08:00", HIGH_YANTA),
        official,
    )

    again = post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f1", "2026-11-20T11:00:00+08:00", HIGH_YANTA),
        official,
    )

    assert_error(again, 409, code="feed_id_reused")


def test_the_national_shape_reports_unresolved_rows(client, official):
    national = json.loads((DATA / "national-risk-2022-04-20.json").read_text())
    national["data"]["end_update_time"] = "2026-11-20 09时"

    report = body(post(client, "/v1/feeds/risk-areas", national, official))

    assert report["state"] == "active" and report["unresolved"] == 1
    assert report["raised"] == 7


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {
                "feed_id": "x",
                "published_at": "2026-11-20T09:00:00+08:00",
                "areas": [
                    {"region_code": "999999", "level": "high", "since": "2026-11-19T00:00+08:00"}
                ],
            },
            "areas[0].region_code",
        ),
        ({"code": 0, "data": {"end_update_time": "yesterday"}}, "data.end_update_time"),
        ([], None),
    ],
)
def test_bad_feeds_are_400_and_change_nothing(client, official, payload, field):
    from chalicelib.risk.store import RiskFeedRecord

    response = post(client, "/v1/feeds/risk-areas", payload, official)

    assert_error(response, 400, field=field)
    assert RiskFeedRecord.count() == 0


def test_a_scan_inside_a_risk_area_recolours_the_person(client, official):
    visitor = _citizen(client, "visitor", "13811110006", "610103", "666")
    post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
        official,
    )
    assert _colour(client, visitor) == "green"
    gate, venue_id = posted_gate(client, "gate-yanta", official=official)
    token = body(get(client, "/v1/code", visitor))["token"]

    post(client, "/v1/verify", {"token": token, "venue_id": venue_id}, gate)

    code = body(get(client, "/v1/code", visitor))
    assert code["colour"] == "red"
    assert [r["code"] for r in code["reasons"]] == ["high_risk_area_stay"]


def test_regions_show_the_highest_level_inside_and_the_policy(client, official):
    post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA, ("610103", "柏树林街道", "medium")),
        official,
    )

    city = body(client.http.get("/v1/regions/610100"))
    county = body(client.http.get("/v1/regions/610103"))
    quiet = body(client.http.get("/v1/regions/440106"))

    assert (city["name"], city["risk_level"]) == ("西安市", "high")
    assert [a["region_code"] for a in city["risk_areas"]] == ["610113", "610103"]
    assert (county["name"], county["risk_level"]) == ("西安市碑林区", "medium")
    assert quiet["risk_level"] == "low" and quiet["risk_areas"] == []
    assert_error(client.http.get("/v1/regions/999999"), 404, code="region_not_found")


def test_officials_set_policy_texts_that_counties_inherit(client, official):
    response = client.http.put(
        "/v1/admin/regions/610100/policy",
        body=json.dumps({"text": "抵西人员须三天两检"}),
        headers={"Authorization": f"Bearer {official}", "Content-Type": "application/json"},
    )

    assert response.status_code == 200
    assert body(client.http.get("/v1/regions/610113"))["policy"] == "抵西人员须三天两检"
    assert "暂无特别" in body(client.http.get("/v1/regions/440106"))["policy"]


def test_a_run_that_stored_its_snapshot_but_never_switched_is_finished_by_a_retry(
    client, container, official, monkeypatch
):
    from chalicelib.kernel.errors import UpstreamUnavailable
    from chalicelib.risk.store import DynamoRiskFeeds

    resident = _citizen(client, "resident", "13811110001", "610113", "111")
    real_switch = DynamoRiskFeeds.switch

    def crash(self, *args, **kwargs):
        raise UpstreamUnavailable("the Lambda died here")

    monkeypatch.setattr(DynamoRiskFeeds, "switch", crash)
    feed = snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA)
    assert post(client, "/v1/feeds/risk-areas", feed, official).status_code == 503
    assert _colour(client, resident) == "green"  # stored, but never switched

    monkeypatch.setattr(DynamoRiskFeeds, "switch", real_switch)
    retried = body(post(client, "/v1/feeds/risk-areas", feed, official))

    assert retried["state"] == "active" and retried["people_recoloured"] == 1
    assert _colour(client, resident) == "red"


def test_a_scan_check_caches_the_snapshot_and_a_delayed_rescan_catches_up(
    client, container, official, monkeypatch
):
    container.risk.scan_cache_seconds = 30  # as on AWS stages (the local stack caches nothing)
    pointer = container.colours.facts.pointer
    pointer.max_age = timedelta(seconds=30)
    rescans = []

    def record(regions, **kwargs):
        rescans.append((regions, kwargs))
        return {}

    monkeypatch.setattr(container.risk.queue, "submit_rescan", record)
    visitor = _citizen(client, "late-visitor", "13811110016", "610103", "616")
    # One checkpoint account posted at a gate in each district (a station's two exits).
    beilin, beilin_gate = posted_gate(client, "gate-beilin", region_code="610103")
    gate, yanta_gate = posted_gate(client, "gate-yanta-2", official=official)
    token = body(get(client, "/v1/code", visitor))["token"]
    post(client, "/v1/verify", {"token": token, "venue_id": beilin_gate}, beilin)  # warms it
    before = pointer.__dict__.copy()

    pushed = post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
        official,
    )
    assert body(pushed)["state"] == "active"
    # The push ran in another container: the checkpoint's still holds the pointer it read.
    pointer.__dict__.update(before)
    post(client, "/v1/verify", {"token": token, "venue_id": yanta_gate}, gate)

    assert _colour(client, visitor) == "green"  # judged against the cached, older snapshot
    ((regions, kwargs),) = rescans
    assert regions == ["610113"] and kwargs["delay_seconds"] == 40
    assert kwargs["day"] == "2026-11-20"

    container.risk.process({"rescan_regions": regions, "day": kwargs["day"], "reason": "later"})

    assert _colour(client, visitor) == "red"


@pytest.mark.parametrize("payload", [{}, {"reason": ""}, {"reason": "   "}, {"reason": 7}])
def test_confirming_a_held_snapshot_without_a_reason_is_refused_and_keeps_it_held(
    client, official, payload
):
    post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
        official,
    )
    held = body(
        post(client, "/v1/feeds/risk-areas", snapshot("f2", "2026-11-20T10:00:00+08:00"), official)
    )
    assert held["state"] == "held"

    assert_error(
        post(client, "/v1/feeds/risk-areas/f2/confirm", payload, official), 400, field="reason"
    )

    again = post(
        client, "/v1/feeds/risk-areas/f2/confirm", {"reason": "checked with the district"}, official
    )
    assert body(again)["state"] == "active"


def test_the_confirming_officials_reason_is_in_the_audit_log(client, official):
    post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
        official,
    )
    post(client, "/v1/feeds/risk-areas", snapshot("f2", "2026-11-20T10:00:00+08:00"), official)
    reason = "雁塔区 notice 2026-47 lifts the area"
    post(client, "/v1/feeds/risk-areas/f2/confirm", {"reason": reason}, official)

    admin = login(client, "admin-1", role="admin")
    trail = body(get(client, "/v1/admin/audit?subject=feed:f2", admin))
    activated = [e for e in trail["items"] if e["action"] == "risk_feed_activated"]
    assert [e["reason"] for e in activated] == [reason]


def _held(client, token, query=""):
    response = get(client, f"/v1/admin/risk-feeds{query}", token)
    assert response.status_code == 200, response.body
    return body(response)


def test_held_snapshots_are_listed_oldest_first_with_why_and_what_confirming_would_do(
    client, official, clock
):
    assert _held(client, official) == {"items": [], "cursor": None}
    post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA, ("610113", "小寨", "medium")),
        official,
    )
    post(client, "/v1/feeds/risk-areas", snapshot("f2", "2026-11-20T10:00:00+08:00"), official)
    clock.now += timedelta(minutes=5)
    older = snapshot("f0", "2026-11-20T08:00:00+08:00", HIGH_YANTA, ("610112", "张家堡", "high"))
    post(client, "/v1/feeds/risk-areas", older, official)

    items = _held(client, official, "?state=held")["items"]

    assert [i["feed_id"] for i in items] == ["f2", "f0"]
    lifts, stale = items
    assert lifts == lifts | {
        "why": "lifts_too_much",
        "active_feed_id": "f1",
        "areas": 0,
        "would_lift": 2,
        "would_raise": 0,
        "source": "yima",
        "published_at": "2026-11-20T02:00:00Z",
        "stored_at": "2026-11-20T02:00:00Z",
    }
    assert stale == stale | {"why": "older_than_active", "would_raise": 1, "would_lift": 1}
    assert stale["stored_at"] == "2026-11-20T02:05:00Z"


def test_a_confirmed_snapshot_leaves_the_list_and_pages_follow_the_cursor(client, official):
    post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f5", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
        official,
    )
    for n in range(3):
        post(
            client,
            "/v1/feeds/risk-areas",
            snapshot(f"old{n}", f"2026-11-20T0{n}:00:00+08:00"),
            official,
        )

    first = _held(client, official, "?limit=2")
    rest = _held(client, official, f"?limit=2&cursor={first['cursor']}")
    assert len(first["items"]) == 2 and len(rest["items"]) == 1
    assert {i["feed_id"] for i in first["items"] + rest["items"]} == {"old0", "old1", "old2"}

    reason = {"reason": "the older notice was the right one"}
    assert (
        body(post(client, "/v1/feeds/risk-areas/old1/confirm", reason, official))["state"]
        == "active"
    )

    assert [i["feed_id"] for i in _held(client, official)["items"]] == ["old0", "old2"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("?state=active", "state"), ("?limit=0", "limit"), ("?cursor=xx", "cursor")],
)
def test_the_held_list_refuses_what_it_does_not_offer(client, official, query, field):
    assert_error(get(client, f"/v1/admin/risk-feeds{query}", official), 400, field=field)


def test_only_officials_see_the_held_list(client):
    for role in ("citizen", "reviewer", "admin", "checkpoint"):
        token = login(client, f"held-{role}", role=role)
        assert_error(get(client, "/v1/admin/risk-feeds", token), 403)


def test_a_held_snapshot_keeps_the_reason_it_was_held_for_when_the_active_one_changes(
    client, official
):
    post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
        official,
    )
    post(client, "/v1/feeds/risk-areas", snapshot("f2", "2026-11-20T10:00:00+08:00"), official)
    newer = snapshot("f3", "2026-11-20T11:00:00+08:00", HIGH_YANTA)
    assert body(post(client, "/v1/feeds/risk-areas", newer, official))["state"] == "active"

    (item,) = _held(client, official)["items"]

    # f2 is older than f3 now, but it was held for lifting everything f1 had
    assert item | {} == item | {"feed_id": "f2", "why": "lifts_too_much", "active_feed_id": "f3"}
