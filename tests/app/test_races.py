"""Races in real threads against moto: two writers at once, the final state reflects
every update exactly once.

test_colour_races.py interleaves a recolour job and a status approval by patching
one call in between; here the two sides run in threads, held at a barrier just
before their conflicting write so that both have read the same state:

- a declaration and a risk-feed recolour of the same person;
- two officials approving the same status request;
- the same carrier batch posted twice.

DynamoDB applies each request atomically; moto, in process and under threads,
does not promise it, so ``atomic_moto`` serialises moto's handling of each
request (never the app's code between requests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.declarations.store import DeclarationRecord
from chalicelib.identity.store import IdentityRecord, UserRecord
from chalicelib.itinerary.store import IdempotencyRecord, PlaceDayRecord, StayRecord
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.http import error_response
from chalicelib.officials.audit_store import AuditRecord
from chalicelib.officials.marks_store import StatusMarkRecord
from tests.helpers import body, declaration, login, post, request_mark


@pytest.fixture
def atomic_moto(monkeypatch):
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.Lock()
    real = BotocoreStubber.__call__

    def serialised(self, event_name, request, **kwargs):
        with lock:
            return real(self, event_name, request, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", serialised)


def hold_first_calls(monkeypatch, cls: type, name: str, parties: int = 2) -> list[str]:
    """Make the first call of ``cls.name`` in each of ``parties`` threads wait for the
    others, so all of them have read before any of them writes. Returns the call log."""
    barrier = threading.Barrier(parties, timeout=10)
    real = getattr(cls, name)
    held: set[int] = set()
    calls: list[str] = []

    def wrapper(self, *args, **kwargs):
        me = threading.get_ident()
        calls.append(threading.current_thread().name)
        if me not in held:
            held.add(me)
            barrier.wait()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, wrapper)
    return calls


def run_together(**work: Callable[[], Any]) -> dict[str, Any]:
    """Run each callable in its own thread; the result or the exception of each."""
    results: dict[str, Any] = {}

    def run(name: str, call: Callable[[], Any]) -> None:
        try:
            results[name] = call()
        except Exception as exc:
            results[name] = exc

    threads = [threading.Thread(target=run, args=item, name=item[0]) for item in work.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a racer hung"
    return results


def _events(action: str) -> list[Any]:
    return [e for e in AuditRecord.scan() if e.action == action]


def test_a_declaration_and_a_recolour_at_once_both_end_up_in_the_colour(
    client, container, atomic_moto, monkeypatch
):
    from chalicelib.colours.model import RiskArea
    from chalicelib.colours.store import DynamoColours
    from chalicelib.risk.rules import Snapshot

    token = login(client, "racer", phone="13812345678")
    assert body(post(client, "/v1/declarations", declaration(), token))["colour"] == "green"
    claims = container.auth.authenticate(token)
    person = container.declarations.people.self_of(claims.subject)
    now = container.clock()
    area = RiskArea("610113", "high", datetime(2026, 11, 19, tzinfo=UTC), "电子城街道")
    saves = hold_first_calls(monkeypatch, DynamoColours, "save")

    def refresh() -> Any:  # what a risk refresh does for this resident
        feeds = container.risk.feeds
        feeds.store(Snapshot("f1", now, (area,)), state="active", now=now)
        feeds.switch("f1", expected=None, now=now)
        return container.colours.recolour(
            person.person_id, actor="system", actor_role="system", reason="risk_feed:f1"
        )

    results = run_together(
        declare=lambda: container.declarations.declare(claims, declaration(symptoms=["fever"])),
        refresh=refresh,
    )

    assert not [r for r in results.values() if isinstance(r, Exception)], results
    assert len(saves) == 3  # both wrote from the same version; one lost and recomputed
    final = container.colours.current(person.person_id).assessment
    assert final.colour.value == "red"
    assert {r.code for r in final.reasons} >= {"declared_symptoms", "high_risk_area_stay"}
    assert len(_events("declaration_submitted")) == 2  # the first one, and this one
    assert DeclarationRecord.count() == 2


def test_two_officials_approving_one_request_at_once_one_wins_the_other_409(
    client, container, atomic_moto, monkeypatch
):
    from chalicelib.officials.marks_store import DynamoMarks

    citizen = login(client, "marked", phone="13812345678")
    post(client, "/v1/declarations", declaration(), citizen)
    requester = login(client, "official-a", role="official")
    mark = request_mark(client, requester, note="positive in hospital")
    b, c = (
        container.auth.authenticate(login(client, name, role="official"))
        for name in ("official-b", "official-c")
    )
    hold_first_calls(monkeypatch, DynamoMarks, "approve")

    results = run_together(
        b=lambda: container.status.approve(b, mark["id"]),
        c=lambda: container.status.approve(c, mark["id"]),
    )

    lost = [r for r in results.values() if isinstance(r, Exception)]
    won = [r for r in results.values() if not isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], Conflict) and lost[0].code == "already_decided"
    assert error_response(lost[0]).status_code == 409
    winner = won[0].mark.approved_by
    assert StatusMarkRecord.get(mark["id"]).approved_by == winner
    assert len(_events("status_approved")) == 1
    confirmed = [e for e in _events("colour_changed") if e.reason == "status:confirmed"]
    assert len(confirmed) == 1 and confirmed[0].after["colour"] == "red"


def test_the_same_carrier_batch_posted_twice_at_once_is_written_once(
    client, container, atomic_moto, monkeypatch
):
    from chalicelib.itinerary.store import DynamoIdempotency, DynamoStays
    from tests.app.test_carrier_and_card import row

    carrier = container.auth.authenticate(login(client, "cmcc", role="carrier"))
    batch = {"batch_id": "b-twice", "stays": [row(phone=f"139{n:08d}") for n in range(40)]}
    hold_first_calls(monkeypatch, DynamoIdempotency, "begin")
    writes: list[int] = []
    real_write = DynamoStays.write
    monkeypatch.setattr(
        DynamoStays,
        "write",
        lambda self, *a, **k: writes.append(1) or real_write(self, *a, **k),
    )

    results = run_together(
        first=lambda: container.itinerary.ingest(carrier, batch),
        second=lambda: container.itinerary.ingest(carrier, batch),
    )

    assert len(writes) == 1  # exactly one write set
    fresh = [r for r in results.values() if isinstance(r, dict) and not r["duplicate"]]
    assert len(fresh) == 1 and fresh[0]["accepted"] == 40
    (other,) = [r for r in results.values() if r is not fresh[0]]
    if isinstance(other, Exception):  # the first was still writing
        assert isinstance(other, Conflict) and other.code == "batch_in_progress"
        assert error_response(other).status_code == 409
    else:  # the first had finished: its result
        assert other == {**fresh[0], "duplicate": True}
    assert StayRecord.count() == 40 and PlaceDayRecord.count() == 40
    assert IdempotencyRecord.get(f"carrier:{carrier.subject}:b-twice").status == "COMPLETED"


def test_two_accounts_binding_one_phone_at_once_leave_one_holder(
    client, container, atomic_moto, monkeypatch
):
    """Both read the eventually consistent phone index before either writes (the
    barrier): the phone's claim item, a conditional write, decides; neither proves it
    is the same person, so the accounts stay two and exactly one binds the phone, the
    one its claim names (issue 29: a phone never carries an account across owners)."""
    from chalicelib.identity.store import DynamoIdentityStore
    from chalicelib.kernel.roles import Role

    hold_first_calls(monkeypatch, DynamoIdentityStore, "find_user_by_phone")

    results = run_together(
        **{
            name: (
                lambda name=name: container.auth.dev_login(
                    subject=name, role=Role.CITIZEN, phone="13712345678"
                )
            )
            for name in ("phone-a", "phone-b")
        }
    )

    from chalicelib.kernel.dynamo.runtime import RuntimeRecord

    assert not [r for r in results.values() if isinstance(r, Exception)], results
    users = {session.user.user_id for session in results.values()}
    assert len(users) == 2, users
    bound = [u for u in UserRecord.scan() if u.phone_hash]
    (claim,) = [r for r in RuntimeRecord.scan() if r.key.startswith("phone:")]
    assert [u.user_id for u in bound] == [claim.owner]
    identities = {i.subject: i.user_id for i in IdentityRecord.scan()}
    assert identities["dev:phone-a"] != identities["dev:phone-b"]
