"""Shared cases for the colour engine's tests (tests/unit/test_colour_*.py).

Times are written in Asia/Shanghai local time (``L(...)``) because that is the
calendar the rules count days on; expected ``until`` values are the same
instants, whichever offset they are written in. ``check`` asserts one rule's
reason (or its absence) in an assessment.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

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
)
from chalicelib.colours.rules import assess
from chalicelib.colours.table import Policy
from chalicelib.kernel.times import SHANGHAI

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


def stay(kind: str, place: str, entered: datetime, left: datetime) -> Stay:
    return Stay(kind=kind, place=place, entered_at=entered, left_at=left)


SECONDARY = StatusMark("secondary_contact", L(2026, 11, 16, 10), contact_date=date(2026, 11, 15))
SECONDARY_END = L(2026, 11, 22)


DECLARED_AT = L(2026, 11, 18, 10)
SYMPTOMS = decl(declared_at=DECLARED_AT, symptoms=("fever",))


LEFT_LATE = L(2026, 11, 20, 23, 30)  # = 2026-11-20T15:30Z
LEFT_LATE_END = L(2026, 12, 4)  # = 2026-12-03T16:00Z


def abroad(place: str, left: datetime = LEFT_LATE, kind: str = "country") -> Stay:
    return stay(kind, place, left - timedelta(days=3), left)


AREA_SINCE = L(2026, 11, 15, 8)
HIGH = RiskArea("610113", "high", AREA_SINCE, area="雁塔区某小区")
MEDIUM = RiskArea("110105", "medium", AREA_SINCE)
XIAN, BEIJING = "610100", "110100"


def city_stay(start: datetime, length: timedelta, city: str = XIAN) -> Stay:
    return stay("city", city, start, start + length)


STAY_START = L(2026, 11, 17, 9)
STAY_END_4H = L(2026, 12, 1)  # 14 local days after 17 Nov


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


POSITIVE = TestResult(L(2026, 11, 18, 8), "positive")
