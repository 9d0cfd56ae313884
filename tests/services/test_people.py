"""PeopleService over the fakes: the one ownership check, dependants, care links and
the consent a person's own account gives to a guardian's request."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.colours.model import Colour
from chalicelib.kernel.errors import Conflict, NotFound
from chalicelib.kernel.roles import Role
from chalicelib.kernel.session import SessionClaims
from chalicelib.people.rules import (
    MAX_DEPENDANTS,
    CareLink,
    CareRequest,
    care_request_id,
    self_person_id,
)
from tests.fakes.builders import green, person, red


def claims(user_id, clock):
    return SessionClaims(
        subject=user_id,
        role=Role.CITIZEN,
        audience="yima",
        issued_at=clock(),
        expires_at=clock() + timedelta(hours=1),
    )


@pytest.fixture
def guardian(stores):
    """u_g with an own person, and grandpa held through a care link."""
    own = stores.file(person(self_person_id("u_g"), owner="u_g"))
    grandpa = stores.file(person("p_grandpa", owner="u_g", relation="dependant"))
    stores.links.add(CareLink("u_g", "p_grandpa", "grandparent", stores.clock()))
    return own, grandpa


def test_given_an_own_person_when_asked_for_none_then_it_is_the_own(people_service, guardian):
    own, _ = guardian

    assert people_service.person_for("u_g") == own
    assert people_service.person_for("u_g", own.person_id) == own


def test_given_no_own_person_when_asked_then_no_code(people_service):
    with pytest.raises(NotFound) as caught:
        people_service.person_for("u_new")

    assert caught.value.code == "no_code"


def test_given_a_care_link_when_asked_for_the_dependant_then_it_is_theirs(people_service, guardian):
    _, grandpa = guardian

    assert people_service.person_for("u_g", "p_grandpa") == grandpa


def test_given_another_accounts_person_when_asked_then_it_looks_missing(
    people_service, stores, guardian
):
    stores.file(person(self_person_id("u_other"), owner="u_other"))

    asks = [("u_g", self_person_id("u_other")), ("u_other", "p_grandpa"), ("u_g", "p_nobody")]
    for user_id, target in asks:
        with pytest.raises(NotFound) as caught:
            people_service.person_for(user_id, target)
        assert (caught.value.code, caught.value.field) == ("person_not_found", "person")


def test_a_person_moved_to_this_account_is_its_own_through_the_owner_index(people_service, stores):
    moved = stores.file(person("p_moved", owner="u_claimant", relation="self"))

    assert people_service.self_of("u_claimant") == moved
    assert people_service.person_for("u_claimant", "p_moved") == moved


def test_a_link_to_a_person_since_deleted_finds_nothing(people_service, stores, clock):
    stores.links.add(CareLink("u_g", "p_gone", "child", clock()))

    with pytest.raises(NotFound):
        people_service.person_for("u_g", "p_gone")


def test_listing_is_self_first_then_dependants_in_the_order_added_with_colours(
    people_service, stores, guardian, clock
):
    own, grandpa = guardian
    clock.now += timedelta(minutes=1)
    stores.file(person("p_child", owner="u_g", relation="dependant"))
    stores.links.add(CareLink("u_g", "p_child", "child", clock()))
    stores.colours.save(grandpa, red(clock()), expected_version=None)
    stores.colours.save(own, green(clock()), expected_version=None)

    entries = people_service.listing(claims("u_g", clock))

    assert [(e.person.person_id, e.relation) for e in entries] == [
        (own.person_id, "self"),
        ("p_grandpa", "grandparent"),
        ("p_child", "child"),
    ]
    assert [e.stored.assessment.colour if e.stored else None for e in entries] == [
        Colour.GREEN,
        Colour.RED,
        None,
    ]


def test_unlinking_a_dependant_ends_access_at_once_and_is_audited(
    people_service, stores, guardian, clock
):
    link = people_service.unlink(claims("u_g", clock), "p_grandpa")

    assert link.relation == "grandparent"
    with pytest.raises(NotFound):
        people_service.person_for("u_g", "p_grandpa")
    assert stores.people.get("p_grandpa") is not None  # the person stays
    [event] = stores.audit.events
    assert (event.action, event.subject_id, event.before) == (
        "care_link_ended",
        "p_grandpa",
        {"relation": "grandparent"},
    )


def test_unlinking_the_own_person_or_a_stranger_is_refused(people_service, stores, guardian, clock):
    own, _ = guardian

    with pytest.raises(Conflict) as caught:
        people_service.unlink(claims("u_g", clock), own.person_id)
    assert caught.value.code == "own_person"
    with pytest.raises(NotFound):
        people_service.unlink(claims("u_g", clock), "p_stranger")
    assert stores.audit.events == []


# -- consent ---------------------------------------------------------------------------


@pytest.fixture
def elder(stores):
    """An elder with an account of their own (u_e), whom u_g asks to care for."""
    return stores.file(person(self_person_id("u_e"), owner="u_e"))


def _ask(stores, elder, guardian_user="u_g"):
    request = CareRequest(
        request_id=care_request_id(elder.person_id, guardian_user),
        person_id=elder.person_id,
        guardian_user_id=guardian_user,
        relation="parent",
        state="pending",
        created_at=stores.clock(),
    )
    return stores.care_requests.ask(request)


def test_the_person_sees_requests_to_care_for_them_with_the_guardians_name(
    people_service, stores, elder, guardian, clock
):
    asked = _ask(stores, elder)

    [entry] = people_service.requests_for(claims("u_e", clock))

    assert entry.request == asked
    assert entry.requester_name_masked == guardian[0].name_masked
    assert people_service.requests_for(claims("u_g", clock)) == []


def test_a_request_lapses_after_a_week(people_service, stores, elder, clock):
    asked = _ask(stores, elder)
    clock.now += timedelta(days=7)

    assert people_service.requests_for(claims("u_e", clock)) == []
    with pytest.raises(NotFound):
        people_service.answer(claims("u_e", clock), asked.request_id, "accept")


def test_accepting_links_the_guardian_who_then_may_act_for_the_person(
    people_service, stores, elder, guardian, clock
):
    asked = _ask(stores, elder)

    entry = people_service.answer(claims("u_e", clock), asked.request_id, "accept")

    assert entry.request.state == "accepted"
    assert people_service.person_for("u_g", elder.person_id) == elder
    assert stores.links.get("u_g", elder.person_id).relation == "parent"
    event = stores.audit.events[-1]
    assert (event.action, event.actor, event.after["guardian"]) == (
        "care_link_added",
        "u_e",
        "u_g",
    )


def test_refusing_links_nothing_and_answering_twice_conflicts(people_service, stores, elder, clock):
    asked = _ask(stores, elder)

    refused = people_service.answer(claims("u_e", clock), asked.request_id, "refuse")

    assert refused.request.state == "refused"
    assert stores.links.get("u_g", elder.person_id) is None
    assert stores.audit.events[-1].action == "care_request_refused"
    with pytest.raises(Conflict) as caught:
        people_service.answer(claims("u_e", clock), asked.request_id, "accept")
    assert caught.value.code == "already_decided"


def test_only_the_persons_own_account_may_answer(people_service, stores, elder, clock):
    asked = _ask(stores, elder)

    for who in ("u_g", "u_stranger"):
        with pytest.raises(NotFound) as caught:
            people_service.answer(claims(who, clock), asked.request_id, "accept")
        assert caught.value.code == "care_request_not_found"
    assert stores.care_requests.get(asked.request_id).state == "pending"


def test_a_guardian_at_the_limit_of_dependants_cannot_be_accepted(
    people_service, stores, elder, clock
):
    for i in range(MAX_DEPENDANTS):
        stores.links.add(CareLink("u_g", f"p_dep{i}", "child", clock()))
    asked = _ask(stores, elder)

    with pytest.raises(Conflict) as caught:
        people_service.answer(claims("u_e", clock), asked.request_id, "accept")

    assert caught.value.code == "too_many_dependants"
    assert stores.care_requests.get(asked.request_id).state == "pending"
