"""Declarations as the services see them, and the pure decisions around one: which
symptoms exist, and whether the answers need a reviewer (a claimed contact, or answers
the itinerary contradicts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from chalicelib.colours.model import Stay
from chalicelib.colours.rules import is_outside_mainland
from chalicelib.kernel.times import days_after

SYMPTOMS = (
    "fever",
    "cough",
    "sore_throat",
    "fatigue",
    "loss_of_taste_or_smell",
    "shortness_of_breath",
    "diarrhoea",
)


@dataclass(frozen=True)
class DeclarationAnswers:
    """A citizen's answers, already validated."""

    name: str
    id_number: str
    phone: str
    residence_region: str
    address: str
    symptoms: tuple[str, ...]
    contact_with_confirmed: bool
    abroad_14d: bool


@dataclass(frozen=True)
class Declaration:
    declaration_id: str
    person_id: str
    user_id: str
    status: str  # approved | pending_review | rejected
    symptoms: tuple[str, ...]
    contact_with_confirmed: bool
    abroad_14d: bool
    residence_region: str
    created_at: datetime
    review_reasons: tuple[str, ...] = ()
    # A correction: the risk facts it withdraws from the person's earlier declarations
    # (abroad_14d, contact_with_confirmed, symptoms); they stop colouring once approved.
    withdraws: tuple[str, ...] = ()
    reviewed_by: str | None = None
    review_note: str | None = None
    reviewed_at: datetime | None = None


def review_reasons(
    answers: DeclarationAnswers, stays: Sequence[Stay], *, as_of: datetime, window_days: int = 14
) -> tuple[str, ...]:
    """Why a reviewer must look at a declaration; empty when rules can approve it.

    - ``contact_with_confirmed``: the citizen says they met a confirmed case;
    - ``abroad_contradicts_itinerary``: they answered "not abroad" but the carrier
      saw their phone outside the mainland in the window;
    - ``residence_contradicts_itinerary``: the carrier saw the phone in cities in
      the window, never in the declared residence's city.
    """
    reasons = []
    if answers.contact_with_confirmed:
        reasons.append("contact_with_confirmed")
    start = days_after(as_of, -window_days)
    recent = [s for s in stays if s.left_at >= start and s.entered_at <= as_of]
    if not answers.abroad_14d and any(
        s.kind == "country" and is_outside_mainland(s.place) for s in recent
    ):
        reasons.append("abroad_contradicts_itinerary")
    cities = {s.place for s in recent if s.kind == "city"}
    if cities and answers.residence_region[:4] + "00" not in cities:
        reasons.append("residence_contradicts_itinerary")
    return tuple(reasons)


# Why a correction waits for a reviewer (beside the other review reasons).
WITHDRAWS_DECLARED_RISK = "withdraws_declared_risk"


def withdrawn(answers: DeclarationAnswers, declared: frozenset[str]) -> tuple[str, ...]:
    """The risk facts the person declared (``declared``: what their own declarations
    colour the code with now) that these answers take back: a correction, which a
    reviewer approves before the facts stop counting (SPEC, rule corrections)."""
    takes_back = {
        "abroad_14d": not answers.abroad_14d,
        "contact_with_confirmed": not answers.contact_with_confirmed,
        "symptoms": not answers.symptoms,
    }
    return tuple(sorted(fact for fact in declared if takes_back.get(fact, False)))


def corrected(latest: Declaration, facts: tuple[str, ...], **decided: Any) -> Declaration:
    """The approved correction an upheld appeal records: the latest answers with
    ``facts`` taken back, approved by the reviewer (``decided``: the new id, time and
    review)."""
    return replace(
        latest,
        symptoms=() if "symptoms" in facts else latest.symptoms,
        contact_with_confirmed=latest.contact_with_confirmed
        and "contact_with_confirmed" not in facts,
        abroad_14d=latest.abroad_14d and "abroad_14d" not in facts,
        status="approved",
        review_reasons=(),
        withdraws=facts,
        **decided,
    )
