"""One time format in every answer: RFC 3339, UTC, whole seconds, Z."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.kernel.contract import TIME_PATTERN
from chalicelib.kernel.times import restamp, rfc3339, rfc3339_or_none

OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
MOMENTS = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30), timezones=OFFSETS
)


@given(MOMENTS)
def test_any_moment_comes_out_in_the_one_format_and_means_the_same_second(moment):
    text = rfc3339(moment)

    assert re.match(TIME_PATTERN, text)
    back = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert timedelta(0) <= moment - back < timedelta(seconds=1)


@given(MOMENTS)
def test_a_stored_text_in_any_offset_and_precision_is_restamped_the_same(moment):
    assert restamp(moment.isoformat()) == rfc3339(moment)
    assert restamp(rfc3339(moment)) == rfc3339(moment)


def test_the_example_in_the_docs():
    moment = datetime(2026, 11, 20, 10, 0, 0, 654321, tzinfo=timezone(timedelta(hours=8)))

    assert rfc3339(moment) == "2026-11-20T02:00:00Z"
    assert rfc3339(datetime(2026, 11, 20, 2)) == "2026-11-20T02:00:00Z"  # naive is UTC
    assert rfc3339_or_none(None) is None
    assert rfc3339_or_none(datetime(2026, 11, 20, 2, tzinfo=UTC)) == "2026-11-20T02:00:00Z"


@pytest.mark.parametrize("stored", [None, "", "yesterday", 17, "2026-13-01T00:00:00Z"])
def test_what_is_not_a_time_restamps_to_none(stored):
    assert restamp(stored) is None
