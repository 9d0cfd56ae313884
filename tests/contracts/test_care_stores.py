"""The care links and care requests PeopleService takes: the fakes and DynamoDB alike."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.kernel.errors import Conflict
from chalicelib.people.rules import CareLink, CareRequest, care_request_id


def _link(user="u_g", person="p_1", relation="grandparent", at=None):
    return CareLink(user_id=user, person_id=person, relation=relation, created_at=at)


# -- care links ---------------------------------------------------------------------


def test_given_no_link_when_read_then_none_and_empty(care_links):
    assert care_links.get("u_g", "p_1") is None
    assert care_links.for_user("u_g") == []
    assert care_links.holders("p_1") == []


def test_given_a_link_when_read_then_it_comes_back(care_links, clock):
    link = _link(at=clock())

    assert care_links.add(link) is True

    assert care_links.get("u_g", "p_1") == link
    assert care_links.for_user("u_g") == [link]
    assert care_links.holders("p_1") == ["u_g"]


def test_given_a_link_when_added_again_then_false_and_the_first_kept(care_links, clock):
    first = _link(at=clock())
    care_links.add(first)

    again = _link(relation="other", at=clock() + timedelta(days=1))

    assert care_links.add(again) is False
    assert care_links.get("u_g", "p_1") == first


def test_an_accounts_links_come_in_person_id_order(care_links, clock):
    for person_id in ("p_c", "p_a", "p_b"):
        care_links.add(_link(person=person_id, at=clock()))
    care_links.add(_link(user="u_other", person="p_z", at=clock()))

    assert [link.person_id for link in care_links.for_user("u_g")] == ["p_a", "p_b", "p_c"]


def test_a_person_held_by_two_accounts_lists_both_holders(care_links, clock):
    care_links.add(_link(user="u_a", at=clock()))
    care_links.add(_link(user="u_b", at=clock()))

    assert sorted(care_links.holders("p_1")) == ["u_a", "u_b"]


def test_remove_ends_the_link_once(care_links, clock):
    care_links.add(_link(at=clock()))

    assert care_links.remove("u_g", "p_1") is True
    assert care_links.remove("u_g", "p_1") is False
    assert care_links.get("u_g", "p_1") is None
    assert care_links.holders("p_1") == []


# -- care requests ------------------------------------------------------------------


def _request(clock, *, guardian="u_g", person="p_1", relation="child"):
    return CareRequest(
        request_id=care_request_id(person, guardian),
        person_id=person,
        guardian_user_id=guardian,
        relation=relation,
        state="pending",
        created_at=clock(),
    )


def test_given_no_request_when_read_then_none(care_requests):
    assert care_requests.get("cr_missing") is None
    assert care_requests.pending_for("p_1") == []


def test_given_a_request_when_read_then_pending(care_requests, clock):
    asked = _request(clock)

    assert care_requests.ask(asked) == asked

    assert care_requests.get(asked.request_id) == asked
    assert care_requests.pending_for("p_1") == [asked]


def test_asking_again_while_pending_returns_the_first_request(care_requests, clock):
    first = care_requests.ask(_request(clock, relation="child"))
    clock.now += timedelta(hours=1)

    again = care_requests.ask(_request(clock, relation="other"))

    assert again == first
    assert care_requests.get(first.request_id).relation == "child"


def test_pending_requests_come_oldest_first_and_lapse_after_a_week(care_requests, clock):
    older = care_requests.ask(_request(clock, guardian="u_a"))
    clock.now += timedelta(days=2)
    newer = care_requests.ask(_request(clock, guardian="u_b"))

    assert care_requests.pending_for("p_1") == [older, newer]

    clock.now = older.created_at + timedelta(days=7)

    assert care_requests.pending_for("p_1") == [newer]
    assert care_requests.get(older.request_id) is None


def test_a_lapsed_request_may_be_asked_again(care_requests, clock):
    first = care_requests.ask(_request(clock, relation="child"))
    clock.now += timedelta(days=8)

    again = care_requests.ask(_request(clock, relation="other"))

    assert again.created_at == clock()
    assert care_requests.get(first.request_id).relation == "other"


def test_deciding_a_pending_request_records_the_answer(care_requests, clock):
    asked = care_requests.ask(_request(clock))
    clock.now += timedelta(hours=1)

    decided = care_requests.decide(asked.request_id, state="accepted", now=clock())

    assert (decided.state, decided.decided_at) == ("accepted", clock())
    assert care_requests.get(asked.request_id) == decided
    assert care_requests.pending_for("p_1") == []


def test_a_request_decided_twice_conflicts_and_the_first_answer_stands(care_requests, clock):
    asked = care_requests.ask(_request(clock))
    care_requests.decide(asked.request_id, state="refused", now=clock())

    with pytest.raises(Conflict) as caught:
        care_requests.decide(asked.request_id, state="accepted", now=clock())

    assert caught.value.code == "already_decided"
    assert care_requests.get(asked.request_id).state == "refused"


def test_deciding_a_missing_or_lapsed_request_conflicts(care_requests, clock):
    with pytest.raises(Conflict):
        care_requests.decide("cr_missing", state="accepted", now=clock())
    asked = care_requests.ask(_request(clock))
    clock.now += timedelta(days=7)

    with pytest.raises(Conflict) as caught:
        care_requests.decide(asked.request_id, state="accepted", now=clock())

    assert caught.value.code == "already_decided"


def test_a_refusal_is_kept_a_month_then_the_guardian_may_ask_again(care_requests, clock):
    asked = care_requests.ask(_request(clock))
    refused = care_requests.decide(asked.request_id, state="refused", now=clock())
    clock.now += timedelta(days=10)

    assert care_requests.ask(_request(clock)) == refused

    clock.now = refused.decided_at + timedelta(days=30)

    assert care_requests.get(asked.request_id) is None
    fresh = care_requests.ask(_request(clock))
    assert care_requests.get(asked.request_id) == fresh
    assert fresh.state == "pending"


def test_an_accepted_request_may_be_asked_again_at_once(care_requests, clock):
    """The guardian ended the link; asking again files a new pending request."""
    asked = care_requests.ask(_request(clock))
    care_requests.decide(asked.request_id, state="accepted", now=clock())
    clock.now += timedelta(hours=1)

    again = care_requests.ask(_request(clock))

    assert care_requests.get(asked.request_id) == again
    assert care_requests.pending_for("p_1") == [again]
