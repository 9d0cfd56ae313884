"""Whom a proven phone joins (issue 29, finding 5): the pure rule."""

from __future__ import annotations

import pytest

from chalicelib.identity.rules import User, same_person


@pytest.mark.parametrize(
    ("holder", "prover", "joins"),
    [
        ("id_a", "id_a", True),  # one person on two channels, both vouched
        ("id_a", "id_b", False),  # two vouched people: a reissued number
        (None, "id_a", False),  # the holder never proved who they are
        ("id_a", None, False),  # the prover never proved who they are
        (None, None, False),  # a number alone proves nothing
    ],
)
def test_only_one_vouched_identity_on_both_sides_joins(holder, prover, joins):
    assert (
        same_person(
            User("u_holder", vouched_id_hash=holder), User("u_prover", vouched_id_hash=prover)
        )
        is joins
    )
