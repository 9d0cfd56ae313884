"""The colour engine (SPEC section 3), where a person has been: abroad in the last
14 days, stays and scans in high and medium risk areas, days counted on the Shanghai
calendar.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from chalicelib.colours.model import Colour, VenueScan
from chalicelib.colours.rules import assess
from chalicelib.kernel.times import days_after, local_day, local_midnight
from tests.unit.colour_cases import (
    ABSENT,
    AREA_SINCE,
    AS_OF,
    BEIJING,
    HIGH,
    LEFT_LATE,
    LEFT_LATE_END,
    MEDIUM,
    POLICY,
    RED_NO_END,
    STAY_END_4H,
    STAY_START,
    US,
    XIAN,
    YELLOW_NO_END,
    Active,
    H,
    L,
    S,
    abroad,
    check,
    city_stay,
    codes,
    decl,
    facts,
    only,
)

# --- abroad_14d -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stays", "as_of", "expected"),
    [
        pytest.param(
            [abroad("JP")],
            L(2026, 11, 21, 8),
            Active(Colour.RED, LEFT_LATE_END),
            id="country-14-local-days-after-leaving",
        ),
        pytest.param(
            [abroad("JP")], L(2026, 11, 20, 12), Active(Colour.RED, LEFT_LATE_END), id="still-there"
        ),
        pytest.param(
            [abroad("JP")],
            LEFT_LATE_END - S,
            Active(Colour.RED, LEFT_LATE_END),
            id="one-second-before-local-midnight",
        ),
        pytest.param([abroad("JP")], LEFT_LATE_END, ABSENT, id="ends-at-local-midnight"),
        *(
            pytest.param(
                [abroad(region)],
                L(2026, 11, 22),
                Active(Colour.RED, LEFT_LATE_END),
                id=f"{region}-counts-as-outside-the-mainland",
            )
            for region in ("HK", "MO", "TW", "hk")
        ),
        pytest.param([abroad("CN")], L(2026, 11, 22), ABSENT, id="CN-is-not-abroad"),
        pytest.param([abroad("cn")], L(2026, 11, 22), ABSENT, id="cn-lowercase-is-not-abroad"),
        pytest.param(
            [abroad("610100", kind="city")], L(2026, 11, 22), ABSENT, id="city-stay-not-abroad"
        ),
        pytest.param(
            [abroad("JP", left=L(2026, 11, 25))],
            L(2026, 11, 21),
            ABSENT,
            id="trip-entered-after-as_of-unknown",
        ),
        pytest.param(
            [abroad("JP", left=L(2026, 11, 5, 23, 59, 59))],
            L(2026, 11, 19, 12),
            ABSENT,
            id="left-15-local-days-ago",
        ),
        pytest.param(
            [abroad("JP", left=L(2026, 11, 6))],
            L(2026, 11, 19, 12),
            Active(Colour.RED, L(2026, 11, 20)),
            id="left-at-local-midnight-counts-that-day",
        ),
        pytest.param(
            [abroad("JP", left=L(2026, 11, 10)), abroad("JP", left=L(2026, 11, 18))],
            AS_OF,
            Active(Colour.RED, L(2026, 12, 2)),
            id="two-trips-same-country-latest-wins",
        ),
    ],
)
def test_abroad_stays(stays, as_of, expected):
    check(facts(stays=tuple(stays)), as_of, "abroad_14d", expected)


def test_abroad_text_names_the_region():
    r = only(assess(facts(stays=(abroad("HK"),)), POLICY, AS_OF), "abroad_14d")
    assert "香港" in r.text_zh and "Hong Kong" in r.text_en
    assert "HK" not in r.text_zh


@pytest.mark.parametrize(
    ("declaration", "as_of", "expected"),
    [
        pytest.param(
            decl(declared_at=L(2026, 11, 18, 10), abroad_14d=True),
            AS_OF,
            Active(Colour.RED, L(2026, 12, 2)),
            id="declared-abroad-14-days-from-declaration",
        ),
        pytest.param(
            decl(declared_at=L(2026, 11, 18, 10), abroad_14d=True),
            L(2026, 12, 2) - S,
            Active(Colour.RED, L(2026, 12, 2)),
            id="declared-one-second-before-end",
        ),
        pytest.param(
            decl(declared_at=L(2026, 11, 18, 10), abroad_14d=True),
            L(2026, 12, 2),
            ABSENT,
            id="declared-ends-at-local-midnight",
        ),
        pytest.param(
            decl(declared_at=L(2026, 11, 18, 10), abroad_14d=True, status="pending_review"),
            AS_OF,
            Active(Colour.RED, L(2026, 12, 2)),
            id="declared-while-pending",
        ),
        pytest.param(
            decl(declared_at=L(2026, 11, 18, 10), abroad_14d=False),
            AS_OF,
            ABSENT,
            id="not-declared",
        ),
    ],
)
def test_abroad_declared(declaration, as_of, expected):
    check(facts(declaration=declaration), as_of, "abroad_14d", expected)


def test_days_count_on_the_shanghai_calendar_not_utc():
    # Left at 23:30 local = 15:30Z: the 14 days end at 00:00 local, which is 16:00Z the
    # day before, eight hours before naive UTC counting would end them.
    assert datetime(2026, 11, 20, 15, 30, tzinfo=UTC) == LEFT_LATE
    naive_utc_end = datetime(2026, 12, 4, tzinfo=UTC)
    r = only(assess(facts(stays=(abroad("JP"),)), POLICY, L(2026, 11, 21, 8)), "abroad_14d")
    assert r.until == datetime(2026, 12, 3, 16, tzinfo=UTC) != naive_utc_end
    assert "abroad_14d" not in codes(assess(facts(stays=(abroad("JP"),)), POLICY, r.until))


def test_late_utc_evening_is_the_next_local_day():
    # 16:30Z on the 20th is 00:30 on the 21st in Shanghai: the local day is one later than
    # the UTC day, so the 14 days run to 00:00 local on 5 Dec, not to 00:00Z on 4 Dec.
    left = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    assert local_day(left) == date(2026, 11, 21) != left.date()
    assert days_after(left, 14) == datetime(2026, 12, 4, 16, tzinfo=UTC)
    f = facts(stays=(abroad("JP", left=left),))
    still_red = datetime(2026, 12, 4, 8, tzinfo=UTC)  # past the naive 00:00Z end
    check(f, still_red, "abroad_14d", Active(Colour.RED, datetime(2026, 12, 4, 16, tzinfo=UTC)))
    check(f, datetime(2026, 12, 4, 16, tzinfo=UTC), "abroad_14d", ABSENT)


def test_local_midnight_helpers():
    assert local_midnight(date(2026, 11, 20)) == datetime(2026, 11, 19, 16, tzinfo=UTC)
    assert local_midnight(date(2026, 11, 20), 14) == L(2026, 12, 4)
    assert days_after(L(2026, 11, 20, 0, 0, 0), 1) == L(2026, 11, 21)
    assert days_after(L(2026, 11, 20, 23, 59, 59), 1) == L(2026, 11, 21)
    assert days_after(datetime(2026, 11, 20, 15, 59, 59, tzinfo=UTC), 1) == L(2026, 11, 21)
    assert days_after(datetime(2026, 11, 20, 16, 0, 0, tzinfo=UTC), 1) == L(2026, 11, 22)


# --- high_risk_area_stay / medium_risk_area_stay ----------------------------------------


@pytest.mark.parametrize(
    ("f", "as_of", "expected"),
    [
        pytest.param(
            facts(risk_areas=(HIGH,), declaration=decl(residence_region="610113")),
            AS_OF,
            RED_NO_END,
            id="residence-in-area-red-while-area-stands",
        ),
        pytest.param(
            facts(
                risk_areas=(HIGH,),
                declaration=decl(residence_region="610113", status="pending_review"),
            ),
            AS_OF,
            RED_NO_END,
            id="residence-in-pending-declaration",
        ),
        pytest.param(
            facts(
                risk_areas=(HIGH,), declaration=decl(residence_region="610113", status="rejected")
            ),
            AS_OF,
            RED_NO_END,
            id="residence-in-rejected-declaration-still-counts",
        ),
        pytest.param(
            facts(risk_areas=(HIGH,), declaration=decl(residence_region="610112")),
            AS_OF,
            ABSENT,
            id="residence-in-another-district-of-the-city",
        ),
        pytest.param(
            facts(risk_areas=(HIGH,), declaration=decl(residence_region="610113")),
            AREA_SINCE - S,
            ABSENT,
            id="residence-before-area-declared",
        ),
        pytest.param(
            facts(risk_areas=(HIGH,), scans=(VenueScan("610113", L(2026, 11, 16, 23, 30)),)),
            AS_OF,
            Active(Colour.RED, L(2026, 11, 30)),
            id="scan-in-area-red-14-local-days",
        ),
        pytest.param(
            facts(risk_areas=(HIGH,), scans=(VenueScan("610113", L(2026, 11, 16, 23, 30)),)),
            L(2026, 11, 30) - S,
            Active(Colour.RED, L(2026, 11, 30)),
            id="scan-one-second-before-end",
        ),
        pytest.param(
            facts(risk_areas=(HIGH,), scans=(VenueScan("610113", L(2026, 11, 16, 23, 30)),)),
            L(2026, 11, 30),
            ABSENT,
            id="scan-ends-at-local-midnight",
        ),
        pytest.param(
            facts(risk_areas=(HIGH,), scans=(VenueScan("610113", AREA_SINCE),)),
            AS_OF,
            Active(Colour.RED, L(2026, 11, 29)),
            id="scan-at-the-instant-the-area-was-declared",
        ),
        pytest.param(
            facts(risk_areas=(HIGH,), scans=(VenueScan("610113", AREA_SINCE - S),)),
            AS_OF,
            ABSENT,
            id="scan-before-area-declared",
        ),
        pytest.param(
            facts(risk_areas=(HIGH,), scans=(VenueScan("610112", L(2026, 11, 16)),)),
            AS_OF,
            ABSENT,
            id="scan-in-another-district",
        ),
        pytest.param(
            facts(risk_areas=(HIGH,), scans=(VenueScan("610113", L(2026, 11, 21)),)),
            AS_OF,
            ABSENT,
            id="scan-after-as_of-unknown",
        ),
        pytest.param(
            facts(
                risk_areas=(dataclasses.replace(HIGH, level="low"),),
                scans=(VenueScan("610113", L(2026, 11, 16)),),
            ),
            AS_OF,
            ABSENT,
            id="low-risk-area-no-reason",
        ),
        pytest.param(
            facts(
                risk_areas=(dataclasses.replace(HIGH, since=L(2026, 11, 21)),),
                declaration=decl(residence_region="610113"),
            ),
            AS_OF,
            ABSENT,
            id="area-declared-after-as_of",
        ),
        pytest.param(
            facts(
                risk_areas=(dataclasses.replace(HIGH, since=L(2026, 11, 16)), HIGH),
                scans=(VenueScan("610113", L(2026, 11, 15, 12)),),
            ),
            AS_OF,
            Active(Colour.RED, L(2026, 11, 29)),
            id="two-records-same-area-earliest-since-counts",
        ),
        pytest.param(
            facts(
                risk_areas=(HIGH, dataclasses.replace(HIGH, since=L(2026, 11, 16))),
                scans=(VenueScan("610113", L(2026, 11, 15, 12)),),
            ),
            AS_OF,
            Active(Colour.RED, L(2026, 11, 29)),
            id="two-records-same-area-order-irrelevant",
        ),
    ],
)
def test_high_risk_area_residence_and_scans(f, as_of, expected):
    check(f, as_of, "high_risk_area_stay", expected)


@pytest.mark.parametrize(
    ("stays", "as_of", "expected"),
    [
        pytest.param(
            [city_stay(STAY_START, 4 * H)], AS_OF, ABSENT, id="exactly-4h-is-not-more-than-4h"
        ),
        pytest.param(
            [city_stay(STAY_START, 4 * H + S)],
            AS_OF,
            Active(Colour.YELLOW, STAY_END_4H),
            id="4h-plus-1s-is-yellow",
        ),
        pytest.param(
            [city_stay(STAY_START, 4 * H + S)],
            STAY_END_4H - S,
            Active(Colour.YELLOW, STAY_END_4H),
            id="one-second-before-the-14-days-end",
        ),
        pytest.param(
            [city_stay(STAY_START, 4 * H + S)], STAY_END_4H, ABSENT, id="ends-at-local-midnight"
        ),
        pytest.param(
            [city_stay(STAY_START, 2 * H), city_stay(L(2026, 11, 18, 9), 2 * H + S)],
            AS_OF,
            Active(Colour.YELLOW, L(2026, 12, 2)),
            id="stays-add-up-to-more-than-4h",
        ),
        pytest.param(
            [city_stay(STAY_START, 2 * H), city_stay(L(2026, 11, 18, 9), 2 * H)],
            AS_OF,
            ABSENT,
            id="stays-add-up-to-exactly-4h",
        ),
        pytest.param(
            [
                # exactly 4 h in all, but 4.000000000000001 h if summed as float seconds
                city_stay(STAY_START, US * 4698091149),
                city_stay(STAY_START + 2 * H, US * 7884551091),
                city_stay(STAY_START + 5 * H, US * 1817357760),
            ],
            AS_OF,
            ABSENT,
            id="sub-second-parts-adding-to-exactly-4h",
        ),
        pytest.param(
            [city_stay(L(2026, 11, 10), 20 * H)],
            AS_OF,
            ABSENT,
            id="stay-wholly-before-the-area-existed",
        ),
        pytest.param(
            [city_stay(STAY_START, 10 * H, city=BEIJING)], AS_OF, ABSENT, id="stay-in-another-city"
        ),
        pytest.param(
            [city_stay(L(2026, 11, 21), 10 * H)], AS_OF, ABSENT, id="stay-after-as_of-unknown"
        ),
    ],
)
def test_high_risk_city_level_stay(stays, as_of, expected):
    check(facts(risk_areas=(HIGH,), stays=tuple(stays)), as_of, "high_risk_area_stay", expected)


def test_city_level_stay_window_drop_ends_the_reason_and_sets_valid_until():
    # 3 h on 6 Nov (the oldest day still in the 14-day window on 20 Nov) plus 2 h on
    # 19 Nov make 5 h; at 00:00 on 21 Nov the 6 Nov stay leaves the window and only
    # 2 h remain, so the reason must end then, and valid_until must say so.
    area = dataclasses.replace(HIGH, since=L(2026, 11, 1))
    f = facts(
        risk_areas=(area,),
        stays=(city_stay(L(2026, 11, 6, 10), 3 * H), city_stay(L(2026, 11, 19, 10), 2 * H)),
    )
    a = check(f, AS_OF, "high_risk_area_stay", Active(Colour.YELLOW, L(2026, 11, 21)))
    assert a.valid_until == L(2026, 11, 21)
    check(f, L(2026, 11, 21) - US, "high_risk_area_stay", Active(Colour.YELLOW, L(2026, 11, 21)))
    check(f, L(2026, 11, 21), "high_risk_area_stay", ABSENT)


def test_city_variant_is_yellow_and_venue_variant_red_under_the_same_code():
    f = facts(
        risk_areas=(HIGH,),
        scans=(VenueScan("610113", L(2026, 11, 16, 10)),),
        stays=(city_stay(STAY_START, 5 * H),),
    )
    a = assess(f, POLICY, AS_OF)
    assert a.colour is Colour.RED
    found = sorted((r.colour.severity, r.until) for r in a.reasons)
    assert [r.code for r in a.reasons] == ["high_risk_area_stay", "high_risk_area_stay"]
    assert found == [(2, STAY_END_4H), (3, L(2026, 11, 30))]
    assert a.valid_until == L(2026, 11, 30)


@pytest.mark.parametrize(
    ("f", "as_of", "expected"),
    [
        pytest.param(
            facts(risk_areas=(MEDIUM,), declaration=decl(residence_region="110105")),
            AS_OF,
            YELLOW_NO_END,
            id="residence-yellow-while-area-stands",
        ),
        pytest.param(
            facts(risk_areas=(MEDIUM,), scans=(VenueScan("110105", L(2026, 11, 16, 23, 30)),)),
            AS_OF,
            Active(Colour.YELLOW, L(2026, 11, 23)),
            id="scan-yellow-7-local-days",
        ),
        pytest.param(
            facts(risk_areas=(MEDIUM,), scans=(VenueScan("110105", L(2026, 11, 16, 23, 30)),)),
            L(2026, 11, 23) - S,
            Active(Colour.YELLOW, L(2026, 11, 23)),
            id="scan-one-second-before-end",
        ),
        pytest.param(
            facts(risk_areas=(MEDIUM,), scans=(VenueScan("110105", L(2026, 11, 16, 23, 30)),)),
            L(2026, 11, 23),
            ABSENT,
            id="scan-ends-at-local-midnight-day-7",
        ),
        pytest.param(
            facts(risk_areas=(MEDIUM,), stays=(city_stay(STAY_START, 4 * H + S, BEIJING),)),
            AS_OF,
            Active(Colour.YELLOW, L(2026, 11, 24)),
            id="city-stay-over-4h-yellow-7-days",
        ),
        pytest.param(
            facts(risk_areas=(MEDIUM,), stays=(city_stay(STAY_START, 4 * H, BEIJING),)),
            AS_OF,
            ABSENT,
            id="city-stay-exactly-4h",
        ),
        pytest.param(
            facts(risk_areas=(MEDIUM,), stays=(city_stay(STAY_START, 10 * H, XIAN),)),
            AS_OF,
            ABSENT,
            id="city-stay-elsewhere",
        ),
    ],
)
def test_medium_risk_area_stay(f, as_of, expected):
    a = check(f, as_of, "medium_risk_area_stay", expected)
    assert "high_risk_area_stay" not in codes(a)
