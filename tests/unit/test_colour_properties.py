"""The colour engine (SPEC section 3), properties over generated facts: the colour is
the worst reason, adding a fact never improves it, ``valid_until`` is the earliest end,
nothing changes by time alone before it, and ``assess`` never raises.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from chalicelib.colours.model import (
    Assessment,
    Colour,
    DeclarationFacts,
    Facts,
    RiskArea,
    StatusMark,
    Stay,
    TestResult,
    VenueScan,
)
from chalicelib.colours.rules import assess
from chalicelib.colours.table import OFFICIAL_STATUSES
from chalicelib.kernel.times import SHANGHAI, local_day, local_midnight
from tests.unit.colour_cases import AS_OF, POLICY, REFINEMENTS, SPEC_CODES, US, H, L, S

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
