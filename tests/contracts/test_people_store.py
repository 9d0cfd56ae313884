"""The People port: the fake and DynamoPeople answer alike (tests/contracts/conftest.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.kernel.errors import Conflict
from tests.fakes.builders import person


def _create(people, p, clock):
    return people.create(p, id_enc="id-enc", name_enc="name-enc", address_enc="addr", now=clock())


def test_given_no_person_when_read_then_none(people):
    assert people.get("p_missing") is None
    assert people.self_of("u_missing") is None
    assert people.name_enc_of("p_missing") is None
    assert people.ids_by_id_hash("ih_missing") == []
    assert people.ids_by_fed_hash("fh_missing") == []


def test_given_a_created_person_when_read_then_it_comes_back_at_version_1(people, clock):
    created = _create(people, person("p_1", fed_hash="fh_1"), clock)

    assert created.version == 1
    assert people.get("p_1") == created
    assert people.name_enc_of("p_1") == "name-enc"
    assert people.ids_by_id_hash("ih_p_1") == ["p_1"]
    assert people.ids_by_fed_hash("fh_1") == ["p_1"]


def test_given_a_person_when_created_again_then_already_exists(people, clock):
    _create(people, person("p_1"), clock)

    with pytest.raises(Conflict) as caught:
        _create(people, person("p_1", owner="u_other"), clock)

    assert caught.value.code == "already_exists"
    assert people.get("p_1").owner_user_id == "u_1"


def test_self_of_finds_only_the_accounts_own_person(people, clock):
    _create(people, person("p_dep", owner="u_1", relation="dependant"), clock)
    assert people.self_of("u_1") is None

    own = _create(people, person("p_own", owner="u_1"), clock)

    assert people.self_of("u_1") == own


def test_two_people_with_one_id_hash_are_both_found(people, clock):
    _create(people, person("p_a", id_hash="ih_shared"), clock)
    _create(people, person("p_b", id_hash="ih_shared"), clock)

    assert sorted(people.ids_by_id_hash("ih_shared")) == ["p_a", "p_b"]


def test_set_owner_moves_the_person_and_bumps_the_version(people, clock):
    created = _create(people, person("p_1", owner="u_1", relation="dependant"), clock)

    moved = people.set_owner(created, user_id="u_2", relation="self", now=clock())

    assert (moved.owner_user_id, moved.relation, moved.version) == ("u_2", "self", 2)
    assert moved.holder_id == created.holder_id and moved.id_hash == created.id_hash
    assert people.get("p_1") == moved
    assert people.self_of("u_2") == moved


def test_set_owner_from_a_stale_read_loses_with_stale_write(people, clock):
    created = _create(people, person("p_1"), clock)
    people.set_owner(created, user_id="u_2", relation="self", now=clock())

    with pytest.raises(Conflict) as caught:
        people.set_owner(created, user_id="u_3", relation="self", now=clock())

    assert caught.value.code == "stale_write"
    assert people.get("p_1").owner_user_id == "u_2"


def test_set_owner_of_a_person_never_filed_is_a_stale_write(people, clock):
    ghost = replace(person("p_ghost"), version=1)

    with pytest.raises(Conflict) as caught:
        people.set_owner(ghost, user_id="u_2", relation="self", now=clock())

    assert caught.value.code == "stale_write"
    assert people.get("p_ghost") is None


def test_update_details_changes_name_residence_and_fed_hash(people, clock):
    created = _create(people, person("p_1"), clock)
    clock.now += timedelta(hours=1)

    updated = people.update_details(
        created,
        name_enc="new-name",
        name_masked="李*",
        address_enc="new-addr",
        residence_region="610102",
        now=clock(),
        fed_hash="fh_new",
    )

    assert (updated.name_masked, updated.residence_region, updated.fed_hash) == (
        "李*",
        "610102",
        "fh_new",
    )
    assert updated.version == 2
    assert people.get("p_1") == updated
    assert people.name_enc_of("p_1") == "new-name"
    assert people.ids_by_fed_hash("fh_new") == ["p_1"]


def test_update_details_without_fed_hash_keeps_the_one_stored(people, clock):
    created = _create(people, person("p_1", fed_hash="fh_1"), clock)

    updated = people.update_details(
        created,
        name_enc="n",
        name_masked="李*",
        address_enc="a",
        residence_region="610102",
        now=clock(),
    )

    assert updated.fed_hash == "fh_1"


def test_update_details_from_a_stale_read_loses_with_stale_write(people, clock):
    created = _create(people, person("p_1"), clock)
    people.update_details(
        created, name_enc="n", name_masked="甲*", address_enc="a", residence_region="1", now=clock()
    )

    with pytest.raises(Conflict) as caught:
        people.update_details(
            created,
            name_enc="n2",
            name_masked="乙*",
            address_enc="a2",
            residence_region="2",
            now=clock(),
        )

    assert caught.value.code == "stale_write"
    assert people.get("p_1").name_masked == "甲*"
