"""ColourService over the fakes: recolouring from facts, expiry, status marks, the
optimistic lock's retries, and the stored colour that codes read."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.colours.model import Colour, RiskArea, StatusMark, Stay, TestResult, VenueScan
from chalicelib.colours.service import MAX_ATTEMPTS
from chalicelib.kernel.errors import Conflict, NotFound, UpstreamUnavailable
from tests.fakes.builders import declaration, mark, person
from tests.fakes.colours import FakeColours


def _recolour(service, person_id="p_1", **kwargs):
    return service.recolour(person_id, actor="u_1", actor_role="citizen", reason="test", **kwargs)


@pytest.fixture
def filed(stores):
    """A person with an approved declaration this morning: green on its own."""
    p = stores.file(person("p_1", owner="u_1"))
    stores.declarations.add(
        declaration("d_1", at=stores.clock() - timedelta(hours=1)), payload_enc="x"
    )
    return p


def test_given_an_approved_declaration_when_recoloured_then_green_stored_and_audited(
    colour_service, stores, filed, clock
):
    assessment = _recolour(colour_service)

    assert assessment.colour is Colour.GREEN
    stored = colour_service.current("p_1")
    assert stored.assessment == assessment
    assert (stored.version, stored.holder_id, stored.owner_user_id) == (1, filed.holder_id, "u_1")
    [event] = stores.audit.events
    assert (event.action, event.subject_id, event.before) == ("colour_changed", "p_1", None)
    assert event.after == {
        "colour": "green",
        "reasons": [],
        "policy_version": assessment.policy_version,
        "feed_id": None,
    }


def test_given_no_declaration_when_recoloured_then_pending(colour_service, stores):
    stores.file(person("p_1"))

    assert _recolour(colour_service).colour is Colour.PENDING
    assert [r.code for r in colour_service.current("p_1").assessment.reasons] == ["no_declaration"]


def test_given_no_such_person_when_recoloured_then_not_found_and_nothing_stored(
    colour_service, stores
):
    with pytest.raises(NotFound) as caught:
        _recolour(colour_service, "p_missing")

    assert caught.value.code == "person_not_found"
    assert stores.colours.rows == {} and stores.audit.events == []


def test_given_the_same_facts_when_recoloured_again_then_stored_anew_but_audited_once(
    colour_service, stores, filed
):
    _recolour(colour_service)
    _recolour(colour_service)

    assert colour_service.current("p_1").version == 2
    assert len(stores.audit.events) == 1


def test_given_a_positive_test_when_recoloured_then_red_with_the_badge_source_stored(
    colour_service, stores, filed, clock
):
    positive = TestResult(sampled_at=clock() - timedelta(hours=6), result="positive", lab="lab1")
    stores.facts.add_test(filed.id_hash, positive, sample_id="s1", expires=None)

    assessment = _recolour(colour_service)

    assert assessment.colour is Colour.RED
    assert "positive_test" in [r.code for r in assessment.reasons]
    assert colour_service.current("p_1").latest_test == positive


def test_a_result_sampled_in_the_future_is_not_the_latest_test(
    colour_service, stores, filed, clock
):
    later = TestResult(sampled_at=clock() + timedelta(hours=1), result="negative", lab="lab1")
    stores.facts.add_test(filed.id_hash, later, sample_id="s1", expires=None)

    _recolour(colour_service)

    assert colour_service.current("p_1").latest_test is None


def test_given_an_approved_status_mark_then_yellow_until_it_ends_and_green_after(
    colour_service, stores, filed, clock
):
    stores.marks.add(mark("m_1", id_hash=filed.id_hash, at=clock(), status="secondary_contact"))
    stores.marks.approve(
        stores.marks.get("m_1"), approver="official_b", person_id="p_1", now=clock()
    )

    yellow = _recolour(colour_service)

    assert yellow.colour is Colour.YELLOW
    assert yellow.valid_until is not None
    assert "p_1" in stores.colours.due(
        yellow.valid_until.strftime("%Y-%m-%dT%H"), until=yellow.valid_until
    )

    clock.now = yellow.valid_until
    after = _recolour(colour_service)

    assert after.colour is Colour.GREEN
    assert [e.after["colour"] for e in stores.audit.events] == ["yellow", "green"]
    assert stores.audit.events[-1].before["colour"] == "yellow"


def test_a_mark_awaiting_its_second_official_changes_nothing(colour_service, stores, filed, clock):
    stores.marks.add(mark("m_1", id_hash=filed.id_hash, at=clock(), status="confirmed"))

    assert _recolour(colour_service).colour is Colour.GREEN


def test_a_fresh_mark_counts_before_the_index_shows_it(colour_service, stores, filed, clock):
    fresh = StatusMark(
        status="close_contact", effective_at=clock(), contact_date=date(2026, 11, 19)
    )

    assert _recolour(colour_service, fresh_mark=fresh).colour is Colour.RED


def test_a_fresh_declaration_replaces_its_older_copy(colour_service, stores, filed, clock):
    pending = declaration("d_2", at=clock(), status="pending_review", symptoms=("fever",))

    assessment = _recolour(colour_service, fresh=pending)

    assert assessment.colour is Colour.YELLOW
    assert [r.code for r in assessment.reasons] == ["declared_symptoms", "pending_review"]
    assert stores.declarations.latest("p_1").declaration_id == "d_1"  # not yet filed


def test_given_a_stay_in_a_high_risk_city_when_recoloured_then_red_and_starred(
    colour_service, stores, filed, clock
):
    now = clock()
    stores.facts.set_phone("u_1", "ph_1")
    stores.facts.add_stay(
        "ph_1",
        Stay("city", "440100", now - timedelta(days=3), now - timedelta(days=2)),
        expires=now + timedelta(days=12),
    )
    stores.facts.store_risk("f1", (RiskArea("440106", "high", now - timedelta(days=5), ""),))
    stores.facts.activate("f1")

    assessment = _recolour(colour_service)

    stored = colour_service.current("p_1")
    assert assessment.feed_id == "f1"
    assert stored.itinerary_starred is True
    assert assessment.colour is Colour.YELLOW
    assert [r.code for r in assessment.reasons] == ["high_risk_area_stay"]


def test_a_dependant_is_not_coloured_by_the_guardians_phone(colour_service, stores, clock):
    now = clock()
    stores.file(person("p_dep", owner="u_1", relation="dependant"))
    stores.declarations.add(
        declaration("d_dep", person_id="p_dep", at=now - timedelta(hours=1)), payload_enc="x"
    )
    stores.facts.set_phone("u_1", "ph_1")
    stores.facts.add_stay(
        "ph_1",
        Stay("country", "US", now - timedelta(days=3), now - timedelta(days=2)),
        expires=now + timedelta(days=12),
    )

    assert _recolour(colour_service, "p_dep").colour is Colour.GREEN
    assert colour_service.current("p_dep").itinerary_starred is None


def test_a_scan_in_a_risk_district_is_a_fact_of_the_next_recolour(
    colour_service, stores, filed, clock
):
    now = clock()
    stores.facts.store_risk("f1", (RiskArea("610104", "high", now - timedelta(days=3), ""),))
    stores.facts.activate("f1")
    assert _recolour(colour_service).colour is Colour.GREEN

    visit = VenueScan("610104", now - timedelta(days=1))
    stores.facts.add_checkin("p_1", visit, checkin_id="c1", expires=now + timedelta(days=14))

    assessment = _recolour(colour_service)
    assert assessment.colour is Colour.RED
    assert [r.code for r in assessment.reasons] == ["high_risk_area_stay"]


class RacingColours(FakeColours):
    """Another writer saves between our read and our write, ``races`` times."""

    def __init__(self, races: int) -> None:
        super().__init__()
        self.races = races

    def save(self, person, assessment, *, expected_version, **kwargs):
        if self.races:
            self.races -= 1
            super().save(person, assessment, expected_version=expected_version, **kwargs)
        return super().save(person, assessment, expected_version=expected_version, **kwargs)


def test_given_a_write_lands_first_when_recoloured_then_it_reads_again_and_wins(
    colour_service, stores, filed
):
    colour_service.colours = RacingColours(races=2)

    assert _recolour(colour_service).colour is Colour.GREEN

    assert colour_service.colours.get("p_1").version == 3  # two racers, then ours


def test_given_writers_always_first_when_recoloured_then_contended(colour_service, filed):
    colour_service.colours = RacingColours(races=MAX_ATTEMPTS)

    with pytest.raises(UpstreamUnavailable) as caught:
        _recolour(colour_service)

    assert caught.value.code == "recolour_contended"


def test_a_conflict_other_than_a_stale_write_is_not_retried(colour_service, filed):
    class Refusing(FakeColours):
        def save(self, *args, **kwargs):
            raise Conflict("no", code="something_else")

    colour_service.colours = Refusing()

    with pytest.raises(Conflict) as caught:
        _recolour(colour_service)

    assert caught.value.code == "something_else"


def test_becoming_a_case_and_stopping_are_each_seen_once(colour_service, stores, filed, clock):
    seen = []
    colour_service.publish = lambda event: [seen.append((event.person_id, event.became_case))]
    _recolour(colour_service)
    positive = TestResult(sampled_at=clock() - timedelta(hours=1), result="positive", lab="l")
    stores.facts.add_test(filed.id_hash, positive, sample_id="s1", expires=None)

    _recolour(colour_service)
    _recolour(colour_service)
    corrected = TestResult(sampled_at=positive.sampled_at, result="negative", lab="l")
    stores.facts.add_test(filed.id_hash, corrected, sample_id="s1", expires=None)
    _recolour(colour_service)

    assert seen == [("p_1", True), ("p_1", False)]


def test_recolour_many_counts_the_people_and_skips_the_unknown(colour_service, stores, filed):
    stores.file(person("p_2"))

    counts = colour_service.recolour_many(["p_1", "p_2", "p_missing"], reason="feed")

    assert counts == {"recoloured": 2, "changed": 2, "skipped": 1, "failed": 0}
    assert colour_service.current("p_2").assessment.colour is Colour.PENDING
    assert {e.reason for e in stores.audit.events} == {"feed"}
    assert {(e.actor, e.actor_role) for e in stores.audit.events} == {("system", "system")}

    again = colour_service.recolour_many(["p_1", "p_2"], reason="feed")
    assert again["changed"] == 0  # nothing moved: no audit event, nothing counted


def test_a_scan_driven_recolour_is_audited_with_its_source(colour_service, stores, filed):
    colour_service.recolour_many(
        ["p_1"], reason="scan:610113:610113-0a0b0c0d", actor="u_gate", actor_role="checkpoint"
    )

    [event] = stores.audit.events
    assert (event.actor, event.actor_role) == ("u_gate", "checkpoint")
    assert event.reason == "scan:610113:610113-0a0b0c0d"


def test_recolour_many_colours_everyone_from_one_risk_snapshot(
    colour_service, stores, filed, clock
):
    stores.file(person("p_2"))
    stores.facts.store_risk("f1", ())
    stores.facts.store_risk("f2", ())
    stores.facts.activate("f1")
    switch_after_first = stores.colours.save

    def save(*args, **kwargs):
        stores.facts.activate("f2")  # a new snapshot lands mid-batch
        return switch_after_first(*args, **kwargs)

    stores.colours.save = save

    colour_service.recolour_many(["p_1", "p_2"], reason="feed")

    assert {colour_service.current(p).assessment.feed_id for p in ("p_1", "p_2")} == {"f1"}
    assert _recolour(colour_service).feed_id == "f2"
