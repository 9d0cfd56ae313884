"""The colour engine (SPEC section 3), the rule table and the assessment itself: every
spec code has a rule with both texts, the policy's numbers are parameters, and an
assessment records its policy, feed, time and earliest end.
"""

from __future__ import annotations

import pytest

from chalicelib.colours.model import Colour, Facts
from chalicelib.colours.rules import assess
from chalicelib.colours.table import RULES, Policy
from tests.unit.colour_cases import (
    APPROVED,
    AS_OF,
    HIGH,
    POLICY,
    REFINEMENTS,
    SECONDARY,
    SECONDARY_END,
    SPEC_CODES,
    STAY_START,
    H,
    L,
    abroad,
    city_stay,
    codes,
    decl,
    facts,
    only,
)


def test_assessment_records_policy_version_feed_and_as_of():
    policy = Policy(version="test-1")
    a = assess(Facts(declaration=APPROVED, feed_id="feed-42"), policy, AS_OF)
    assert (a.policy_version, a.feed_id, a.as_of) == ("test-1", "feed-42", AS_OF)


def test_policy_numbers_are_parameters():
    longer = Policy(secondary_contact_days=10, min_stay_hours=6)
    f = facts(marks=(SECONDARY,), risk_areas=(HIGH,), stays=(city_stay(STAY_START, 5 * H),))
    a = assess(f, longer, AS_OF)
    assert only(a, "status_secondary_contact").until == L(2026, 11, 25)
    assert "high_risk_area_stay" not in codes(a)


def test_valid_until_is_the_earliest_end():
    f = facts(
        marks=(SECONDARY,),
        stays=(abroad("JP"),),
        declaration=decl(symptoms=("cough",)),
    )
    a = assess(f, POLICY, AS_OF)
    assert a.colour is Colour.RED
    assert codes(a) == ["abroad_14d", "declared_symptoms", "status_secondary_contact"]
    assert a.valid_until == SECONDARY_END


# --- the rule table -------------------------------------------------------------------


FEDERATION = {"partner_region_status"}  # mutual recognition, way (a): docs/federation.md
VENUES = {"venue_exposure", "vaccination_incomplete"}  # issue 17: docs/colour-rules.md


@pytest.mark.parametrize("key", sorted(RULES))
def test_rule_table_entry(key):
    rule = RULES[key]
    assert rule.code in SPEC_CODES | REFINEMENTS | FEDERATION | VENUES
    assert rule.key == key
    assert rule.text_zh.strip() and rule.text_en.strip()
    assert isinstance(rule.colour, Colour) and rule.colour is not Colour.GREEN
    # texts may only name {place}, {date} and {detail}
    params = {"place": "X", "date": "D", "detail": ""}
    assert rule.text_zh.format(**params) and rule.text_en.format(**params)


def test_rule_table_covers_every_spec_code():
    assert {r.code for r in RULES.values()} == SPEC_CODES | REFINEMENTS | FEDERATION | VENUES
    assert RULES["pending_review"].colour is Colour.PENDING
    assert RULES["high_risk_area_stay"].colour is Colour.RED
    assert RULES["high_risk_area_stay/city"].colour is Colour.YELLOW
