"""The checkpoint posts store (chalicelib/venues/store.py ``DynamoAssignments``) and its
fake behave alike: one post per account and venue, read by account in one Query, ended
by id once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.kernel.errors import Conflict
from chalicelib.venues.rules import Assignment

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def post(n: int, user: str = "u_gate", venue: str | None = None) -> Assignment:
    return Assignment(
        assignment_id=f"as_{n:016x}",
        user_id=user,
        venue_id=venue or f"610113-0000000{n}",
        region_code="610113",
        assigned_by="u_official",
        assigned_at=AT,
    )


def test_posts_are_read_back_by_account(assignments):
    assignments.add(post(1))
    assignments.add(post(2))
    assignments.add(post(3, user="u_other"))

    mine = assignments.for_user("u_gate")

    assert [a.assignment_id for a in mine] == [post(1).assignment_id, post(2).assignment_id]
    assert mine[0] == post(1)
    assert assignments.for_user("u_nobody") == []


def test_a_second_post_at_the_same_venue_is_a_conflict(assignments):
    assignments.add(post(1))

    with pytest.raises(Conflict) as caught:
        assignments.add(post(2, venue=post(1).venue_id))

    assert (caught.value.code, caught.value.field) == ("already_assigned", "venue_id")


def test_a_post_is_found_by_id_and_ended_once(assignments):
    assignments.add(post(1))

    found = assignments.get(post(1).assignment_id)

    assert found == post(1)
    assert assignments.remove(found) is True
    assert assignments.remove(found) is False
    assert assignments.get(post(1).assignment_id) is None
    assert assignments.for_user("u_gate") == []


def test_ending_an_old_post_leaves_a_newer_one_at_the_same_venue(assignments):
    assignments.add(post(1))
    assignments.remove(post(1))
    assignments.add(post(2, venue=post(1).venue_id))

    assert assignments.remove(post(1)) is False
    assert [a.assignment_id for a in assignments.for_user("u_gate")] == [post(2).assignment_id]
