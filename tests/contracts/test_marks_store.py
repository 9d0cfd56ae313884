"""The Marks port (status marks, four eyes): the fake and DynamoMarks alike."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.colours.model import StatusMark
from chalicelib.kernel.errors import Conflict
from tests.fakes.builders import mark


def test_given_no_mark_when_read_then_none_and_empty(marks):
    assert marks.get("m_missing") is None
    assert marks.approved_for("ih_p_1") == []
    assert marks.queue(limit=5, cursor=None).items == ()
    assert marks.withdraw("m_missing") is False


def test_a_requested_mark_awaits_a_second_official_and_is_no_fact_yet(marks, clock):
    requested = mark("m_1", at=clock(), contact_date=date(2026, 11, 18))

    marks.add(requested)

    assert marks.get("m_1") == requested
    assert marks.queue(limit=5, cursor=None).items == (requested,)
    assert marks.approved_for("ih_p_1") == []


def test_a_second_official_approves_it_and_it_becomes_a_fact(marks, clock):
    marks.add(mark("m_1", at=clock(), status="close_contact", contact_date=date(2026, 11, 18)))
    clock.now += timedelta(hours=1)

    approved = marks.approve(marks.get("m_1"), approver="official_b", person_id="p_1", now=clock())

    assert (approved.state, approved.approved_by, approved.approved_at, approved.person_id) == (
        "approved",
        "official_b",
        clock(),
        "p_1",
    )
    assert marks.get("m_1") == approved
    assert marks.queue(limit=5, cursor=None).items == ()
    assert marks.approved_for("ih_p_1") == [
        StatusMark(
            status="close_contact",
            effective_at=clock(),
            contact_date=date(2026, 11, 18),
            category="epidemic",
        )
    ]


def test_approving_without_a_person_keeps_the_mark_unjoined(marks, clock):
    marks.add(mark("m_1", at=clock()))

    approved = marks.approve(marks.get("m_1"), approver="official_b", person_id=None, now=clock())

    assert approved.person_id is None


def test_the_requester_may_not_approve_their_own_mark(marks, clock):
    marks.add(mark("m_1", at=clock(), requested_by="official_a"))

    with pytest.raises(Conflict) as caught:
        marks.approve(marks.get("m_1"), approver="official_a", person_id=None, now=clock())

    assert caught.value.code == "already_decided"
    assert marks.get("m_1").state == "awaiting_approval"


def test_approving_twice_or_a_missing_mark_conflicts(marks, clock):
    marks.add(mark("m_1", at=clock()))
    requested = marks.get("m_1")
    marks.approve(requested, approver="official_b", person_id=None, now=clock())

    with pytest.raises(Conflict) as caught:
        marks.approve(requested, approver="official_c", person_id=None, now=clock())
    assert caught.value.code == "already_decided"
    assert marks.get("m_1").approved_by == "official_b"
    with pytest.raises(Conflict):
        marks.approve(mark("m_missing", at=clock()), approver="b", person_id=None, now=clock())


def test_withdraw_only_while_awaiting(marks, clock):
    marks.add(mark("m_1", at=clock()))
    marks.add(mark("m_2", at=clock()))
    marks.approve(marks.get("m_2"), approver="official_b", person_id=None, now=clock())

    assert marks.withdraw("m_1") is True
    assert marks.withdraw("m_1") is False
    assert marks.withdraw("m_2") is False
    assert marks.get("m_1").state == "withdrawn"
    assert marks.get("m_2").state == "approved"
    assert marks.queue(limit=5, cursor=None).items == ()
    assert [m.status for m in marks.approved_for("ih_p_1")] == ["confirmed"]


def test_the_queue_pages_oldest_first(marks, clock):
    added = [mark(f"m_{i}", at=clock() + timedelta(minutes=i)) for i in range(3)]
    for m in reversed(added):
        marks.add(m)

    first = marks.queue(limit=2, cursor=None)
    second = marks.queue(limit=2, cursor=first.cursor)

    assert first.items == tuple(added[:2])
    assert second.items == (added[2],) and second.cursor is None


def test_adding_one_mark_id_twice_is_refused_as_already_exists(marks, clock):
    marks.add(mark("m_1", at=clock()))

    with pytest.raises(Conflict) as caught:
        marks.add(mark("m_1", at=clock(), status="cleared"))

    assert caught.value.code == "already_exists"
