"""The itinerary card and carrier-row parsing: window edges, sums, clipping, duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.colours.model import RiskArea, Stay
from chalicelib.itinerary.rules import CardPolicy, build_card, local_days, parse_stays
from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.reference_data import divisions, is_country

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)  # noon in Beijing
POLICY = CardPolicy()
XIAN, BEIJING = "610100", "110100"


def stay(place, start, hours, kind="city"):
    return Stay(kind=kind, place=place, entered_at=start, left_at=start + timedelta(hours=hours))


def card(*stays, areas=(), policy=POLICY):
    return build_card(stays, as_of=NOW, policy=policy, risk_areas=areas)


def test_a_city_needs_more_than_four_hours():
    start = NOW - timedelta(days=1)

    assert card(stay(XIAN, start, 4)).cities == ()
    assert [c.region_code for c in card(stay(XIAN, start, 4.01)).cities] == [XIAN]


def test_stays_in_one_city_add_up():
    a = stay(XIAN, NOW - timedelta(days=3), 2)
    b = stay(XIAN, NOW - timedelta(days=2), 2.5)

    assert card(a, b).cities[0].hours == 4.5


def test_overlapping_stays_from_two_batches_count_once():
    a = stay(XIAN, NOW - timedelta(days=2), 3)
    b = stay(XIAN, NOW - timedelta(days=2, hours=-2), 3)  # overlaps a by one hour

    assert card(a, b).cities[0].hours == 5.0
    assert card(a, a, a).cities == ()  # the same 3 h sent three times is still 3 h


def test_stays_crossing_the_window_edge_are_clipped():
    window_start = datetime(2026, 11, 6, 0, 0, tzinfo=CST)  # 00:00 local, 14 days back
    across = Stay(
        kind="city",
        place=XIAN,
        entered_at=window_start - timedelta(hours=10),
        left_at=window_start + timedelta(hours=3),
    )

    assert card(across).cities == ()  # only 3 h fall inside
    longer = Stay(
        kind="city",
        place=XIAN,
        entered_at=across.entered_at,
        left_at=window_start + timedelta(hours=5),
    )
    assert card(longer).cities[0].hours == 5.0


def test_a_stay_entirely_before_the_window_is_gone():
    old = stay(XIAN, datetime(2026, 11, 5, 10, tzinfo=CST), 12)

    assert card(old).cities == ()


def test_countries_are_listed_on_any_stay_but_not_the_mainland():
    brief = stay("JP", NOW - timedelta(days=4), 0.5, kind="country")
    home = stay("CN", NOW - timedelta(days=2), 48, kind="country")

    assert [c.code for c in card(brief, home).countries] == ["JP"]


def test_most_recent_first():
    older = stay(BEIJING, NOW - timedelta(days=5), 6)
    newer = stay(XIAN, NOW - timedelta(days=1), 6)
    hk = stay("HK", NOW - timedelta(days=8), 1, kind="country")
    jp = stay("JP", NOW - timedelta(days=3), 1, kind="country")

    result = card(older, newer, hk, jp)

    assert [c.region_code for c in result.cities] == [XIAN, BEIJING]
    assert [c.code for c in result.countries] == ["JP", "HK"]


def test_cities_with_a_medium_or_high_area_are_starred():
    areas = (
        RiskArea(region_code="610113", level="medium", since=NOW - timedelta(days=1)),
        RiskArea(region_code="110105", level="low", since=NOW - timedelta(days=1)),
    )

    result = card(
        stay(XIAN, NOW - timedelta(days=1), 6),
        stay(BEIJING, NOW - timedelta(days=2), 6),
        areas=areas,
    )

    assert {c.region_code: c.starred for c in result.cities} == {XIAN: True, BEIJING: False}


def test_the_window_is_a_policy_parameter():
    eight_days_ago = stay(XIAN, NOW - timedelta(days=8), 6)

    assert card(eight_days_ago).cities
    assert card(eight_days_ago, policy=CardPolicy(window_days=7)).cities == ()


def test_a_stay_in_progress_counts_up_to_now():
    ongoing = Stay(
        kind="city",
        place=XIAN,
        entered_at=NOW - timedelta(hours=5),
        left_at=NOW + timedelta(hours=5),
    )

    assert card(ongoing).cities[0].hours == 5.0


def test_local_days_follow_the_beijing_calendar():
    overnight = Stay(
        kind="city",
        place=XIAN,
        entered_at=datetime(2026, 11, 19, 15, 30, tzinfo=UTC),  # 23:30 local
        left_at=datetime(2026, 11, 19, 17, 0, tzinfo=UTC),
    )  # 01:00 next day

    assert local_days(overnight) == ["2026-11-19", "2026-11-20"]


intervals = st.lists(st.tuples(st.integers(0, 13 * 24), st.integers(1, 30)), max_size=8)


@given(intervals)
def test_hours_never_exceed_the_window_nor_the_sum_of_stays(spans):
    stays = [stay(XIAN, NOW - timedelta(days=14) + timedelta(hours=h), d) for h, d in spans]

    result = card(*stays)

    for city in result.cities:
        assert city.hours <= 14 * 24
        assert city.hours <= sum(d for _, d in spans) + 1e-9


# --- parsing carrier rows -------------------------------------------------------------


def rows(**overrides):
    row = {
        "phone": "13800138000",
        "kind": "city",
        "place": XIAN,
        "entered_at": "2026-11-17T08:00:00+08:00",
        "left_at": "2026-11-17T14:30:00+08:00",
    }
    return [row | overrides]


def parse(batch):
    return parse_stays(batch, divisions=divisions(), is_country=is_country, now=NOW, policy=POLICY)


def test_a_good_row_parses():
    [parsed] = parse(rows())

    assert parsed.place == XIAN and parsed.left_at - parsed.entered_at == timedelta(hours=6.5)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone": "1380013800"}, "phone"),
        ({"kind": "ship"}, "kind"),
        ({"place": "610113"}, "place"),  # a district, not a city
        ({"place": "999900"}, "place"),
        ({"kind": "country", "place": "XX"}, "place"),
        ({"entered_at": "2026-11-17 08:00"}, "entered_at"),  # no offset
        ({"entered_at": "2026-11-17T15:00:00+08:00"}, "left_at"),  # after left_at
        ({"left_at": "2026-11-21T14:30:00+08:00"}, "left_at"),  # future
        (
            {"entered_at": "2026-10-01T08:00:00+08:00", "left_at": "2026-10-02T08:00:00+08:00"},
            "left_at",
        ),  # older than the window
    ],
)
def test_bad_rows_name_the_row_and_field(overrides, field):
    batch = rows() + rows(**overrides)

    with pytest.raises(InvalidInput) as caught:
        parse(batch)
    assert caught.value.field == f"stays[1].{field}"


def test_country_codes_are_normalised():
    [parsed] = parse(rows(kind="country", place="jp"))

    assert parsed.place == "JP"


@pytest.mark.parametrize("row", [None, "13800138000", ["phone"], 5])
def test_a_row_that_is_not_an_object_is_named(row):
    # The API's schema stops these; `cli load-carrier-feed` hands a file's rows straight in.
    with pytest.raises(InvalidInput) as caught:
        parse([*rows(), row])
    assert caught.value.field == "stays[1]"
