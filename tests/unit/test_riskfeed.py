"""Risk feeds: both shapes, their quirks, the diff, and the lift guard."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chalicelib.colours.model import RiskArea
from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.reference_data import divisions
from chalicelib.kernel.text import strip_refused
from chalicelib.risk.rules import diff, lifts_too_much, national_stamp, parse_feed

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
        ({"feed_id": "2026-11-20T10\n"}, "feed_id"),  # a pulled feed: no schema before it
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


# --- the national list's shifted levels --------------------------------------------

SHIFTED = [
    # a municipality's district in `city`, a street in `county`
    (("北京市", "朝阳区", "酒仙桥街道"), "110105", "酒仙桥街道"),
    (("天津市", "河北区", "望海楼街道"), "120105", "望海楼街道"),
    (("上海市", "浦东新区", "周浦镇"), "310115", "周浦镇"),
    (("重庆市", "渝中区", "解放碑街道"), "500103", "解放碑街道"),
    (("重庆市", "城口县", "葛城街道"), "500229", "葛城街道"),  # under Chongqing's 县
    # the usual levels for the same places, and 市辖区 / 县 for the missing one
    (("北京市", "北京市", "朝阳区"), "110105", ""),
    (("北京市", "市辖区", "朝阳区"), "110105", ""),
    (("北京市", "朝阳区", ""), "110105", ""),
    (("重庆市", "县", "城口县"), "500229", ""),
    # county-level cities under a province (省直辖县级行政单位)
    (("湖北省", "省直辖县级行政单位", "仙桃市"), "429004", ""),
    (("湖北省", "仙桃市", ""), "429004", ""),
    (("湖北省", "仙桃市", "仙桃市"), "429004", ""),
    (("湖北省", "仙桃市", "干河街道"), "429004", "干河街道"),
    (("河南省", "济源市", "沁园街道"), "419001", "沁园街道"),
    (("新疆维吾尔自治区", "自治区直辖县级行政单位", "石河子市"), "659001", ""),
    # 市辖区 as the county: the city itself
    (("陕西省", "西安市", "市辖区"), "610100", ""),
    # cities without counties: their towns and streets in `county`
    (("广东省", "东莞市", "虎门镇"), "441900", "虎门镇"),
    (("广东省", "中山市", "石岐街道"), "442000", "石岐街道"),
    (("海南省", "儋州市", "那大镇"), "460400", "那大镇"),
    # unchanged: the named city decides between two 朝阳区
    (("吉林省", "长春市", "朝阳区"), "220104", ""),
    (("陕西省", "西安市", "雁塔区"), "610113", ""),
    # a county the new area 雄安新区 administers is still itself
    (("河北省", "雄安新区", "雄县"), "130638", ""),
    (("  北京市 ", "朝阳区", " 酒仙桥街道"), "110105", "酒仙桥街道"),  # stray spaces
]


@pytest.mark.parametrize(("names", "code", "within"), SHIFTED)
def test_shifted_levels_resolve_to_the_division_and_keep_the_street(names, code, within):
    placement = divisions().locate(*names)

    assert placement is not None, names
    assert (placement.code, placement.within) == (code, within)
    assert divisions().resolve(*names) == code


@pytest.mark.parametrize(
    "names",
    [
        ("陕西省", "西安市", "西安高新技术产业开发区"),  # a development zone: no division
        ("北京市", "北京经济技术开发区", "荣华街道"),
        ("吉林省", "长春市", "长春经济技术开发区"),
        ("北京市", "北京市", "酒仙桥街道"),  # a street, but which district?
        ("北京市", "北京市", ""),  # a whole municipality is no division a person lives in
        ("吉林省", "朝阳区", "永昌街道"),  # a district with a city above it is not shifted
        ("广东省", "鼓楼区", ""),  # not in that province
        ("火星省", "朝阳区", "酒仙桥街道"),
        ("", "", ""),
    ],
)
def test_names_that_do_not_place_stay_unresolved(names):
    assert divisions().locate(*names) is None
    assert divisions().resolve(*names) is None


def national(*rows, level="highlist"):
    return {"code": 0, "data": {"end_update_time": "2022-04-20 12时", level: list(rows)}}


def test_a_beijing_street_row_raises_its_district():
    snapshot = parse_feed(
        national(
            {"province": "北京市", "city": "朝阳区", "county": "酒仙桥街道", "communitys": []},
            {"province": "湖北省", "city": "省直辖县级行政单位", "county": "仙桃市"},
            {"province": "陕西省", "city": "西安市", "county": "西安高新技术产业开发区"},
        ),
        divisions=divisions(),
    )

    assert {(a.region_code, a.level, a.area) for a in snapshot.areas} == {
        ("110105", "high", "酒仙桥街道"),  # the street names the area when no community does
        ("429004", "high", ""),
    }
    assert [(u.city, u.county) for u in snapshot.unresolved] == [
        ("西安市", "西安高新技术产业开发区")
    ]


def test_communities_and_area_name_still_name_a_shifted_row_first():
    row = {"province": "北京市", "city": "朝阳区", "county": "酒仙桥街道"}
    with_communities = parse_feed(
        national({**row, "communitys": ["将台路社区", "驼房营社区"]}), divisions=divisions()
    )
    with_name = parse_feed(
        national({**row, "area_name": "北京市 朝阳区 酒仙桥街道"}), divisions=divisions()
    )

    assert [a.area for a in with_communities.areas] == ["将台路社区、驼房营社区"]
    assert [a.area for a in with_name.areas] == ["北京市 朝阳区 酒仙桥街道"]


_NAMES = sorted({d.name for d in divisions()})  # the dataset's own
_PROVINCES = sorted({d.province for d in divisions()})
_SLOT = st.one_of(
    st.sampled_from(_NAMES),
    st.sampled_from(_PROVINCES),
    st.sampled_from(["", "市辖区", "县", "省直辖县级行政单位", "酒仙桥街道", " ", "\u3000"]),
    st.text(max_size=30),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.sampled_from(_PROVINCES), st.text(max_size=20)), _SLOT, _SLOT)
def test_resolution_never_raises_and_returns_a_division_in_force(province, city, county):
    placement = divisions().locate(province, city, county)

    if placement is not None:
        division = divisions().get(placement.code)
        assert division is not None and not division.is_province
        assert placement.code == divisions().resolve(province, city, county)
        assert placement.within in ("", " ".join(county.split()))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.fixed_dictionaries(
            {"province": st.sampled_from(_PROVINCES), "city": _SLOT, "county": _SLOT},
            optional={"communitys": st.lists(st.text(max_size=10), max_size=3)},
        ),
        max_size=6,
    )
)
@example([{"province": "江西省", "city": "赣州市", "county": "\x1b"}])  # found by hypothesis
def test_every_national_row_is_either_an_area_or_reported_unresolved(rows):
    snapshot = parse_feed(national(*rows, level="middlelist"), divisions=divisions())

    # the parser drops control and format characters from pulled names first
    names = [tuple(strip_refused(r[k]) for k in ("province", "city", "county")) for r in rows]
    placed = [n for n in names if divisions().locate(*n)]
    assert len(snapshot.unresolved) == len(rows) - len(placed)
    assert {a.region_code for a in snapshot.areas} == {divisions().resolve(*n) for n in placed}
