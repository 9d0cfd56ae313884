"""Where a checkpoint's scan happened (codes/rules.py): the assigned venue, never a
venue_id taken on the request's word (issue 29, finding 1)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chalicelib.codes.rules import scan_place
from chalicelib.kernel.errors import InvalidInput
from chalicelib.venues.rules import assignment_target, operator_role


@dataclass(frozen=True)
class P:
    venue_id: str
    region_code: str


CAFE, GATE = P("610113-0a0b0c0d", "610113"), P("610103-01020304", "610103")


def test_an_unposted_checkpoint_naming_a_venue_is_refused_naming_venue_id():
    with pytest.raises(InvalidInput) as caught:
        scan_place((), "610113-9999")
    assert (caught.value.field, caught.value.code) == ("venue_id", "venue_not_assigned")
    assert "not posted" in str(caught.value)


def test_a_venue_the_checkpoint_is_not_posted_at_is_refused():
    with pytest.raises(InvalidInput) as caught:
        scan_place((CAFE,), GATE.venue_id)
    assert caught.value.field == "venue_id"


def test_the_sent_venue_is_used_when_it_is_one_of_the_posts():
    assert scan_place((CAFE, GATE), GATE.venue_id) == GATE


def test_one_post_and_no_venue_sent_scans_at_the_post():
    assert scan_place((CAFE,), None) == CAFE


@pytest.mark.parametrize("posts", [(), (CAFE, GATE)])
def test_no_post_or_several_and_no_venue_sent_scans_without_a_venue(posts):
    assert scan_place(posts, None) is None


def test_the_district_is_the_posts_not_the_ids_prefix():
    odd = P("610113-0a0b0c0d", "610103")  # whatever the id says, the record decides
    assert scan_place((odd,), None).region_code == "610103"


@pytest.mark.parametrize(
    ("user_id", "role"),
    [
        ("checkpoint:gate-north", "checkpoint"),
        ("official:x", "official"),
        ("u_0a0b0c0d", None),
        ("checkpoint:", None),
        ("nobody:x", None),
    ],
)
def test_an_operator_role_tokens_subject_names_its_role(user_id, role):
    assert operator_role(user_id, {"checkpoint", "official"}) == role


def test_an_assignment_names_a_venue_and_a_site_waits_for_mass_testing():
    assert assignment_target({"user_id": "u", "venue_id": "v"}) == "v"
    with pytest.raises(InvalidInput) as caught:
        assignment_target({"user_id": "u", "site_id": "s"})
    assert (caught.value.field, caught.value.code) == ("site_id", "sampling_not_available")
    with pytest.raises(InvalidInput) as caught:
        assignment_target({"user_id": "u"})
    assert caught.value.field == "venue_id"
    with pytest.raises(InvalidInput) as caught:
        assignment_target({"user_id": "u", "venue_id": "v", "site_id": "s"})
    assert caught.value.field == "site_id"
