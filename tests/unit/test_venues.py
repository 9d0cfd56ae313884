"""The pure parts of issue 17: the venue token, the co-location window, exposure and actions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.codes.token import (
    TokenError,
    b45decode,
    b45encode,
    cbor_decode,
    cbor_encode,
    signing_input,
)
from chalicelib.colours.model import (
    Colour,
    DeclarationFacts,
    Facts,
    TestResult,
    Vaccination,
    VenueExposure,
)
from chalicelib.colours.rules import assess, pending_action, summarise
from chalicelib.colours.table import Policy
from chalicelib.kernel.keys import PublicKey
from chalicelib.kernel.signing import ed25519_verify, kid_for, raw_public
from chalicelib.venues.rules import Checkin, co_located, contacts, hour_bucket, window_buckets
from chalicelib.venues.token import VenueClaims, build, inside, parse, verify
from tests.keys import Ed25519Key

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
POLICY = Policy()
WINDOW = timedelta(hours=2)
KEY = Ed25519Key.generate()
PUBLIC = PublicKey(kid=kid_for(raw_public(KEY)), key=raw_public(KEY), region="610100")


def token(venue_id="610113-0a0b0c0d", region="610113", generation=1):
    claims = VenueClaims(venue_id=venue_id, region=region, generation=generation, issued_at=NOW)
    return build(claims, kid=PUBLIC.kid, sign=KEY.sign)


# --- the venue token ----------------------------------------------------------------------


def test_a_venue_token_round_trips_and_verifies_offline():
    claims = verify(token(generation=3), [PUBLIC], region="610100", verifier=ed25519_verify)

    assert (claims.venue_id, claims.region, claims.generation) == ("610113-0a0b0c0d", "610113", 3)
    assert claims.issued_at == NOW


def test_a_venue_token_is_not_a_health_code_and_names_no_person():
    text = token()
    assert text.startswith("YV1:") and len(text) < 160
    assert parse(text).claims.venue_id == "610113-0a0b0c0d"


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda t: "YM1:" + t[4:], "wrong_prefix"),
        (lambda t: t[:-2], "malformed"),
        (lambda t: t[:20] + ("0" if t[20] != "0" else "1") + t[21:], None),
    ],
)
def test_a_damaged_venue_token_fails_with_a_reason(mutate, reason):
    with pytest.raises(TokenError) as raised:
        verify(mutate(token()), [PUBLIC], region="610100", verifier=ed25519_verify)
    assert reason is None or raised.value.reason == reason


def test_another_key_or_region_is_refused():
    other = Ed25519Key.generate()
    stranger = PublicKey(kid=PUBLIC.kid, key=raw_public(other), region="610100")
    with pytest.raises(TokenError, match="signature"):
        verify(token(), [stranger], region="610100", verifier=ed25519_verify)
    with pytest.raises(TokenError) as raised:
        verify(
            token("440305-01020304", "440305"), [PUBLIC], region="610100", verifier=ed25519_verify
        )
    assert raised.value.reason == "foreign_region"
    revoked = replace(PUBLIC, status="revoked")
    with pytest.raises(TokenError) as raised:
        verify(token(), [revoked], region="610100", verifier=ed25519_verify)
    assert raised.value.reason == "revoked_key"


def test_a_venue_id_must_match_its_region():
    with pytest.raises(ValueError):
        token("610112-0a0b0c0d", "610113")


@pytest.mark.parametrize(
    ("district", "region", "inside_"),
    [
        ("610113", "610100", True),
        ("610113", "610000", True),
        ("610113", "610113", True),
        ("620102", "610000", False),
        ("610202", "610100", False),
    ],
)
def test_inside_a_region(district, region, inside_):
    assert inside(district, region) is inside_


@given(st.binary(max_size=200))
@settings(max_examples=200, deadline=None)
def test_any_text_after_the_prefix_fails_with_a_token_error(raw):
    with pytest.raises(TokenError):
        verify("YV1:" + b45encode(raw), [PUBLIC], region="610100", verifier=ed25519_verify)


def _resealed(protected: dict, unprotected: dict, *, tagged: bool = False) -> str:
    """The venue token's claims under other headers, signed again with the key."""
    outer = cbor_decode(b45decode(token()[4:]))
    head, payload = cbor_encode(protected), outer[2]
    envelope = cbor_encode([head, unprotected, payload, KEY.sign(signing_input(head, payload))])
    return "YV1:" + b45encode((b"\xd2" if tagged else b"") + envelope)


def test_a_venue_token_is_read_by_the_health_codes_cose_rules():
    """One envelope parser for both kinds (healthcode.open_sign1): the COSE_Sign1 tag
    is accepted, and crit or a label in both headers is held to RFC 9052 as for codes."""
    alg_kid = {1: -8, 4: PUBLIC.kid}
    tagged = _resealed(alg_kid, {}, tagged=True)
    assert verify(tagged, [PUBLIC], region="610100", verifier=ed25519_verify).generation == 1
    for protected, unprotected in (
        ({**alg_kid, 2: [99], 99: 1}, {}),  # an unknown critical label
        ({**alg_kid, 2: []}, {}),  # crit must not be empty
        (alg_kid, {4: PUBLIC.kid}),  # the kid in both headers
        (alg_kid, {2: [1]}),  # crit outside the protected header
    ):
        with pytest.raises(TokenError) as raised:
            verify(
                _resealed(protected, unprotected),
                [PUBLIC],
                region="610100",
                verifier=ed25519_verify,
            )
        assert raised.value.reason == "malformed"


# --- the co-location window ------------------------------------------------------------------


def test_window_buckets_cover_both_sides_of_the_visit():
    at = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)

    assert window_buckets(at, WINDOW) == [
        "2026-11-20T00",
        "2026-11-20T01",
        "2026-11-20T02",
        "2026-11-20T03",
        "2026-11-20T04",
    ]
    assert hour_bucket(at) == "2026-11-20T02"


def test_the_window_is_inclusive_at_its_edges():
    assert co_located(NOW, NOW + WINDOW, WINDOW)
    assert co_located(NOW, NOW - WINDOW, WINDOW)
    assert not co_located(NOW, NOW + WINDOW + timedelta(seconds=1), WINDOW)
    assert not co_located(NOW, NOW + timedelta(hours=3), WINDOW)


def _checkin(person, at, venue="610113-0a0b0c0d", n=0):
    return Checkin(
        checkin_id=f"c_{person}_{n}",
        person_id=person,
        owner_user_id="u_" + person,
        venue_id=venue,
        venue_name="咖啡馆",
        region_code=venue[:6],
        at=at,
        colour="green",
    )


visits = st.lists(
    st.tuples(
        st.sampled_from(["p_a", "p_b", "p_c", "p_d"]),
        st.sampled_from(["610113-0a0b0c0d", "610113-01010101"]),
        st.integers(-600, 600),  # minutes around NOW
    ),
    max_size=25,
)


@given(
    visits,
    st.lists(
        st.tuples(st.sampled_from(["610113-0a0b0c0d"]), st.integers(-300, 300)),
        min_size=1,
        max_size=3,
    ),
)
@settings(max_examples=150, deadline=None)
def test_contacts_through_buckets_equal_a_brute_force_search(others, case_visits):
    everyone = [_checkin(p, NOW + timedelta(minutes=m), v, n) for n, (p, v, m) in enumerate(others)]
    case = [
        _checkin("p_case", NOW + timedelta(minutes=m), v, 100 + n)
        for n, (v, m) in enumerate(case_visits)
    ]
    reads: list[tuple[str, str]] = []

    def nearby(venue, bucket):
        reads.append((venue, bucket))
        return [c for c in everyone + case if c.venue_id == venue and hour_bucket(c.at) == bucket]

    found = contacts("p_case", case, nearby, window=WINDOW)

    brute = {
        (c.person_id, c.checkin_id)
        for c in everyone
        for v in case
        if c.venue_id == v.venue_id and abs(c.at - v.at) <= WINDOW
    }
    assert {(c.person_id, c.checkin_id) for c in found} == brute
    assert len(reads) == len(set(reads))  # each bucket read once
    assert len(reads) <= 5 * len(case)  # a 2-hour window touches at most 5 hours


# --- the exposure rule ----------------------------------------------------------------------


VISIT = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
EXPOSED = Facts(
    declaration=DeclarationFacts(declared_at=VISIT - timedelta(days=2), status="approved"),
    exposures=(VenueExposure(venue_id="610113-0a0b0c0d", venue_name="咖啡馆", at=VISIT),),
)


def test_an_exposure_is_yellow_until_14_days_after_the_visit():
    a = assess(EXPOSED, POLICY, VISIT + timedelta(hours=5))

    assert a.colour is Colour.YELLOW
    (reason,) = a.reasons
    assert reason.code == "venue_exposure" and "咖啡馆" in reason.text_zh
    assert reason.until == datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 00:00 Beijing, Dec 4
    assert assess(EXPOSED, POLICY, reason.until).colour is Colour.GREEN


def test_a_negative_test_sampled_after_the_visit_clears_it_but_not_one_before():
    before = replace(EXPOSED, tests=(TestResult(VISIT - timedelta(hours=1), "negative"),))
    after = replace(EXPOSED, tests=(TestResult(VISIT + timedelta(hours=20), "negative"),))
    positive = replace(EXPOSED, tests=(TestResult(VISIT + timedelta(hours=20), "positive"),))
    later = VISIT + timedelta(days=1)

    assert assess(before, POLICY, later).colour is Colour.YELLOW
    assert assess(after, POLICY, later).colour is Colour.GREEN
    assert assess(after, POLICY, VISIT + timedelta(hours=10)).colour is Colour.YELLOW
    assert assess(positive, POLICY, later).colour is Colour.RED


def test_an_exposure_in_the_future_of_as_of_does_not_count():
    assert assess(EXPOSED, POLICY, VISIT - timedelta(minutes=1)).colour is Colour.GREEN


# --- the pop-up actions -----------------------------------------------------------------------


def test_an_exposure_asks_for_a_test_until_a_negative_one():
    a = assess(EXPOSED, POLICY, VISIT + timedelta(hours=5))
    first = pending_action(a.reasons)

    assert first is not None and first.action is not None
    assert first.action.code == "take_test_within_24h"
    assert "24" in first.action.text_zh and "24 hours" in first.action.text_en


def test_a_city_stay_asks_to_report_the_itinerary_until_a_new_declaration():
    from chalicelib.colours.model import RiskArea, Stay

    stay = Stay(
        kind="city",
        place="610100",
        entered_at=NOW - timedelta(days=2, hours=6),
        left_at=NOW - timedelta(days=2),
    )
    area = RiskArea(region_code="610113", level="medium", since=NOW - timedelta(days=5))
    declared = NOW - timedelta(days=10)
    facts = Facts(
        declaration=DeclarationFacts(declared_at=declared, status="approved"),
        declared_at=(declared,),
        stays=(stay,),
        risk_areas=(area,),
    )

    shown = assess(facts, POLICY, NOW)
    assert shown.colour is Colour.YELLOW
    assert pending_action(shown.reasons).action.code == "report_itinerary"

    again = replace(facts, declared_at=(declared, NOW - timedelta(hours=1)))
    done = assess(again, POLICY, NOW)
    assert done.colour is Colour.YELLOW  # the action is done; the reason stands
    assert pending_action(done.reasons) is None


def test_a_case_is_asked_to_call_the_hotline_whatever_they_do():
    from chalicelib.colours.model import StatusMark

    facts = replace(
        EXPOSED,
        exposures=(),
        marks=(StatusMark(status="confirmed", effective_at=NOW - timedelta(hours=1)),),
        tests=(TestResult(NOW - timedelta(minutes=30), "negative"),),
        declared_at=(NOW - timedelta(minutes=10),),
    )

    a = assess(facts, POLICY, NOW)
    assert pending_action(a.reasons).action.code == "call_hotline"


def test_the_worst_reason_shows_its_pop_up_first():
    from chalicelib.colours.model import StatusMark

    facts = replace(
        EXPOSED, marks=(StatusMark(status="confirmed", effective_at=VISIT + timedelta(hours=1)),)
    )

    a = assess(facts, POLICY, VISIT + timedelta(hours=5))
    assert pending_action(a.reasons).action.code == "call_hotline"


# --- vaccination --------------------------------------------------------------------------


def test_vaccination_changes_no_colour_unless_the_policy_says_so():
    facts = replace(
        EXPOSED,
        exposures=(),
        vaccinations=(Vaccination(dose_number=1, administered_at=NOW - timedelta(days=300)),),
    )

    assert assess(facts, POLICY, NOW).colour is Colour.GREEN
    strict = replace(POLICY, vaccination_required_doses=2)
    assert assess(facts, strict, NOW).colour is Colour.YELLOW
    boosted = replace(
        facts,
        vaccinations=(
            *facts.vaccinations,
            Vaccination(dose_number=2, administered_at=NOW - timedelta(days=200)),
        ),
    )
    assert assess(boosted, strict, NOW).colour is Colour.GREEN


def test_a_dose_sent_twice_counts_once_and_the_future_not_at_all():
    doses = (
        Vaccination(dose_number=1, administered_at=NOW - timedelta(days=30)),
        Vaccination(dose_number=1, administered_at=NOW - timedelta(days=30)),
        Vaccination(dose_number=2, administered_at=NOW + timedelta(days=1)),
    )

    summary = summarise(doses, NOW)
    assert (summary.doses, summary.last_at) == (1, NOW - timedelta(days=30))
