"""In-memory stored colours and checkpoint scans, with the DynamoDB stores' semantics
(chalicelib/colours/store.py): a version per person, every save
conditional on the version read, and scans keyed ``<at ISO text>#<scan id>``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.colours.model import Assessment, StoredColour, TestResult, VaccinationSummary
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.person import Person


class FakeColours:
    def __init__(self) -> None:
        self.rows: dict[str, StoredColour] = {}
        self.saves = 0  # successful writes, for tests that count recolours

    def get(self, person_id: str, *, consistent: bool = False) -> StoredColour | None:
        return self.rows.get(person_id)

    def by_holder(self, holder_id: str) -> StoredColour | None:
        for stored in self.rows.values():
            if stored.holder_id == holder_id:
                return stored
        return None

    def due(self, bucket: str, *, until: datetime) -> list[str]:
        """People whose ``valid_until`` falls in the UTC hour ``bucket`` and by ``until``."""
        return [
            stored.person_id
            for stored in sorted(self.rows.values(), key=_valid_until)
            if stored.assessment.valid_until is not None
            and stored.assessment.valid_until.strftime("%Y-%m-%dT%H") == bucket
            and stored.assessment.valid_until <= until
        ]

    def save(
        self,
        person: Person,
        assessment: Assessment,
        *,
        expected_version: int | None,
        itinerary_starred: bool | None = None,
        latest_test: TestResult | None = None,
        vaccination: VaccinationSummary | None = None,
    ) -> StoredColour:
        current = self.rows.get(person.person_id)
        if (current.version if current else None) != expected_version:
            raise Conflict("the colour changed meanwhile", code="stale_write")
        stored = StoredColour(
            person_id=person.person_id,
            assessment=assessment,
            computed_at=assessment.as_of,
            version=(expected_version or 0) + 1,
            holder_id=person.holder_id,
            name_masked=person.name_masked,
            id_masked=person.id_masked,
            owner_user_id=person.owner_user_id,
            itinerary_starred=itinerary_starred,
            latest_test=latest_test,
            vaccination=vaccination if vaccination is not None and vaccination.doses else None,
        )
        self.rows[person.person_id] = stored
        self.saves += 1
        return stored


def _valid_until(stored: StoredColour) -> datetime:
    return stored.assessment.valid_until or datetime.max.replace(tzinfo=stored.computed_at.tzinfo)


@dataclass(frozen=True)
class ScanRow:
    person_id: str
    scan_key: str  # "<at ISO text>#<scan id>": the table's range key
    venue_id: str | None
    region_code: str | None
    scanned_by: str
    colour: str
    at: datetime
    expires: datetime


class FakeScans:
    """The scan log; the colour facts (tests/fakes/facts.py) read it back, as
    ``the DynamoDB facts.scans`` reads the scans table."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], ScanRow] = {}

    def add(
        self,
        *,
        person_id: str,
        scan_id: str,
        venue_id: str | None,
        region_code: str | None,
        scanned_by: str,
        colour: str,
        at: datetime,
        expires: datetime,
    ) -> None:
        key = f"{at.isoformat()}#{scan_id}"
        self.rows[(person_id, key)] = ScanRow(
            person_id, key, venue_id, region_code, scanned_by, colour, at, expires
        )

    def of(self, person_id: str) -> list[ScanRow]:
        """A person's scans in key order (what a Query on the table answers)."""
        return [row for (pid, _), row in sorted(self.rows.items()) if pid == person_id]
