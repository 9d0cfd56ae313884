"""In-memory fakes of the storage ports the services take (chalicelib/kernel/ports.py
and the small protocols beside the services): plain classes over dicts, with the same
methods and the same semantics as the DynamoDB stores, held to them by the contract
tests in tests/contracts/ (docs/testing.md)."""

from tests.fakes.assignments import FakeAssignments
from tests.fakes.audit import FakeAudit
from tests.fakes.colours import FakeColours, FakeScans
from tests.fakes.declarations import FakeDeclarations
from tests.fakes.facts import FakeFacts
from tests.fakes.marks import FakeMarks
from tests.fakes.people import FakeCareLinks, FakeCareRequests, FakePeople

__all__ = [
    "FakeAssignments",
    "FakeAudit",
    "FakeCareLinks",
    "FakeCareRequests",
    "FakeColours",
    "FakeDeclarations",
    "FakeFacts",
    "FakeMarks",
    "FakePeople",
    "FakeScans",
]
