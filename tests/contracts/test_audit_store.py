"""The Audit port: the fake and DynamoAudit alike (append-only, newest first, six months)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.kernel import retention
from chalicelib.kernel.audit import AuditEvent
from chalicelib.kernel.errors import Conflict, InvalidInput


def _event(at, *, subject="p_1", action="colour_changed", event_id=""):
    return AuditEvent(
        subject_id=subject,
        actor="u_1",
        actor_role="citizen",
        action=action,
        at=at,
        reason="declaration",
        before={"colour": "green", "reasons": []},
        after={"colour": "red", "reasons": ["positive_test"]},
        event_id=event_id,
    )


def _all(read):
    seen, cursor = [], None
    while True:
        page = read(cursor)
        seen += page.items
        cursor = page.cursor
        if cursor is None:
            return seen


def test_given_no_events_when_read_then_empty(audit):
    assert audit.by_subject("p_1", limit=5, cursor=None).items == ()
    assert audit.by_day(date(2026, 11, 20), limit=5, cursor=None).items == ()


def test_an_appended_event_gets_an_id_and_reads_back(audit, clock):
    stored = audit.append(_event(clock()))

    assert stored.event_id.startswith("ev_")
    assert stored == _event(clock(), event_id=stored.event_id)
    assert audit.by_subject("p_1", limit=5, cursor=None).items == (stored,)


def test_an_event_keeps_the_id_it_came_with(audit, clock):
    stored = audit.append(_event(clock(), event_id="ev_given"))

    assert stored.event_id == "ev_given"


def test_a_subjects_events_page_newest_first(audit, clock):
    stored = [audit.append(_event(clock() + timedelta(minutes=i))) for i in range(5)]
    audit.append(_event(clock(), subject="p_2"))

    pages = []
    seen = _all(lambda c: pages.append(c) or audit.by_subject("p_1", limit=2, cursor=c))

    assert seen == list(reversed(stored))
    assert len(pages) == 3


def test_a_days_events_are_the_shanghai_days(audit, clock):
    # 2026-11-20 02:00 UTC is 10:00 in Shanghai; 17:00 UTC is already the 21st there.
    morning = audit.append(_event(clock(), subject="p_a"))
    evening = audit.append(_event(clock() + timedelta(hours=15), subject="p_b"))
    before = audit.append(_event(clock() - timedelta(hours=3), subject="p_c"))

    assert _all(lambda c: audit.by_day(date(2026, 11, 20), limit=1, cursor=c)) == [
        morning,
        before,
    ]
    assert _all(lambda c: audit.by_day(date(2026, 11, 21), limit=1, cursor=c)) == [evening]


def test_events_are_gone_after_six_months(audit, clock):
    audit.append(_event(clock()))

    clock.now += retention.keep("audit")

    assert audit.by_subject("p_1", limit=5, cursor=None).items == ()
    assert audit.by_day(date(2026, 11, 20), limit=5, cursor=None).items == ()


def test_a_cursor_of_another_subject_is_invalid_input(audit, clock):
    for i in range(2):
        audit.append(_event(clock() + timedelta(minutes=i)))
    cursor = audit.by_subject("p_1", limit=1, cursor=None).cursor

    with pytest.raises(InvalidInput) as caught:
        audit.by_subject("p_2", limit=1, cursor=cursor)

    assert caught.value.code == "invalid_cursor"


def test_an_event_appended_twice_is_refused(audit, clock):
    audit.append(_event(clock(), event_id="ev_1"))

    with pytest.raises(Conflict) as caught:
        audit.append(_event(clock(), event_id="ev_1", action="other"))

    assert caught.value.code == "already_exists"
