"""Lab results, the sample registry, and test sites in their geohash cells.

A result lives twice: under the person (``test_results``: the keyed ID hash
and ``<lab>#<sample_id>``, read by the colour engine with one consistent
Query) and under the sample (``test_samples``: who it belongs to and what it
said, read in batches of 100 before a lab batch is written). Both writes are
idempotent puts, so a batch that failed half-way is simply sent again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.colours.model import TestResult
from chalicelib.kernel.dynamo.common import Clock
from chalicelib.kernel.dynamo.errors import translate
from chalicelib.kernel.dynamo.tables import TableMeta, table
from chalicelib.kernel.dynamo.ttl import expired, live
from chalicelib.kernel.errors import UpstreamUnavailable
from chalicelib.kernel.geo import PRECISIONS, covering_cells, encode
from chalicelib.labs.rules import ResultWrite, StoredResult, StoredSample, TestSite


@table
class TestResultRecord(Model):
    """A nucleic-acid result, filed under the keyed hash of the ID number, so it is there
    before the person has even declared; one item per ``(lab, sample_id)``."""

    __test__ = False  # not a pytest class

    class Meta(TableMeta):
        table_name = "test_results"

    id_hash = UnicodeAttribute(hash_key=True)
    sample_ref = UnicodeAttribute(range_key=True)  # "<lab>#<sample_id>"
    lab = UnicodeAttribute()
    sample_id = UnicodeAttribute()
    result = UnicodeAttribute()
    sampled_at = UTCDateTimeAttribute()
    reported_at = UTCDateTimeAttribute()
    batch_id = UnicodeAttribute()
    expires = TTLAttribute(null=True)  # none for a positive: it stands until cleared


@table
class TestSampleRecord(Model):
    """Which person a sample belongs to and what it said: read in batches before a lab
    batch is written, to tell new results, resends and corrections apart."""

    __test__ = False

    class Meta(TableMeta):
        table_name = "test_samples"

    sample_ref = UnicodeAttribute(hash_key=True)  # "<lab>#<sample_id>"
    id_hash = UnicodeAttribute()
    result = UnicodeAttribute()
    sampled_at = UTCDateTimeAttribute()
    submitted_by = UnicodeAttribute()  # the lab client that first sent it
    mark_id = UnicodeAttribute(null=True)  # the officials' queue entry a positive opened
    expires = TTLAttribute(null=True)


@table
class TestSiteRecord(Model):
    """A test site, filed under its geohash cell at several precisions (``<p>:<cell>``) so
    a nearby query reads nine cells; ``id:<site_id>`` items let a reload move a site."""

    __test__ = False

    class Meta(TableMeta):
        table_name = "test_sites"

    cell = UnicodeAttribute(hash_key=True)
    site_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    address = UnicodeAttribute()
    region_code = UnicodeAttribute()
    lat = NumberAttribute()
    lng = NumberAttribute()
    hours = UnicodeAttribute(null=True)


BATCH_GET = 100  # DynamoDB's BatchGetItem limit


class DynamoTestResults:
    def samples(self, refs: Sequence[str], *, now: datetime) -> dict[str, StoredSample]:
        """The registry entries of these samples; an expired one (TTL is lazy) is absent."""
        found: dict[str, StoredSample] = {}
        with translate():
            for start in range(0, len(refs), BATCH_GET):
                for r in TestSampleRecord.batch_get(refs[start : start + BATCH_GET]):
                    if expired(r, now):
                        continue
                    found[r.sample_ref] = StoredSample(
                        sample_ref=r.sample_ref,
                        id_hash=r.id_hash,
                        result=r.result,
                        sampled_at=r.sampled_at,
                        submitted_by=r.submitted_by,
                        mark_id=r.mark_id,
                    )
        return found

    def write(self, rows: Iterable[ResultWrite], *, batch_id: str) -> int:
        """Results and their registry entries, in batches; returns the items written."""
        written = 0
        try:
            with (
                translate(),
                TestResultRecord.batch_write() as results,
                TestSampleRecord.batch_write() as samples,
            ):
                for row in rows:
                    if row.moved_from is not None and row.moved_from != row.id_hash:
                        results.delete(TestResultRecord(row.moved_from, row.sample_ref))
                        written += 1
                    results.save(
                        TestResultRecord(
                            row.id_hash,
                            row.sample_ref,
                            lab=row.lab,
                            sample_id=row.sample_id,
                            result=row.result,
                            sampled_at=row.sampled_at,
                            reported_at=row.reported_at,
                            batch_id=batch_id,
                            expires=row.expires,
                        )
                    )
                    samples.save(
                        TestSampleRecord(
                            row.sample_ref,
                            id_hash=row.id_hash,
                            result=row.result,
                            sampled_at=row.sampled_at,
                            submitted_by=row.submitted_by,
                            mark_id=row.mark_id,
                            expires=row.expires,
                        )
                    )
                    written += 2
        except PutError as exc:
            raise UpstreamUnavailable(
                "the database did not take the whole batch; send it again (writes are idempotent)"
            ) from exc
        return written

    def for_subject(self, id_hash: str, *, now: datetime) -> list[StoredResult]:
        """A person's results, newest sample first; expired ones (TTL is lazy) left out."""
        with translate():
            rows = [
                StoredResult(
                    sample_ref=r.sample_ref,
                    lab=r.lab,
                    sample_id=r.sample_id,
                    result=r.result,
                    sampled_at=r.sampled_at,
                    reported_at=r.reported_at,
                )
                for r in TestResultRecord.query(
                    id_hash, consistent_read=True, filter_condition=live(TestResultRecord, now)
                )
            ]
        rows.sort(key=lambda r: (r.sampled_at, r.sample_ref), reverse=True)
        return rows


class DynamoTestSites:
    """Each site is written once per precision under ``<p>:<geohash>``, and once under
    ``id:<site_id>``, which tells a reload where the site was filed before."""

    def load(self, sites: Sequence[TestSite]) -> dict[str, int]:
        counts = {"added": 0, "moved": 0, "updated": 0}
        previous: dict[str, TestSiteRecord] = {}
        with translate():
            keys = [(f"id:{s.site_id}", s.site_id) for s in sites]
            for start in range(0, len(keys), BATCH_GET):
                for r in TestSiteRecord.batch_get(keys[start : start + BATCH_GET]):
                    previous[r.site_id] = r
        try:
            with translate(), TestSiteRecord.batch_write() as batch:
                for site in sites:
                    old = previous.get(site.site_id)
                    if old is None:
                        counts["added"] += 1
                    elif (float(old.lat), float(old.lng)) != (site.lat, site.lng):
                        counts["moved"] += 1
                        for cell in _cells(float(old.lat), float(old.lng)):
                            if cell not in _cells(site.lat, site.lng):
                                batch.delete(TestSiteRecord(cell, site.site_id))
                    else:
                        counts["updated"] += 1
                    for cell in (f"id:{site.site_id}", *_cells(site.lat, site.lng)):
                        batch.save(_record(cell, site))
        except PutError as exc:
            raise UpstreamUnavailable(
                "the database did not take every site; load the file again (it is idempotent)"
            ) from exc
        return counts

    def near(self, lat: float, lng: float, radius_m: float) -> list[TestSite]:
        """Every site in the cells covering the circle (the caller measures and trims)."""
        precision, cells = covering_cells(lat, lng, radius_m)
        with translate():
            return [
                TestSite(
                    site_id=r.site_id,
                    name=r.name,
                    address=r.address,
                    region_code=r.region_code,
                    lat=float(r.lat),
                    lng=float(r.lng),
                    hours=r.hours,
                )
                for cell in cells
                for r in TestSiteRecord.query(f"{precision}:{cell}")
            ]


def _cells(lat: float, lng: float) -> list[str]:
    return [f"{p}:{encode(lat, lng, p)}" for p in PRECISIONS]


def _record(cell: str, site: TestSite) -> TestSiteRecord:
    return TestSiteRecord(
        cell,
        site.site_id,
        name=site.name,
        address=site.address,
        region_code=site.region_code,
        lat=site.lat,
        lng=site.lng,
        hours=site.hours,
    )


class LabFacts:
    """What a colour reads of the lab results under an ID hash (read consistently: a
    result that just arrived recolours at once)."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def tests(self, id_hash: str) -> list[TestResult]:
        with translate():
            return [
                TestResult(sampled_at=r.sampled_at, result=r.result, lab=r.lab)
                for r in TestResultRecord.query(
                    id_hash,
                    consistent_read=True,
                    filter_condition=live(TestResultRecord, self._clock()),
                )
            ]
