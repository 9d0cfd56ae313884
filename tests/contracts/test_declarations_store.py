"""The Declarations port: the fake and DynamoDeclarations alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.kernel import retention
from chalicelib.kernel.errors import Conflict, InvalidInput
from tests.fakes.builders import declaration

KEEP = retention.keep("declarations")


def _add(declarations, d):
    declarations.add(d, payload_enc="payload")
    return d


def test_given_no_declaration_when_read_then_none_and_empty(declarations):
    assert declarations.get("d_missing") is None
    assert declarations.latest("p_1") is None
    assert declarations.for_person("p_1", limit=5, cursor=None).items == ()
    assert declarations.for_person("p_1", limit=5, cursor=None).cursor is None
    assert declarations.queue(limit=5, cursor=None).items == ()


def test_a_declaration_added_is_read_back(declarations, clock):
    d = _add(declarations, declaration("d_1", at=clock(), symptoms=("fever",)))

    assert declarations.get("d_1") == d
    assert declarations.latest("p_1") == d


def test_a_correction_keeps_what_it_withdraws_and_who_approved_it(declarations, clock):
    at = clock()
    d = replace(
        declaration("d_fix", at=at),
        withdraws=("abroad_14d", "symptoms"),
        reviewed_by="reviewer-1",
        review_note="ticked by mistake",
        reviewed_at=at,
    )
    declarations.add(d, payload_enc="sealed-details")

    assert declarations.get("d_fix") == d
    assert declarations.for_person("p_1", limit=5, cursor=None).items == (d,)
    assert declarations.payload("d_fix") == "sealed-details"
    assert declarations.payload("d_missing") is None


def test_a_persons_declarations_come_newest_first_in_pages(declarations, clock):
    added = [
        _add(declarations, declaration(f"d_{i}", at=clock() - timedelta(hours=5 - i)))
        for i in range(5)
    ]
    _add(declarations, declaration("d_other", person_id="p_2", at=clock()))

    seen, cursor, pages = [], None, 0
    while True:
        page = declarations.for_person("p_1", limit=2, cursor=cursor)
        assert len(page.items) <= 2
        seen += page.items
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break

    assert seen == list(reversed(added))
    assert pages == 3
    assert declarations.latest("p_1") == added[-1]


def test_a_full_last_page_carries_no_cursor(declarations, clock):
    for i in range(2):
        _add(declarations, declaration(f"d_{i}", at=clock() + timedelta(minutes=i)))

    assert declarations.for_person("p_1", limit=2, cursor=None).cursor is None


def test_a_cursor_of_another_person_or_garbage_is_invalid_input(declarations, clock):
    for i in range(3):
        _add(declarations, declaration(f"d_{i}", at=clock() + timedelta(minutes=i)))
    cursor = declarations.for_person("p_1", limit=1, cursor=None).cursor
    assert cursor is not None

    for bad in (cursor[:-3], "not-a-cursor!", "eyJ4IjoxfQ=="):
        with pytest.raises(InvalidInput) as caught:
            declarations.for_person("p_1", limit=1, cursor=bad)
        assert caught.value.code == "invalid_cursor"
    with pytest.raises(InvalidInput):
        declarations.for_person("p_2", limit=1, cursor=cursor)


def test_a_replaced_decided_declaration_expires_after_its_retention(declarations, clock):
    old = _add(declarations, declaration("d_old", at=clock() - timedelta(days=1)))
    new = _add(declarations, declaration("d_new", at=clock()))

    clock.now += KEEP - timedelta(seconds=1)
    assert declarations.get("d_old") == old

    clock.now += timedelta(seconds=1)
    assert declarations.get("d_old") is None
    assert declarations.get("d_new") == new
    assert declarations.for_person("p_1", limit=5, cursor=None).items == (new,)


def test_a_replaced_pending_declaration_waits_for_its_decision(declarations, clock):
    _add(
        declarations, declaration("d_old", at=clock() - timedelta(days=1), status="pending_review")
    )
    _add(declarations, declaration("d_new", at=clock()))
    clock.now += KEEP + timedelta(days=1)

    assert declarations.get("d_old") is not None
    decided = declarations.decide(
        "d_old", status="approved", reviewer="r_1", note="ok", now=clock()
    )
    assert decided.status == "approved"

    clock.now += KEEP
    assert declarations.get("d_old") is None


def test_the_queue_holds_pending_declarations_oldest_first(declarations, clock):
    first = _add(declarations, declaration("d_1", at=clock(), status="pending_review"))
    _add(declarations, declaration("d_2", person_id="p_2", at=clock() + timedelta(minutes=1)))
    third = _add(
        declarations,
        declaration(
            "d_3", person_id="p_3", at=clock() + timedelta(minutes=2), status="pending_review"
        ),
    )

    page = declarations.queue(limit=1, cursor=None)
    assert page.items == (first,)
    rest = declarations.queue(limit=1, cursor=page.cursor)
    assert rest.items == (third,) and rest.cursor is None


def test_deciding_records_the_review_and_leaves_the_queue(declarations, clock):
    _add(declarations, declaration("d_1", at=clock(), status="pending_review"))
    clock.now += timedelta(hours=2)

    decided = declarations.decide("d_1", status="rejected", reviewer="r_1", note="no", now=clock())

    assert (decided.status, decided.reviewed_by, decided.review_note, decided.reviewed_at) == (
        "rejected",
        "r_1",
        "no",
        clock(),
    )
    assert decided.review_reasons == ("symptoms",)
    assert declarations.get("d_1") == decided
    assert declarations.queue(limit=5, cursor=None).items == ()


def test_deciding_twice_or_a_missing_declaration_conflicts(declarations, clock):
    _add(declarations, declaration("d_1", at=clock(), status="pending_review"))
    declarations.decide("d_1", status="approved", reviewer="r_1", note="", now=clock())

    for declaration_id in ("d_1", "d_missing"):
        with pytest.raises(Conflict) as caught:
            declarations.decide(
                declaration_id, status="rejected", reviewer="r_2", note="", now=clock()
            )
        assert caught.value.code == "already_decided"
    assert declarations.get("d_1").status == "approved"


def test_adding_one_declaration_id_twice_is_refused_as_already_exists(declarations, clock):
    _add(declarations, declaration("d_1", at=clock()))

    with pytest.raises(Conflict) as caught:
        _add(declarations, declaration("d_1", at=clock(), status="rejected"))

    assert caught.value.code == "already_exists"
    assert declarations.get("d_1").status == "approved"
