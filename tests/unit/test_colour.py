"""The colour engine (SPEC section 3): one table of cases per rule, then properties.

Times in the tables are written in Asia/Shanghai local time (``L(...)``) because
that is the calendar the rules count days on; expected ``until`` values are the
same instants, whichever offset they are written in.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chalicelib.colours.model import (
    Assessment,
    Colour,
    DeclarationFacts,
    Facts,
    Reason,
    RiskArea,
    StatusMark,
    Stay,
    TestResult,
    VenueScan,
)
from chalicelib.colours.rules import OFFICIAL_STATUSES, RULES, Policy, assess
from chalicelib.kernel.times import SHANGHAI, days_after, local_day, local_midnight

POLICY = Policy()
H = timedelta(hours=1)
S = timedelta(seconds=1)
US = timedelta(microseconds=1)


def L(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """A local (Asia/Shanghai) wall-clock time."""
    return datetime(y, mo, d, h, mi, s, tzinfo=SHANGHAI)


AS_OF = L(2026, 11, 20, 12)  # noon local, 04:00Z
APPROVED = DeclarationFacts(declared_at=L(2026, 11, 1, 9), status="approved")


def facts(**kw: Any) -> Facts:
    """Facts with an approved, empty declaration unless one is given."""
    kw.setdefault("declaration", APPROVED)
    return Facts(**kw)


def decl(**kw: Any) -> DeclarationFacts:
    return dataclasses.replace(APPROVED, **kw)


def codes(a: Assessment) -> list[str]:
    return [r.code for r in a.reasons]


def only(a: Assessment, code: str) -> Reason:
    found = [r for r in a.reasons if r.code == code]
    assert len(found) == 1, (code, a.reasons)
    return found[0]


class Active(NamedTuple):
    colour: Colour
    until: datetime | None


ABSENT = None


def check(f: Facts, as_of: datetime, code: str, expected: Active | None) -> Assessment:
    a = assess(f, POLICY, as_of)
    if expected is ABSENT:
        assert code not in codes(a), a.reasons
    else:
        r = only(a, code)
        assert (r.colour, r.until) == (expected.colour, expected.until)
        assert a.colour.severity >= expected.colour.severity
        assert r.text_zh and r.text_en
    return a


RED_NO_END = Active(Colour.RED, None)
YELLOW_NO_END = Active(Colour.YELLOW, None)


# --- status_confirmed -----------------------------------------------------------

CONFIRMED = StatusMark("confirmed", L(2026, 11, 10, 9))


@pytest.mark.parametrize(
    ("marks", "as_of", "expected"),
    [
        pytest.param([CONFIRMED], AS_OF, RED_NO_END, id="confirmed-is-red-until-cleared"),
        pytest.param(
            [CONFIRMED], L(2027, 6, 1), RED_NO_END, id="confirmed-does-not-expire-with-time"
        ),
        pytest.param([CONFIRMED], L(2026, 11, 10, 8), ABSENT, id="mark-not-yet-effective"),
        pytest.param(
            [CONFIRMED, StatusMark("cleared", L(2026, 11, 15))], AS_OF, ABSENT, id="cleared"
        ),
        pytest.param(
            [StatusMark("cleared", L(2026, 11, 15)), CONFIRMED],
            AS_OF,
            ABSENT,
            id="cleared-order-of-marks-irrelevant",
        ),
        pytest.param(
            [
                CONFIRMED,
                StatusMark("cleared", L(2026, 11, 15)),
                StatusMark("confirmed", L(2026, 11, 18)),
            ],
            AS_OF,
            RED_NO_END,
            id="confirmed-again-after-clear-is-active",
        ),
        pytest.param(
            [CONFIRMED, StatusMark("cleared", L(2026, 11, 25))],
            AS_OF,
            RED_NO_END,
            id="clear-effective-after-as_of-does-not-apply-yet",
        ),
        pytest.param(
            [CONFIRMED, StatusMark("cleared", L(2026, 11, 25))],
            L(2026, 11, 25),
            ABSENT,
            id="clear-applies-from-its-effective-time",
        ),
        pytest.param(
            [StatusMark("bogus", L(2026, 11, 10))], AS_OF, ABSENT, id="unknown-status-ignored"
        ),
    ],
)
def test_status_confirmed(marks, as_of, expected):
    check(facts(marks=tuple(marks)), as_of, "status_confirmed", expected)


# --- status_close_contact -------------------------------------------------------

CONTACT_DAY = date(2026, 11, 10)
CLOSE = StatusMark("close_contact", L(2026, 11, 11, 15), contact_date=CONTACT_DAY)
CLOSE_END = L(2026, 11, 24)  # 00:00 local on contact_date + 14
NEG_DAY_AFTER = TestResult(L(2026, 11, 11), "negative")  # first instant that counts


def test_close_contact_end_is_local_midnight():
    assert datetime(2026, 11, 23, 16, 0, tzinfo=UTC) == CLOSE_END


@pytest.mark.parametrize(
    ("tests", "as_of", "expected"),
    [
        pytest.param([], AS_OF, RED_NO_END, id="no-test-red-without-end"),
        pytest.param([], CLOSE_END, RED_NO_END, id="no-test-still-red-at-day-14"),
        pytest.param([], L(2027, 1, 1), RED_NO_END, id="no-test-still-red-long-after"),
        pytest.param(
            [NEG_DAY_AFTER], AS_OF, Active(Colour.RED, CLOSE_END), id="tested-red-until-day-14"
        ),
        pytest.param(
            [NEG_DAY_AFTER],
            CLOSE_END - S,
            Active(Colour.RED, CLOSE_END),
            id="tested-one-second-before-local-midnight",
        ),
        pytest.param(
            [NEG_DAY_AFTER], CLOSE_END - US, Active(Colour.RED, CLOSE_END), id="tested-1us-before"
        ),
        pytest.param([NEG_DAY_AFTER], CLOSE_END, ABSENT, id="tested-ends-at-local-midnight"),
        pytest.param(
            [TestResult(L(2026, 11, 10, 23, 59, 59), "negative")],
            CLOSE_END,
            RED_NO_END,
            id="negative-on-the-contact-day-does-not-count",
        ),
        pytest.param(
            [TestResult(L(2026, 11, 5), "negative")],
            CLOSE_END,
            RED_NO_END,
            id="negative-before-the-contact-does-not-count",
        ),
        pytest.param(
            [TestResult(L(2026, 11, 11), "positive")],
            CLOSE_END,
            RED_NO_END,
            id="positive-test-does-not-end-it",
        ),
        pytest.param(
            [TestResult(L(2026, 11, 11), "invalid")],
            CLOSE_END,
            RED_NO_END,
            id="invalid-test-does-not-end-it",
        ),
        pytest.param(
            [TestResult(L(2026, 11, 30), "negative")],
            L(2026, 11, 29),
            RED_NO_END,
            id="test-sampled-after-as_of-is-not-known-yet",
        ),
        pytest.param(
            [TestResult(L(2026, 11, 30), "negative")],
            L(2026, 11, 30),
            ABSENT,
            id="late-test-ends-it-when-sampled",
        ),
    ],
)
def test_status_close_contact(tests, as_of, expected):
    check(facts(marks=(CLOSE,), tests=tuple(tests)), as_of, "status_close_contact", expected)


def test_close_contact_is_cleared_by_an_official():
    f = facts(marks=(CLOSE, StatusMark("cleared", L(2026, 11, 15))))
    check(f, AS_OF, "status_close_contact", ABSENT)


def test_close_contact_text_names_the_contact_date():
    r = only(assess(facts(marks=(CLOSE,)), POLICY, AS_OF), "status_close_contact")
    assert "2026-11-10" in r.text_en and "2026-11-10" in r.text_zh
    assert r.since == CLOSE.effective_at


def test_close_contact_without_contact_date_is_not_silently_dropped():
    # An approved official mark must never be ignored; without a contact date the
    # engine counts from the (local) day the mark took effect, the latest possible.
    mark = StatusMark("close_contact", L(2026, 11, 11, 15))
    f = facts(marks=(mark,), tests=(TestResult(L(2026, 11, 12), "negative"),))
    check(f, AS_OF, "status_close_contact", Active(Colour.RED, L(2026, 11, 25)))


# --- status_secondary_contact ------------------------------------------------------

SECONDARY = StatusMark("secondary_contact", L(2026, 11, 16, 10), contact_date=date(2026, 11, 15))
SECONDARY_END = L(2026, 11, 22)


@pytest.mark.parametrize(
    ("marks", "as_of", "expected"),
    [
        pytest.param(
            [SECONDARY], AS_OF, Active(Colour.YELLOW, SECONDARY_END), id="yellow-for-7-days"
        ),
        pytest.param(
            [SECONDARY],
            SECONDARY_END - S,
            Active(Colour.YELLOW, SECONDARY_END),
            id="one-second-before-local-midnight",
        ),
        pytest.param([SECONDARY], SECONDARY_END, ABSENT, id="ends-at-local-midnight-day-7"),
        pytest.param([SECONDARY], L(2026, 11, 16, 9), ABSENT, id="not-yet-effective"),
        pytest.param(
            [SECONDARY, StatusMark("cleared", L(2026, 11, 18))], AS_OF, ABSENT, id="cleared"
        ),
    ],
)
def test_status_secondary_contact(marks, as_of, expected):
    a = check(facts(marks=tuple(marks)), as_of, "status_secondary_contact", expected)
    if expected is not ABSENT:
        assert a.colour is Colour.YELLOW


# --- declared_contact ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param("pending_review", RED_NO_END, id="pending-is-red"),
        pytest.param("approved", ABSENT, id="approved-by-reviewer-no-longer-counts"),
        pytest.param("rejected", ABSENT, id="rejected-declaration-no-longer-counts"),
    ],
)
def test_declared_contact(status, expected):
    f = facts(declaration=decl(status=status, contact_with_confirmed=True))
    a = check(f, AS_OF, "declared_contact", expected)
    if status == "pending_review":
        # a pending review never hides a red
        assert a.colour is Colour.RED
        assert "pending_review" in codes(a)


# --- declared_symptoms ----------------------------------------------------------------

DECLARED_AT = L(2026, 11, 18, 10)
SYMPTOMS = decl(declared_at=DECLARED_AT, symptoms=("fever",))


@pytest.mark.parametrize(
    ("tests", "as_of", "expected"),
    [
        pytest.param([], AS_OF, YELLOW_NO_END, id="no-test-yellow"),
        pytest.param([], L(2027, 1, 1), YELLOW_NO_END, id="does-not-expire-with-time"),
        pytest.param(
            [TestResult(DECLARED_AT - H, "negative")],
            AS_OF,
            YELLOW_NO_END,
            id="negative-before-declaration-does-not-clear",
        ),
        pytest.param(
            [TestResult(DECLARED_AT, "negative")],
            AS_OF,
            YELLOW_NO_END,
            id="negative-at-declaration-instant-does-not-clear",
        ),
        pytest.param(
            [TestResult(DECLARED_AT + S, "negative")], AS_OF, ABSENT, id="negative-after-clears"
        ),
        pytest.param(
            [TestResult(DECLARED_AT + H, "invalid")], AS_OF, YELLOW_NO_END, id="invalid-no"
        ),
        pytest.param(
            [TestResult(L(2026, 11, 21), "negative")],
            AS_OF,
            YELLOW_NO_END,
            id="test-after-as_of-not-known-yet",
        ),
    ],
)
def test_declared_symptoms(tests, as_of, expected):
    check(facts(declaration=SYMPTOMS, tests=tuple(tests)), as_of, "declared_symptoms", expected)


def test_declared_symptoms_also_while_pending_and_pending_does_not_hide_yellow():
    f = facts(declaration=dataclasses.replace(SYMPTOMS, status="pending_review"))
    a = check(f, AS_OF, "declared_symptoms", YELLOW_NO_END)
    assert a.colour is Colour.YELLOW
    assert codes(a) == ["declared_symptoms", "pending_review"]


def test_positive_test_after_declaration_does_not_clear_symptoms():
    f = facts(declaration=SYMPTOMS, tests=(TestResult(DECLARED_AT + H, "positive"),))
    a = check(f, AS_OF, "declared_symptoms", YELLOW_NO_END)
    assert a.colour is Colour.RED


# --- abroad_14d -----------------------------------------------------------------------


def stay(kind: str, place: str, entered: datetime, left: datetime) -> Stay:
    return Stay(kind=kind, place=place, entered_at=entered, left_at=left)


LEFT_LATE = L(2026, 11, 20, 23, 30)  # = 2026-11-20T15:30Z
LEFT_LATE_END = L(2026, 12, 4)  # = 2026-12-03T16:00Z


def abroad(place: str, left: datetime = LEFT_LATE, kind: str = "country") -> Stay:
    return stay(kind, place, left - timedelta(days=3), left)


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
    assert "HK" in r.text_en and "HK" in r.text_zh


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

AREA_SINCE = L(2026, 11, 15, 8)
HIGH = RiskArea("610113", "high", AREA_SINCE, area="雁塔区某小区")
MEDIUM = RiskArea("110105", "medium", AREA_SINCE)
XIAN, BEIJING = "610100", "110100"


def city_stay(start: datetime, length: timedelta, city: str = XIAN) -> Stay:
    return stay("city", city, start, start + length)


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


STAY_START = L(2026, 11, 17, 9)
STAY_END_4H = L(2026, 12, 1)  # 14 local days after 17 Nov


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


# --- positive_test ------------------------------------------------------------------

POSITIVE = TestResult(L(2026, 11, 18, 8), "positive")


@pytest.mark.parametrize(
    ("tests", "marks", "as_of", "expected"),
    [
        pytest.param([POSITIVE], [], AS_OF, RED_NO_END, id="positive-red-until-cleared"),
        pytest.param([POSITIVE], [], L(2027, 6, 1), RED_NO_END, id="does-not-expire"),
        pytest.param([POSITIVE], [], POSITIVE.sampled_at - S, ABSENT, id="sampled-after-as_of"),
        pytest.param(
            [POSITIVE, TestResult(L(2026, 11, 19), "negative")],
            [],
            AS_OF,
            RED_NO_END,
            id="later-negative-does-not-clear",
        ),
        pytest.param(
            [POSITIVE], [StatusMark("cleared", L(2026, 11, 19))], AS_OF, ABSENT, id="cleared"
        ),
        pytest.param(
            [POSITIVE],
            [StatusMark("cleared", L(2026, 11, 17))],
            AS_OF,
            RED_NO_END,
            id="clear-before-the-sample-does-not-count",
        ),
        pytest.param(
            [POSITIVE],
            [StatusMark("cleared", L(2026, 11, 25))],
            AS_OF,
            RED_NO_END,
            id="clear-after-as_of-not-yet",
        ),
        pytest.param(
            [TestResult(L(2026, 11, 18, 8), "negative")], [], AS_OF, ABSENT, id="negative"
        ),
    ],
)
def test_positive_test(tests, marks, as_of, expected):
    check(facts(tests=tuple(tests), marks=tuple(marks)), as_of, "positive_test", expected)


def test_positive_text_names_the_local_sample_day():
    late = TestResult(datetime(2026, 11, 18, 17, tzinfo=UTC), "positive")  # 01:00 on the 19th
    r = only(assess(facts(tests=(late,)), POLICY, AS_OF), "positive_test")
    assert "2026-11-19" in r.text_en


# --- the declaration's own state ------------------------------------------------------


@pytest.mark.parametrize(
    ("declaration", "code", "colour"),
    [
        pytest.param(None, "no_declaration", Colour.PENDING, id="no-declaration-pending"),
        pytest.param(
            decl(status="pending_review"), "pending_review", Colour.PENDING, id="pending-review"
        ),
        pytest.param(
            decl(status="rejected", reviewed_at=L(2026, 11, 2)),
            "declaration_rejected",
            Colour.PENDING,
            id="rejected-pending",
        ),
        pytest.param(decl(status="approved"), None, Colour.GREEN, id="approved-and-clean-green"),
    ],
)
def test_declaration_state(declaration, code, colour):
    a = assess(Facts(declaration=declaration), POLICY, AS_OF)
    assert a.colour is colour
    assert codes(a) == ([code] if code else [])
    assert a.valid_until is None
    if code:
        assert only(a, code).until is None


@pytest.mark.parametrize(
    ("declaration", "code"),
    [
        pytest.param(None, "no_declaration", id="no-declaration"),
        pytest.param(decl(status="pending_review"), "pending_review", id="pending"),
        pytest.param(decl(status="rejected"), "declaration_rejected", id="rejected"),
    ],
)
@pytest.mark.parametrize(
    ("extra", "colour"),
    [
        pytest.param({"tests": (POSITIVE,)}, Colour.RED, id="red"),
        pytest.param({"marks": (SECONDARY,)}, Colour.YELLOW, id="yellow"),
    ],
)
def test_pending_never_hides_red_or_yellow(declaration, code, extra, colour):
    a = assess(Facts(declaration=declaration, **extra), POLICY, AS_OF)
    assert a.colour is colour
    assert code in codes(a)
    assert a.reasons[-1].code == code  # the worst reason first, pending ones last


def test_assessment_records_policy_version_feed_and_as_of():
    policy = Policy(version="test-1")
    a = assess(Facts(declaration=APPROVED, feed_id="feed-42"), policy, AS_OF)
    assert (a.policy_version, a.feed_id, a.as_of) == ("test-1", "feed-42", AS_OF)


def test_policy_numbers_are_parameters():
    longer = Policy(secondary_contact_days=10, min_stay_hours=6)
    f = facts(marks=(SECONDARY,), risk_areas=(HIGH,), stays=(city_stay(STAY_START, 5 * H),))
    a = assess(f, longer, AS_OF)
    assert only(a, "status_secondary_contact").until == L(2026, 11, 25)
    assert "high_risk_area_stay" not in codes(a)


def test_valid_until_is_the_earliest_end():
    f = facts(
        marks=(SECONDARY,),
        stays=(abroad("JP"),),
        declaration=decl(symptoms=("cough",)),
    )
    a = assess(f, POLICY, AS_OF)
    assert a.colour is Colour.RED
    assert codes(a) == ["abroad_14d", "declared_symptoms", "status_secondary_contact"]
    assert a.valid_until == SECONDARY_END


# --- the rule table -------------------------------------------------------------------

SPEC_CODES = {
    "status_confirmed",
    "status_close_contact",
    "status_secondary_contact",
    "declared_contact",
    "declared_symptoms",
    "abroad_14d",
    "high_risk_area_stay",
    "medium_risk_area_stay",
    "positive_test",
    "pending_review",
}
REFINEMENTS = {"no_declaration", "declaration_rejected"}
FEDERATION = {"partner_region_status"}  # mutual recognition, way (a): docs/federation.md
VENUES = {"venue_exposure", "vaccination_incomplete"}  # issue 17: docs/colour-rules.md


@pytest.mark.parametrize("key", sorted(RULES))
def test_rule_table_entry(key):
    rule = RULES[key]
    assert rule.code in SPEC_CODES | REFINEMENTS | FEDERATION | VENUES
    assert rule.key == key
    assert rule.text_zh.strip() and rule.text_en.strip()
    assert isinstance(rule.colour, Colour) and rule.colour is not Colour.GREEN
    # texts may only name {place}, {date} and {detail}
    params = {"place": "X", "date": "D", "detail": ""}
    assert rule.text_zh.format(**params) and rule.text_en.format(**params)


def test_rule_table_covers_every_spec_code():
    assert {r.code for r in RULES.values()} == SPEC_CODES | REFINEMENTS | FEDERATION | VENUES
    assert RULES["pending_review"].colour is Colour.PENDING
    assert RULES["high_risk_area_stay"].colour is Colour.RED
    assert RULES["high_risk_area_stay/city"].colour is Colour.YELLOW


# --- properties -----------------------------------------------------------------------

DAY = 86400
AS_OFS = (
    AS_OF,
    L(2026, 11, 20, 23, 59, 59) + US * 999999,
    L(2026, 11, 21),
    datetime(2026, 11, 20, 15, 30, tzinfo=UTC),
)
COUNTIES = ("610113", "610112", "110105")  # two in Xi'an, one in Beijing
CITIES = ("610100", "110100")
COUNTRIES = ("JP", "HK", "MO", "TW", "CN", "US")
ALL_RESULTS = ("negative", "positive", "invalid")
STATUSES_NOT_CLEARED = (*(s for s in OFFICIAL_STATUSES if s != "cleared"), "bogus")

# Strategies are built once per (as_of, horizon) and cached: building them afresh
# inside every draw costs hypothesis more than running the engine does.


@functools.cache
def gen_moments(as_of: datetime, after: int) -> st.SearchStrategy[datetime]:
    """Instants from 20 local days before ``as_of`` to ``after`` seconds after it,
    favouring local midnights and their neighbours, and ``as_of`` itself; written in
    UTC or in Asia/Shanghai."""
    day0 = local_day(as_of)
    in_day = st.one_of(
        st.sampled_from([0, 1, 10**6, 12 * 3600 * 10**6, DAY * 10**6 - 1]),
        st.integers(0, DAY * 10**6 - 1),
    )
    on_days = st.builds(
        lambda k, us: local_midnight(day0, k) + US * us,
        st.integers(-20, after // DAY + 1),
        in_day,
    )
    near = st.sampled_from([timedelta(0), -US, -S, -4 * H]).map(lambda d: as_of + d)
    limit = as_of + timedelta(seconds=after)
    return st.builds(
        lambda m, tz: m.astimezone(tz),
        st.one_of(on_days, near).filter(lambda m: m <= limit),
        st.sampled_from([UTC, SHANGHAI]),
    )


DURATIONS = st.one_of(
    st.sampled_from([4 * H, 4 * H + S, 4 * H + US, 2 * H, 2 * H + S, 5 * H]),
    st.integers(0, 30 * 3600).map(lambda s: timedelta(seconds=s)),
)


@functools.cache
def gen_marks(as_of: datetime, after: int, statuses: tuple[str, ...]) -> st.SearchStrategy:
    day0 = local_day(as_of)
    return st.builds(
        StatusMark,
        status=st.sampled_from(statuses),
        effective_at=gen_moments(as_of, after),
        contact_date=st.one_of(
            st.none(), st.integers(-20, 2).map(lambda k: day0 + timedelta(days=k))
        ),
    )


@functools.cache
def gen_stays(as_of: datetime, after: int) -> st.SearchStrategy[Stay]:
    def build(place: str, left: datetime, length: timedelta) -> Stay:
        kind = "city" if place in CITIES else "country"
        return Stay(kind, place, left - length, left)

    places = st.one_of(st.sampled_from(CITIES), st.sampled_from(COUNTRIES))
    return st.builds(build, places, gen_moments(as_of, after), DURATIONS)


@functools.cache
def gen_scans(as_of: datetime, after: int) -> st.SearchStrategy[VenueScan]:
    return st.builds(VenueScan, st.sampled_from(COUNTIES), gen_moments(as_of, after))


@functools.cache
def gen_risk_areas(as_of: datetime, after: int) -> st.SearchStrategy[RiskArea]:
    return st.builds(
        RiskArea,
        st.sampled_from(COUNTIES),
        st.sampled_from(["high", "medium", "low"]),
        gen_moments(as_of, after),
    )


@functools.cache
def gen_lab_results(as_of: datetime, after: int, results: tuple[str, ...]) -> st.SearchStrategy:
    return st.builds(TestResult, gen_moments(as_of, after), st.sampled_from(results))


@functools.cache
def gen_declarations(as_of: datetime, after: int) -> st.SearchStrategy[DeclarationFacts | None]:
    return st.one_of(
        st.none(),
        st.builds(
            DeclarationFacts,
            declared_at=gen_moments(as_of, after),
            status=st.sampled_from(["approved", "pending_review", "rejected"]),
            symptoms=st.sampled_from([(), ("fever",), ("cough", "fever")]),
            contact_with_confirmed=st.booleans(),
            abroad_14d=st.booleans(),
            residence_region=st.one_of(st.none(), st.sampled_from(COUNTIES)),
            reviewed_at=st.one_of(st.none(), gen_moments(as_of, after)),
        ),
    )


def _tuples(strategy: st.SearchStrategy, size: int) -> st.SearchStrategy[tuple]:
    return st.lists(strategy, max_size=size).map(tuple)


@functools.cache
def all_facts(as_of: datetime, after: int) -> st.SearchStrategy[Facts]:
    return st.builds(
        Facts,
        marks=_tuples(gen_marks(as_of, after, OFFICIAL_STATUSES), 4),
        declaration=gen_declarations(as_of, after),
        stays=_tuples(gen_stays(as_of, after), 5),
        scans=_tuples(gen_scans(as_of, after), 3),
        risk_areas=_tuples(gen_risk_areas(as_of, after), 4),
        tests=_tuples(gen_lab_results(as_of, after, ALL_RESULTS), 4),
        feed_id=st.sampled_from([None, "feed-1"]),
    )


def scenarios(past_only: bool = False) -> st.SearchStrategy[tuple[Facts, datetime]]:
    """Arbitrary facts around one of a few fixed ``as_of`` instants; ``past_only`` keeps
    every fact at or before it (all that a recolour at ``as_of`` can know)."""
    after = 0 if past_only else 3 * DAY
    return st.sampled_from(AS_OFS).flatmap(
        lambda as_of: st.tuples(all_facts(as_of, after), st.just(as_of))
    )


@functools.cache
def additions(as_of: datetime) -> st.SearchStrategy[tuple[str, Any]]:
    """One extra fact that can only make things worse: never a "cleared" mark, a
    negative test or a new declaration (those can rightly improve the colour; a
    declaration replaces the previous one rather than adding to it)."""
    after = 3 * DAY
    return st.one_of(
        gen_marks(as_of, after, STATUSES_NOT_CLEARED).map(lambda f: ("marks", f)),
        gen_lab_results(as_of, after, ("positive",)).map(lambda f: ("tests", f)),
        gen_stays(as_of, after).map(lambda f: ("stays", f)),
        gen_scans(as_of, after).map(lambda f: ("scans", f)),
        gen_risk_areas(as_of, after).map(lambda f: ("risk_areas", f)),
    )


PROPERTY = settings(max_examples=200, deadline=None)


def keys(a: Assessment) -> list[tuple[str, Colour, str]]:
    return sorted((r.code, r.colour, r.text_en) for r in a.reasons)


@PROPERTY
@given(scenarios())
def test_property_colour_is_the_worst_reason(scenario):
    f, as_of = scenario
    a = assess(f, POLICY, as_of)
    worst = max((r.colour.severity for r in a.reasons), default=Colour.GREEN.severity)
    assert a.colour.severity == worst
    assert (a.colour is Colour.GREEN) == (not a.reasons)
    # the reasons are listed worst first
    severities = [r.colour.severity for r in a.reasons]
    assert severities == sorted(severities, reverse=True)


def with_addition() -> st.SearchStrategy[tuple[tuple[Facts, datetime], tuple[str, Any]]]:
    return scenarios().flatmap(lambda fa: st.tuples(st.just(fa), additions(fa[1])))


# Found by this property: a second listing of a county with a later ``since`` replaced
# the first, so a scan between the two stopped counting.
@example(
    (
        (
            Facts(
                scans=(VenueScan("610112", L(2026, 11, 20)),),
                risk_areas=(RiskArea("610112", "high", L(2026, 11, 20)),),
            ),
            AS_OF,
        ),
        ("risk_areas", RiskArea("610112", "high", AS_OF)),
    )
)
@PROPERTY
@given(with_addition())
def test_property_adding_a_fact_never_improves_the_colour(case):
    (f, as_of), (name, fact) = case
    more = dataclasses.replace(f, **{name: (*getattr(f, name), fact)})
    before, after = assess(f, POLICY, as_of), assess(more, POLICY, as_of)
    assert after.colour.severity >= before.colour.severity
    assert {r.code for r in after.reasons} >= {r.code for r in before.reasons}


@PROPERTY
@given(scenarios())
def test_property_valid_until_is_the_earliest_reason_end_and_in_the_future(scenario):
    f, as_of = scenario
    a = assess(f, POLICY, as_of)
    ends = [r.until for r in a.reasons if r.until is not None]
    assert a.valid_until == (min(ends) if ends else None)
    for end in ends:
        assert end > as_of
        assert end.tzinfo is not None


# Found by this property: the 14-day window slid past the 18 Nov stay at 00:00 on
# 3 Dec, leaving exactly 4 h, while valid_until still said 4 Dec.
@example(
    (
        Facts(
            stays=(
                Stay("city", "610100", L(2026, 11, 18, 20), L(2026, 11, 19)),
                Stay("city", "610100", L(2026, 11, 20, 8), L(2026, 11, 20, 12)),
            ),
            risk_areas=(RiskArea("610113", "high", L(2026, 11, 18)),),
        ),
        AS_OF,
    )
)
@PROPERTY
@given(scenarios(past_only=True))
def test_property_nothing_changes_by_time_alone_before_valid_until(scenario):
    f, as_of = scenario
    a = assess(f, POLICY, as_of)
    if a.valid_until is None:
        later = assess(f, POLICY, as_of + timedelta(days=400))
        assert keys(later) == keys(a)
        return
    just_before = assess(f, POLICY, a.valid_until - US)
    assert just_before.colour is a.colour
    assert keys(just_before) == keys(a)
    # and valid_until is not early for nothing: some reason has ended by then
    assert keys(assess(f, POLICY, a.valid_until)) != keys(a)


@PROPERTY
@given(scenarios(), st.integers(-30 * DAY, 30 * DAY))
def test_property_assess_never_raises_and_is_well_formed(scenario, shift):
    f, as_of = scenario
    when = as_of + timedelta(seconds=shift)
    a = assess(f, POLICY, when)
    assert isinstance(a.colour, Colour)
    assert (a.policy_version, a.feed_id, a.as_of) == (POLICY.version, f.feed_id, when)
    for r in a.reasons:
        assert r.code in SPEC_CODES | REFINEMENTS
        assert r.text_zh and r.text_en
        assert "{" not in r.text_en and "{" not in r.text_zh


def test_a_rejection_never_hides_what_the_citizen_declared_against_themselves():
    rejected = decl(
        status="rejected",
        symptoms=("fever",),
        abroad_14d=True,
        declared_at=L(2026, 11, 18),
        reviewed_at=L(2026, 11, 19),
    )

    a = assess(Facts(declaration=rejected), POLICY, AS_OF)

    assert a.colour is Colour.RED
    assert set(codes(a)) == {"declaration_rejected", "declared_symptoms", "abroad_14d"}


def test_an_official_mark_is_shown_with_its_epidemic_grounds():
    mark = StatusMark(status="confirmed", effective_at=L(2026, 11, 1), category="contact_tracing")

    reason = only(assess(facts(marks=(mark,)), POLICY, AS_OF), "status_confirmed")

    assert reason.text_zh.endswith("依据：流行病学调查")
    assert reason.text_en.endswith("grounds: contact tracing")


def test_an_earlier_declarations_symptoms_end_when_it_leaves_the_window():
    """The colour must say when it changes: a stored yellow from an earlier declaration's
    symptoms turns green at 00:00 on its day + 15, found by the due index, not by luck."""
    earlier = decl(declared_at=L(2026, 11, 10, 9), symptoms=("cough",))
    latest = decl(declared_at=L(2026, 11, 12, 9))
    f = facts(declaration=latest, earlier=(earlier,))

    before = assess(f, POLICY, L(2026, 11, 24, 23, 59))
    r = only(before, "declared_symptoms")
    assert r.until == L(2026, 11, 25) and before.valid_until == L(2026, 11, 25)
    assert "declared_symptoms" not in codes(assess(f, POLICY, L(2026, 11, 25)))


def test_the_latest_declarations_symptoms_wait_for_a_negative_test():
    r = only(assess(facts(declaration=SYMPTOMS), POLICY, AS_OF), "declared_symptoms")
    assert r.until is None
