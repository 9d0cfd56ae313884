"""The one authority (chalicelib/people/policy.py): pure, no AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.kernel.person import Person
from chalicelib.kernel.roles import Role
from chalicelib.people import policy
from chalicelib.people.policy import Act, Basis
from chalicelib.people.rules import CareLink, birth_date_of

TODAY = date(2026, 12, 8)
ADULT_FROM = date(2000, 1, 1)  # turned 14 long ago
CHILD_FROM = date(2030, 1, 1)  # turns 14 in 2030


def person(owner: str = "owner", relation: str = "self", consent_age_on=ADULT_FROM) -> Person:
    return Person(
        person_id="p1",
        owner_user_id=owner,
        holder_id="h",
        id_hash="x",
        id_masked="****1234",
        name_masked="张*三",
        residence_region="610113",
        relation=relation,
        consent_age_on=consent_age_on,
    )


def link(user: str = "carer", granted_by: str | None = "owner") -> CareLink:
    return CareLink(user, "p1", "parent", datetime(2026, 1, 1, tzinfo=UTC), granted_by=granted_by)


def test_the_person_themself_may_do_everything():
    decision = policy.decide("owner", Role.CITIZEN, Act.MANAGE, person(), None, TODAY)
    assert decision == policy.Decision(True, Basis.SELF)


def test_a_carer_the_adult_agreed_to_may_act_but_not_manage():
    adult = person()
    assert policy.decide("carer", Role.CITIZEN, Act.READ, adult, link(), TODAY).allowed
    assert policy.decide("carer", Role.CITIZEN, Act.CHECK_IN, adult, link(), TODAY).allowed
    assert not policy.decide("carer", Role.CITIZEN, Act.MANAGE, adult, link(), TODAY).allowed


@pytest.mark.parametrize("granted_by", [None, "filer", "squatter"])
def test_a_link_the_adult_did_not_grant_is_worth_nothing(granted_by):
    adult = person()
    for act in Act:
        decision = policy.decide(
            "carer", Role.CITIZEN, act, adult, link(granted_by=granted_by), TODAY
        )
        assert decision == policy.Decision(False, Basis.NONE)


def test_a_childs_guardian_keeps_acting_once_the_child_has_an_account():
    child = person(owner="child", consent_age_on=CHILD_FROM)
    guardian = link(user="mum", granted_by="mum")
    decision = policy.decide("mum", Role.CITIZEN, Act.DECLARE, child, guardian, TODAY)
    assert decision == policy.Decision(True, Basis.GUARDIAN_OF_CHILD)
    assert not policy.may_end(child, guardian, TODAY)
    # The day they turn 14, the link needs the person's own consent.
    assert policy.link_basis(child, guardian, CHILD_FROM) == Basis.NONE


def test_a_person_only_guardians_hold_is_reached_through_the_first_guardian_or_their_consent():
    held = person(owner="first", relation="dependant")
    assert policy.link_basis(held, link(user="first", granted_by="first"), TODAY) == Basis.GUARDIAN
    accepted = link(user="second", granted_by="first")
    assert policy.link_basis(held, accepted, TODAY) == Basis.GUARDIAN
    legacy = link(user="second", granted_by=None)
    assert policy.link_basis(held, legacy, TODAY) == Basis.NONE


def test_a_link_of_someone_else_grants_the_caller_nothing():
    assert not policy.decide("stranger", Role.CITIZEN, Act.READ, person(), link(), TODAY).allowed


def test_staff_act_only_within_their_scope():
    anyone = person()
    assert policy.decide("o", Role.OFFICIAL, Act.PRINT, anyone, None, TODAY).allowed
    assert not policy.decide("o", Role.OFFICIAL, Act.DECLARE, anyone, None, TODAY).allowed
    for role in (Role.CHECKPOINT, Role.REVIEWER, Role.LAB, Role.ADMIN):
        assert not policy.decide("s", role, Act.READ, anyone, None, TODAY).allowed


def test_the_fourteenth_birthday_and_a_leap_day():
    assert policy.consent_age_on(date(2012, 5, 6)) == date(2026, 5, 6)
    assert policy.consent_age_on(date(2012, 2, 29)) == date(2026, 3, 1)
    assert birth_date_of("11010120160229123X") == date(2016, 2, 29)


def test_a_person_filed_before_the_birthday_was_kept_decides_for_themself():
    legacy = person(owner="them", consent_age_on=None)
    assert not policy.is_child(legacy, TODAY)


@given(
    caller=st.sampled_from(["owner", "carer", "stranger"]),
    role=st.sampled_from(list(Role)),
    act=st.sampled_from(list(Act)),
    relation=st.sampled_from(["self", "dependant"]),
    granted_by=st.sampled_from([None, "owner", "carer", "stranger"]),
    child=st.booleans(),
)
def test_nobody_without_a_relationship_or_a_staff_scope_is_allowed(
    caller, role, act, relation, granted_by, child
):
    who = person(relation=relation, consent_age_on=CHILD_FROM if child else ADULT_FROM)
    the_link = link(user=caller, granted_by=granted_by) if caller != "owner" else None
    decision = policy.decide(caller, role, act, who, the_link, TODAY)
    if not decision.allowed:
        return
    if decision.basis == Basis.STAFF:
        assert act in policy.STAFF_SCOPE[role]
    elif decision.basis == Basis.SELF:
        assert caller == who.owner_user_id and relation == "self"
    else:
        # Someone who decides for the person agreed to the link (or filed them first).
        assert the_link is not None and role == Role.CITIZEN
        assert granted_by is not None or (relation == "dependant" and caller == "owner")
        assert act != Act.MANAGE
