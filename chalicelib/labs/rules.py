"""Nucleic-acid results from labs, their badges, and the test sites citizens look up.

A lab batch is validated whole: one bad row rejects it, naming
``results[i].field``, and nothing is stored. A result is identified by
``(lab, sample_id)``: the same result sent again changes nothing, a different
one for the same sample is a correction that replaces it.

The badge a checkpoint reads (``24h``, ``48h``, ``72h``, ``7d``) counts from
the *sampling* time, as the 2022 rules did: a result reported late does not
buy extra hours.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.colours.model import TestResult
from chalicelib.itinerary.rules import FUTURE_SKEW, parse_time
from chalicelib.kernel import retention
from chalicelib.kernel.divisions import DivisionIndex
from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.geo import parse_coordinate
from chalicelib.kernel.text import one_line
from chalicelib.kernel.times import local_day

RESULTS = ("negative", "positive", "invalid")
MAX_RESULT_AGE = timedelta(days=30)  # an older sample is a lab's mistake, not news
BADGES: tuple[tuple[timedelta, str], ...] = (
    (timedelta(hours=24), "24h"),
    (timedelta(hours=48), "48h"),
    (timedelta(hours=72), "72h"),
    (timedelta(days=7), "7d"),
)
SAMPLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_LAB_CHARS = 64
# Negative and invalid results matter for 14 days (symptoms cleared, a close contact's exit
# test) and are kept 30, like the sampling window. A positive is kept until an official
# clears it, and then until the decommission purge: it must never lapse into green.
RESULT_RETENTION = retention.keep("test_results")  # kernel/retention.py says why

IdNumberParser = Callable[..., str]


@dataclass(frozen=True)
class LabRow:
    """A validated row; the ID number is still plain here and hashed before storage."""

    id_number: str
    sample_id: str
    lab: str
    result: str
    sampled_at: datetime
    reported_at: datetime

    @property
    def sample_ref(self) -> str:
        # sample ids never contain '#', so the last '#' separates them unambiguously
        return f"{self.lab}#{self.sample_id}"


def result_expiry(result: str, sampled_at: datetime) -> datetime | None:
    """When DynamoDB may drop a result (its TTL); None for a positive."""
    return None if result == "positive" else sampled_at + RESULT_RETENTION


def badge(sampled_at: datetime, now: datetime) -> str | None:
    """``24h`` when sampled at most 24 hours ago, … ``7d``; None once older than 7 days."""
    age = now - sampled_at
    for limit, name in BADGES:
        if age <= limit:
            return name
    return None


@dataclass(frozen=True)
class TestBadge:
    """The latest result as a code shows it: ``badge`` is None once older than 7 days."""

    __test__ = False

    result: str
    sampled_at: datetime
    lab: str
    badge: str | None


def badge_of(
    test: TestResult | None, now: datetime, *, negative_only: bool = False
) -> TestBadge | None:
    """The badge of a person's newest result. A checkpoint (``negative_only``) sees it only
    when that newest result is negative: a positive is a reason, and reasons are the
    citizen's; the colour already tells the checkpoint what it needs."""
    if test is None or (negative_only and test.result != "negative"):
        return None
    return TestBadge(
        result=test.result,
        sampled_at=test.sampled_at,
        lab=test.lab,
        badge=badge(test.sampled_at, now),
    )


def parse_results(
    rows: Sequence[dict[str, Any]],
    *,
    parse_id_number: IdNumberParser,
    now: datetime,
) -> list[LabRow]:
    """Every row checked; the first bad one raises InvalidInput naming ``results[i].field``.

    A sample listed twice must say the same thing both times (the copies collapse);
    two different results for one sample in one batch are refused.
    """
    today: date = local_day(now)
    parsed: dict[str, LabRow] = {}
    for index, row in enumerate(rows):
        where = f"results[{index}]"
        number = parse_id_number(row.get("id_number"), today=today, field=f"{where}.id_number")
        sample_id = row.get("sample_id")
        if not isinstance(sample_id, str) or not SAMPLE_ID.fullmatch(sample_id):
            raise InvalidInput(
                "a sample id is 1 to 64 letters, digits, '.', '_' or '-'",
                field=f"{where}.sample_id",
            )
        lab = one_line(row.get("lab"), field=f"{where}.lab", limit=MAX_LAB_CHARS)
        result = row.get("result")
        if result not in RESULTS:
            raise InvalidInput(
                f"result must be one of {', '.join(RESULTS)}", field=f"{where}.result"
            )
        sampled = parse_time(row.get("sampled_at"), field=f"{where}.sampled_at")
        if sampled > now + FUTURE_SKEW:
            raise InvalidInput("sampled_at is in the future", field=f"{where}.sampled_at")
        if sampled < now - MAX_RESULT_AGE:
            raise InvalidInput(
                f"the sample is more than {MAX_RESULT_AGE.days} days old",
                field=f"{where}.sampled_at",
                code="sample_too_old",
            )
        if row.get("reported_at") is None:
            reported = now
        else:
            reported = parse_time(row.get("reported_at"), field=f"{where}.reported_at")
            if reported > now + FUTURE_SKEW:
                raise InvalidInput("reported_at is in the future", field=f"{where}.reported_at")
        if reported < sampled:
            raise InvalidInput("reported_at is before sampled_at", field=f"{where}.reported_at")
        parsed_row = LabRow(
            id_number=number,
            sample_id=sample_id,
            lab=lab,
            result=str(result),
            sampled_at=sampled,
            reported_at=reported,
        )
        earlier = parsed.get(parsed_row.sample_ref)
        if earlier is not None and (
            earlier.id_number,
            earlier.result,
            earlier.sampled_at,
        ) != (parsed_row.id_number, parsed_row.result, parsed_row.sampled_at):
            raise InvalidInput(
                "this sample appears earlier in the batch with a different result",
                field=f"{where}.sample_id",
                code="sample_repeated",
            )
        parsed.setdefault(parsed_row.sample_ref, parsed_row)
    return list(parsed.values())


# --- what is stored -------------------------------------------------------------------


@dataclass(frozen=True)
class StoredSample:
    sample_ref: str
    id_hash: str
    result: str
    sampled_at: datetime
    submitted_by: str
    mark_id: str | None = None


@dataclass(frozen=True)
class StoredResult:
    sample_ref: str
    lab: str
    sample_id: str
    result: str
    sampled_at: datetime
    reported_at: datetime


@dataclass(frozen=True)
class ResultWrite:
    """One result to file: under ``id_hash``, replacing ``moved_from``'s copy if the lab
    corrected whose sample it was."""

    id_hash: str
    lab: str
    sample_id: str
    result: str
    sampled_at: datetime
    reported_at: datetime
    submitted_by: str
    expires: datetime | None
    mark_id: str | None = None
    moved_from: str | None = None

    @property
    def sample_ref(self) -> str:
        return f"{self.lab}#{self.sample_id}"


# --- test sites -------------------------------------------------------------------------


@dataclass(frozen=True)
class TestSite:
    __test__ = False  # not a pytest class

    site_id: str
    name: str
    address: str
    region_code: str
    lat: float
    lng: float
    hours: str | None = None


def parse_site(row: dict[str, Any], *, divisions: DivisionIndex, where: str) -> TestSite:
    """One row of an operator's site file (CSV or JSON); InvalidInput names ``where.field``."""
    site_id = row.get("site_id")
    if not isinstance(site_id, str) or not SAMPLE_ID.fullmatch(site_id):
        raise InvalidInput(
            "a site id is 1 to 64 letters, digits, '.', '_' or '-'", field=f"{where}.site_id"
        )
    hours = row.get("hours")
    return TestSite(
        site_id=site_id,
        name=one_line(row.get("name"), field=f"{where}.name", limit=120),
        address=one_line(row.get("address"), field=f"{where}.address", limit=200),
        region_code=divisions.parse_region(row.get("region_code"), field=f"{where}.region_code"),
        lat=parse_coordinate(row.get("lat"), field=f"{where}.lat", limit=90),
        lng=parse_coordinate(row.get("lng"), field=f"{where}.lng", limit=180),
        hours=one_line(hours, field=f"{where}.hours", limit=120)
        if hours not in (None, "")
        else None,
    )
