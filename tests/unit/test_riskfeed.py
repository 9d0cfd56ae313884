"""Risk feeds: both shapes, their quirks, the diff, and the lift guard."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.adapters.reference_data import divisions
from chalicelib.domain.colour import RiskArea
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.riskfeed import diff, lifts_too_much, national_stamp, parse_feed

DATA = Path(__file__).resolve().parents[1] / "data"


def load(name):
    return json.loads((DATA / name).read_text())


def test_our_shape_parses():
    snapshot = parse_feed(load("yima-risk-2026-11-20T10.json"), divisions=divisions())

    assert snapshot.feed_id == "2026-11-20T10"
    assert {(a.region_code, a.level) for a in snapshot.areas} == {
        ("610113", "high"),
        ("610113", "medium"),
        ("440106", "medium"),
    }
    assert snapshot.unresolved == ()


def test_the_national_shape_resolves_names_and_keeps_what_it_cannot():
    snapshot = parse_feed(load("national-risk-2022-04-20.json"), divisions=divisions())

    codes = {(a.region_code, a.level) for a in snapshot.areas}
    assert ("310115", "high") in codes  # Shanghai Pudong: a municipality
    assert ("220104", "high") in codes  # 朝阳区 of Changchun, not Beijing's
    assert ("110105", "medium") in codes  # and Beijing's own 朝阳区
    assert ("429004", "medium") in codes  # 仙桃市: a county-level city under the province
    assert ("500103", "medium") in codes
    assert ("440106", "low") in codes
    assert [u.county for u in snapshot.unresolved] == ["西安高新技术产业开发区"]
    assert snapshot.published_at == datetime(2022, 4, 20, 4, tzinfo=UTC)  # 12时 Beijing
    assert snapshot.feed_id == "national-2022-04-20T12" and snapshot.source == "national"


def test_national_areas_keep_their_since_from_the_previous_snapshot():
    first = parse_feed(load("national-risk-2022-04-20.json"), divisions=divisions())
    later = load("national-risk-2022-04-20.json")
    later["data"]["end_update_time"] = "2022-04-21 09时"

    second = parse_feed(later, divisions=divisions(), previous=first)

    assert {a.since for a in second.areas} == {first.published_at}


@pytest.mark.parametrize(
    "stamp", ["2022-04-20 12", "2022-04-20T12:00", "2022-02-30 10时", "2022-04-20 25时", None]
)
def test_bad_national_stamps_are_named(stamp):
    with pytest.raises(InvalidInput) as caught:
        national_stamp(stamp)
    assert caught.value.field == "data.end_update_time"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"feed_id": "bad id!"}, "feed_id"),
        ({"published_at": "2026-11-20 10:00"}, "published_at"),
        ({"areas": {}}, "areas"),
        (
            {
                "areas": [
                    {"region_code": "610113", "level": "severe", "since": "2026-11-18T00:00+08:00"}
                ]
            },
            "areas[0].level",
        ),
        (
            {
                "areas": [
                    {"region_code": "999999", "level": "high", "since": "2026-11-18T00:00+08:00"}
                ]
            },
            "areas[0].region_code",
        ),
        (
            {
                "areas": [
                    {"region_code": "610113", "level": "high", "since": "2026-11-21T00:00+08:00"}
                ]
            },
            "areas[0].since",
        ),
    ],
)
def test_bad_feeds_name_the_field(change, field):
    with pytest.raises(InvalidInput) as caught:
        parse_feed(load("yima-risk-2026-11-20T10.json") | change, divisions=divisions())
    assert caught.value.field == field


T0 = datetime(2026, 11, 18, tzinfo=UTC)


def area(code, level, name="x"):
    return RiskArea(region_code=code, level=level, since=T0, area=name)


def test_diff_sorts_changes_into_raised_lowered_lifted():
    old = [area("610113", "medium"), area("110105", "high"), area("440106", "high")]
    new = [area("610113", "high"), area("110105", "medium"), area("310115", "medium")]

    result = diff(old, new)

    assert [a.region_code for a in result.raised] == ["610113", "310115"]
    assert [a.region_code for a in result.lowered] == ["110105"]
    assert [a.region_code for a in result.lifted] == ["440106"]
    assert result.changed_regions == {"610113", "110105", "310115", "440106"}


def test_an_identical_snapshot_changes_nothing():
    areas = [area("610113", "high")]

    assert diff(areas, areas).empty


@pytest.mark.parametrize(("kept", "held"), [(2, False), (1, True), (0, True)])
def test_lifting_more_than_half_is_held(kept, held):
    old = [area(code, "high") for code in ("610113", "110105", "440106", "310115")]

    assert lifts_too_much(old, old[:kept]) is held  # exactly half lifted is not held


def test_an_empty_feed_over_active_areas_is_held_but_over_nothing_is_not():
    assert lifts_too_much([area("610113", "high")], []) is True
    assert lifts_too_much([], []) is False
    assert lifts_too_much([area("610113", "low")], []) is False  # low areas do not count
