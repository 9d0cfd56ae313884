"""The colour engine (SPEC section 3), what the citizen declares: a declared contact,
symptoms, the declaration's own state (pending, rejected, none) and earlier declarations.
"""

from __future__ import annotations

import dataclasses

import pytest

from chalicelib.colours.model import Colour, Facts, TestResult
from chalicelib.colours.rules import assess
from tests.unit.colour_cases import (
    ABSENT,
    AS_OF,
    DECLARED_AT,
    POLICY,
    POSITIVE,
    RED_NO_END,
    SECONDARY,
    SYMPTOMS,
    YELLOW_NO_END,
    H,
    L,
    S,
    check,
    codes,
    decl,
    facts,
    only,
)

# --- declared_contact ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param("pending_review", RED_NO_END, id="pending-is-red"),
        pytest.param("approved", ABSENT, id="approved-by-reviewer-no-longer-counts"),
        pytest.param("rejected", ABSENT, id="rejected-declaration-no-longer-counts"),
    ],
)
def test_declared_contact(status, expected):
    f = facts(declaration=decl(status=status, contact_with_confirmed=True))
    a = check(f, AS_OF, "declared_contact", expected)
    if status == "pending_review":
        # a pending review never hides a red
        assert a.colour is Colour.RED
        assert "pending_review" in codes(a)


# --- declared_symptoms ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tests", "as_of", "expected"),
    [
        pytest.param([], AS_OF, YELLOW_NO_END, id="no-test-yellow"),
        pytest.param([], L(2027, 1, 1), YELLOW_NO_END, id="does-not-expire-with-time"),
        pytest.param(
            [TestResult(DECLARED_AT - H, "negative")],
            AS_OF,
            YELLOW_NO_END,
            id="negative-before-declaration-does-not-clear",
        ),
        pytest.param(
            [TestResult(DECLARED_AT, "negative")],
            AS_OF,
            YELLOW_NO_END,
            id="negative-at-declaration-instant-does-not-clear",
        ),
        pytest.param(
            [TestResult(DECLARED_AT + S, "negative")], AS_OF, ABSENT, id="negative-after-clears"
        ),
        pytest.param(
            [TestResult(DECLARED_AT + H, "invalid")], AS_OF, YELLOW_NO_END, id="invalid-no"
        ),
        pytest.param(
            [TestResult(L(2026, 11, 21), "negative")],
            AS_OF,
            YELLOW_NO_END,
            id="test-after-as_of-not-known-yet",
        ),
    ],
)
def test_declared_symptoms(tests, as_of, expected):
    check(facts(declaration=SYMPTOMS, tests=tuple(tests)), as_of, "declared_symptoms", expected)


def test_declared_symptoms_also_while_pending_and_pending_does_not_hide_yellow():
    f = facts(declaration=dataclasses.replace(SYMPTOMS, status="pending_review"))
    a = check(f, AS_OF, "declared_symptoms", YELLOW_NO_END)
    assert a.colour is Colour.YELLOW
    assert codes(a) == ["declared_symptoms", "pending_review"]


def test_positive_test_after_declaration_does_not_clear_symptoms():
    f = facts(declaration=SYMPTOMS, tests=(TestResult(DECLARED_AT + H, "positive"),))
    a = check(f, AS_OF, "declared_symptoms", YELLOW_NO_END)
    assert a.colour is Colour.RED


# --- the declaration's own state ------------------------------------------------------


@pytest.mark.parametrize(
    ("declaration", "code", "colour"),
    [
        pytest.param(None, "no_declaration", Colour.PENDING, id="no-declaration-pending"),
        pytest.param(
            decl(status="pending_review"), "pending_review", Colour.PENDING, id="pending-review"
        ),
        pytest.param(
            decl(status="rejected", reviewed_at=L(2026, 11, 2)),
            "declaration_rejected",
            Colour.PENDING,
            id="rejected-pending",
        ),
        pytest.param(decl(status="approved"), None, Colour.GREEN, id="approved-and-clean-green"),
    ],
)
def test_declaration_state(declaration, code, colour):
    a = assess(Facts(declaration=declaration), POLICY, AS_OF)
    assert a.colour is colour
    assert codes(a) == ([code] if code else [])
    assert a.valid_until is None
    if code:
        assert only(a, code).until is None


@pytest.mark.parametrize(
    ("declaration", "code"),
    [
        pytest.param(None, "no_declaration", id="no-declaration"),
        pytest.param(decl(status="pending_review"), "pending_review", id="pending"),
        pytest.param(decl(status="rejected"), "declaration_rejected", id="rejected"),
    ],
)
@pytest.mark.parametrize(
    ("extra", "colour"),
    [
        pytest.param({"tests": (POSITIVE,)}, Colour.RED, id="red"),
        pytest.param({"marks": (SECONDARY,)}, Colour.YELLOW, id="yellow"),
    ],
)
def test_pending_never_hides_red_or_yellow(declaration, code, extra, colour):
    a = assess(Facts(declaration=declaration, **extra), POLICY, AS_OF)
    assert a.colour is colour
    assert code in codes(a)
    assert a.reasons[-1].code == code  # the worst reason first, pending ones last


def test_a_rejection_never_hides_what_the_citizen_declared_against_themselves():
    rejected = decl(
        status="rejected",
        symptoms=("fever",),
        abroad_14d=True,
        declared_at=L(2026, 11, 18),
        reviewed_at=L(2026, 11, 19),
    )

    a = assess(Facts(declaration=rejected), POLICY, AS_OF)

    assert a.colour is Colour.RED
    assert set(codes(a)) == {"declaration_rejected", "declared_symptoms", "abroad_14d"}


def test_an_earlier_declarations_symptoms_end_when_it_leaves_the_window():
    """The colour must say when it changes: a stored yellow from an earlier declaration's
    symptoms turns green at 00:00 on its day + 15, found by the due index, not by luck."""
    earlier = decl(declared_at=L(2026, 11, 10, 9), symptoms=("cough",))
    latest = decl(declared_at=L(2026, 11, 12, 9))
    f = facts(declaration=latest, earlier=(earlier,))

    before = assess(f, POLICY, L(2026, 11, 24, 23, 59))
    r = only(before, "declared_symptoms")
    assert r.until == L(2026, 11, 25) and before.valid_until == L(2026, 11, 25)
    assert "declared_symptoms" not in codes(assess(f, POLICY, L(2026, 11, 25)))


def test_the_latest_declarations_symptoms_wait_for_a_negative_test():
    r = only(assess(facts(declaration=SYMPTOMS), POLICY, AS_OF), "declared_symptoms")
    assert r.until is None
