"""The colour engine (SPEC section 3), official marks and lab results: confirmed,
close and secondary contacts, a positive test, and the grounds a mark is shown with.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.colours.model import Colour, StatusMark, TestResult
from chalicelib.colours.rules import assess
from tests.unit.colour_cases import (
    ABSENT,
    AS_OF,
    POLICY,
    POSITIVE,
    RED_NO_END,
    SECONDARY,
    SECONDARY_END,
    US,
    Active,
    L,
    S,
    check,
    facts,
    only,
)

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


# --- positive_test ------------------------------------------------------------------


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


def test_an_official_mark_is_shown_with_its_epidemic_grounds():
    mark = StatusMark(status="confirmed", effective_at=L(2026, 11, 1), category="contact_tracing")

    reason = only(assess(facts(marks=(mark,)), POLICY, AS_OF), "status_confirmed")

    assert reason.text_zh.endswith("依据：流行病学调查")
    assert reason.text_en.endswith("grounds: contact tracing")
