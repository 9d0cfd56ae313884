"""The Colours port and the scan log: the fakes and DynamoDB alike."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.colours.model import Colour, TestResult, VaccinationSummary
from chalicelib.kernel.errors import Conflict
from tests.fakes.builders import green, person, red, yellow


def test_given_no_colour_when_read_then_none(colours):
    assert colours.get("p_missing") is None
    assert colours.get("p_missing", consistent=True) is None
    assert colours.by_holder("h_missing") is None


def test_a_first_save_stores_version_1_with_the_persons_masks(colours, clock):
    p = person("p_1")
    assessment = red(clock())
    test = TestResult(sampled_at=clock() - timedelta(hours=3), result="positive", lab="lab1")
    vaccination = VaccinationSummary(doses=2, last_at=clock() - timedelta(days=90))

    saved = colours.save(
        p,
        assessment,
        expected_version=None,
        itinerary_starred=True,
        latest_test=test,
        vaccination=vaccination,
    )

    assert saved.version == 1
    assert saved.assessment == assessment
    assert saved.computed_at == assessment.as_of
    assert (saved.holder_id, saved.name_masked, saved.id_masked, saved.owner_user_id) == (
        p.holder_id,
        p.name_masked,
        p.id_masked,
        p.owner_user_id,
    )
    assert (saved.itinerary_starred, saved.latest_test, saved.vaccination) == (
        True,
        test,
        vaccination,
    )
    assert colours.get("p_1") == saved
    assert colours.get("p_1", consistent=True) == saved
    assert colours.by_holder(p.holder_id) == saved


def test_reasons_keep_their_ends_starts_and_actions(colours, clock):
    assessment = red(clock())
    assert any(r.action for r in assessment.reasons) and any(r.since for r in assessment.reasons)

    colours.save(person("p_1"), assessment, expected_version=None)

    assert colours.get("p_1").assessment.reasons == assessment.reasons


def test_no_doses_stores_no_vaccination(colours, clock):
    saved = colours.save(
        person("p_1"),
        green(clock()),
        expected_version=None,
        vaccination=VaccinationSummary(doses=0, last_at=None),
    )

    assert saved.vaccination is None
    assert colours.get("p_1").vaccination is None


def test_a_save_on_the_version_read_bumps_it(colours, clock):
    first = colours.save(person("p_1"), green(clock()), expected_version=None)
    clock.now += timedelta(hours=1)

    second = colours.save(person("p_1"), red(clock()), expected_version=first.version)

    assert second.version == 2
    assert colours.get("p_1").assessment.colour is Colour.RED


def test_two_writers_from_one_read_the_second_loses_with_stale_write(colours, clock):
    first = colours.save(person("p_1"), green(clock()), expected_version=None)
    colours.save(person("p_1"), red(clock()), expected_version=first.version)

    with pytest.raises(Conflict) as caught:
        colours.save(person("p_1"), green(clock()), expected_version=first.version)

    assert caught.value.code == "stale_write"
    assert colours.get("p_1").assessment.colour is Colour.RED


def test_a_first_save_racing_another_first_save_loses(colours, clock):
    colours.save(person("p_1"), red(clock()), expected_version=None)

    with pytest.raises(Conflict) as caught:
        colours.save(person("p_1"), green(clock()), expected_version=None)

    assert caught.value.code == "stale_write"
    assert colours.get("p_1").version == 1


def test_a_save_expecting_a_version_of_a_colour_never_stored_loses(colours, clock):
    with pytest.raises(Conflict) as caught:
        colours.save(person("p_1"), green(clock()), expected_version=3)

    assert caught.value.code == "stale_write"
    assert colours.get("p_1") is None


def test_due_lists_colours_ending_in_the_hour_bucket_by_the_moment(colours, clock):
    ending = yellow(clock())
    assert ending.valid_until is not None
    colours.save(person("p_1"), ending, expected_version=None)
    colours.save(person("p_2"), green(clock()), expected_version=None)  # never ends
    bucket = ending.valid_until.strftime("%Y-%m-%dT%H")

    assert colours.due(bucket, until=ending.valid_until) == ["p_1"]
    assert colours.due(bucket, until=ending.valid_until - timedelta(seconds=1)) == []
    other_hour = (ending.valid_until + timedelta(hours=1)).strftime("%Y-%m-%dT%H")
    assert colours.due(other_hour, until=ending.valid_until + timedelta(days=1)) == []


def test_a_recolour_to_green_leaves_the_due_bucket(colours, clock):
    ending = yellow(clock())
    first = colours.save(person("p_1"), ending, expected_version=None)
    colours.save(person("p_1"), green(clock()), expected_version=first.version)

    bucket = ending.valid_until.strftime("%Y-%m-%dT%H")
    assert colours.due(bucket, until=ending.valid_until) == []


# -- the scan log, read back through the colour facts ------------------------------------


def _scan(scans, clock, *, person_id="p_1", scan_id="s1", region="610113", at=None):
    at = at or clock()
    scans.add(
        person_id=person_id,
        scan_id=scan_id,
        venue_id=f"{region}-0001" if region else None,
        region_code=region,
        scanned_by="u_checkpoint",
        colour="green",
        at=at,
        expires=at + timedelta(days=15),
    )


def test_scans_at_a_known_district_are_facts_since_the_moment_asked(world, clock):
    facts, _, scans = world
    earlier = clock() - timedelta(days=3)
    _scan(scans, clock, scan_id="s_old", at=earlier)
    _scan(scans, clock, scan_id="s_new", region="610102")
    _scan(scans, clock, scan_id="s_nowhere", region=None)

    found = facts.scans("p_1", since=earlier - timedelta(hours=1))

    assert [(s.region_code, s.at) for s in found] == [("610113", earlier), ("610102", clock())]
    assert [s.region_code for s in facts.scans("p_1", since=clock())] == ["610102"]
    assert facts.scans("p_other", since=earlier) == []


def test_a_scan_past_its_retention_is_no_fact(world, clock):
    facts, _, scans = world
    since = clock() - timedelta(days=1)
    _scan(scans, clock)

    clock.now += timedelta(days=15)

    assert facts.scans("p_1", since=since) == []


def test_the_same_scan_logged_twice_is_one_fact(world, clock):
    facts, _, scans = world
    _scan(scans, clock)
    _scan(scans, clock)

    assert len(facts.scans("p_1", since=clock() - timedelta(hours=1))) == 1
