"""Corrections as pure rules (SPEC, rule corrections of the third wave): what a later
declaration takes back, and how an approved one stops the person's own earlier answers
from colouring the code, and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.colours.model import Colour
from chalicelib.colours.rules import WITHDRAWABLE, assess, self_declared
from chalicelib.colours.table import RULES, rule_of
from chalicelib.declarations.rules import DeclarationAnswers, withdrawn
from tests.unit.colour_cases import AS_OF, POLICY, H, abroad, codes, decl, facts

WRONG = decl(declared_at=AS_OF - 5 * H, abroad_14d=True, symptoms=("fever",))


def _fix(status: str, withdraws: tuple[str, ...], at=AS_OF - 2 * H):
    return decl(declared_at=at, status=status, withdraws=withdraws)


def test_an_approved_correction_stops_the_withdrawn_answers_only():
    fixed = assess(
        facts(declaration=_fix("approved", ("abroad_14d",)), earlier=(WRONG,)), POLICY, AS_OF
    )
    assert codes(fixed) == ["declared_symptoms"]  # symptoms were not taken back


@pytest.mark.parametrize("status", ["pending_review", "rejected"])
def test_a_correction_not_approved_withdraws_nothing(status):
    result = assess(
        facts(declaration=_fix(status, ("abroad_14d", "symptoms")), earlier=(WRONG,)),
        POLICY,
        AS_OF,
    )
    assert {"abroad_14d", "declared_symptoms"} <= set(codes(result))
    assert result.colour == Colour.RED


def test_what_is_declared_again_after_the_correction_counts_again():
    again = decl(declared_at=AS_OF - H, abroad_14d=True)
    result = assess(
        facts(declaration=again, earlier=(_fix("approved", ("abroad_14d",)), WRONG)),
        POLICY,
        AS_OF,
    )
    assert "abroad_14d" in codes(result) and result.colour == Colour.RED


def test_a_correction_never_touches_the_itinerary():
    result = assess(
        facts(
            declaration=_fix("approved", WITHDRAWABLE),
            earlier=(WRONG,),
            stays=(abroad("JP"),),
        ),
        POLICY,
        AS_OF,
    )
    assert codes(result) == ["abroad_14d"]
    assert result.reasons[0].rule == "abroad_14d"  # the carrier's, not the declared one


def test_self_declared_reads_the_rules_that_fired():
    result = assess(facts(declaration=WRONG, stays=(abroad("JP"),)), POLICY, AS_OF)
    assert self_declared(result.reasons, AS_OF) == {"abroad_14d", "symptoms"}
    itinerary_only = assess(
        facts(declaration=decl(declared_at=AS_OF - H), stays=(abroad("JP"),)), POLICY, AS_OF
    )
    assert self_declared(itinerary_only.reasons, AS_OF) == frozenset()


def _answers(**kw):
    base = dict(
        name="张三",
        id_number="x",
        phone="1",
        residence_region="610113",
        address="a",
        symptoms=(),
        contact_with_confirmed=False,
        abroad_14d=False,
    )
    return DeclarationAnswers(**{**base, **kw})


@given(
    declared=st.frozensets(st.sampled_from(WITHDRAWABLE)),
    abroad_14d=st.booleans(),
    contact=st.booleans(),
    symptoms=st.booleans(),
)
def test_withdrawn_is_what_was_declared_and_is_now_answered_no(
    declared, abroad_14d, contact, symptoms
):
    answers = _answers(
        abroad_14d=abroad_14d,
        contact_with_confirmed=contact,
        symptoms=("cough",) if symptoms else (),
    )
    still_yes = {
        f
        for f, yes in (
            ("abroad_14d", abroad_14d),
            ("contact_with_confirmed", contact),
            ("symptoms", symptoms),
        )
        if yes
    }
    assert set(withdrawn(answers, declared)) == declared - still_yes
    assert list(withdrawn(answers, declared)) == sorted(withdrawn(answers, declared))


@pytest.mark.parametrize("key", sorted(RULES))
def test_a_stored_reason_without_its_rule_reads_it_back_from_its_text(key):
    rule = RULES[key]
    text = rule.text_zh.format(place="西安市雁塔区", date="2026-11-20", detail="")
    assert rule_of(rule.code, text) == key
