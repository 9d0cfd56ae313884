"""The FactsSource port: FakeFacts and the DynamoDB facts read the same facts alike. Each test
writes through the backend's seeder (tests/contracts/seeding.py for DynamoDB)."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.colours.model import (
    Colour,
    PartnerStatus,
    RiskArea,
    Stay,
    TestResult,
    Vaccination,
    VenueExposure,
    VenueScan,
)
from chalicelib.kernel.times import SHANGHAI


def test_given_nothing_when_read_then_no_facts(world, clock):
    facts, _, _ = world
    since = clock() - timedelta(days=15)

    assert facts.phone_hash_of("u_1") is None
    assert facts.stays("ph_1", since=since) == []
    assert facts.scans("p_1", since=since) == []
    assert facts.tests("ih_1") == []
    assert facts.exposures("p_1") == []
    assert facts.vaccinations("ih_1") == []
    assert facts.partner_statuses("fh_1") == []
    assert facts.active_risk() == (None, ())
    assert facts.active_risk(fresh=True) == (None, ())


def test_the_phone_of_an_account(world):
    facts, seed, _ = world
    seed.set_phone("u_1", "ph_1")

    assert facts.phone_hash_of("u_1") == "ph_1"


def test_stays_ending_since_the_moment_asked_and_not_expired(world, clock):
    facts, seed, _ = world
    now = clock()
    old = Stay("city", "440100", now - timedelta(days=20), now - timedelta(days=18))
    recent = Stay("city", "110100", now - timedelta(days=3), now - timedelta(days=2))
    seed.add_stay("ph_1", old, expires=now + timedelta(days=1))
    seed.add_stay("ph_1", recent, expires=now + timedelta(days=12))
    seed.add_stay("ph_2", recent, expires=now + timedelta(days=12))

    assert facts.stays("ph_1", since=now - timedelta(days=15)) == [recent]
    assert facts.stays("ph_1", since=now - timedelta(days=30)) == [old, recent]

    clock.now += timedelta(days=1)
    assert facts.stays("ph_1", since=now - timedelta(days=30)) == [recent]


def test_checkins_count_as_scans_with_the_checkpoints(world, clock):
    facts, seed, scans = world
    now = clock()
    visit = VenueScan(region_code="610104", at=now - timedelta(days=1))
    seed.add_checkin("p_1", visit, checkin_id="c1", expires=now + timedelta(days=14))
    seed.add_checkin(
        "p_1",
        VenueScan("610105", now - timedelta(days=9)),
        checkin_id="c0",
        expires=now + timedelta(days=1),
    )
    scans.add(
        person_id="p_1",
        scan_id="s1",
        venue_id="610113-0001",
        region_code="610113",
        scanned_by="u_cp",
        colour="green",
        at=now,
        expires=now + timedelta(days=15),
    )

    assert facts.scans("p_1", since=now - timedelta(days=2)) == [
        VenueScan("610113", now),
        visit,
    ]
    clock.now += timedelta(days=1)
    assert facts.scans("p_1", since=now - timedelta(days=10)) == [
        VenueScan("610113", now),
        visit,
    ]


def test_test_results_stand_until_their_expiry_a_positive_has_none(world, clock):
    facts, seed, _ = world
    now = clock()
    negative = TestResult(sampled_at=now - timedelta(days=1), result="negative", lab="lab1")
    positive = TestResult(sampled_at=now - timedelta(hours=5), result="positive", lab="lab2")
    seed.add_test("ih_1", negative, sample_id="s1", expires=now + timedelta(days=2))
    seed.add_test("ih_1", positive, sample_id="s2", expires=None)

    assert facts.tests("ih_1") == [negative, positive]
    clock.now += timedelta(days=2)
    assert facts.tests("ih_1") == [positive]
    assert facts.tests("ih_2") == []


def test_vaccinations_come_newest_first(world, clock):
    facts, seed, _ = world
    now = clock()
    first = Vaccination(1, now - timedelta(days=200), "CoronaVac")
    second = Vaccination(2, now - timedelta(days=170), "CoronaVac")
    seed.add_vaccination("ih_1", first, record_id="v1")
    seed.add_vaccination("ih_1", second, record_id="v2")
    seed.add_vaccination("ih_2", first, record_id="v3")

    assert facts.vaccinations("ih_1") == [second, first]


def test_exposures_stand_until_their_expiry(world, clock):
    facts, seed, _ = world
    now = clock()
    exposure = VenueExposure("610113-0001", "超市", now - timedelta(days=1), case_ref="case_1")
    seed.add_exposure("p_1", exposure, checkin_id="c1", expires=now + timedelta(days=13))

    assert facts.exposures("p_1") == [exposure]
    assert facts.exposures("p_2") == []
    clock.now += timedelta(days=13)
    assert facts.exposures("p_1") == []


def test_partner_statuses_stand_until_they_end(world, clock):
    facts, seed, _ = world
    now = clock()
    status = PartnerStatus(
        region="440100",
        colour=Colour.YELLOW,
        valid_until=now + timedelta(days=3),
        attested_at=now - timedelta(hours=1),
        reasons=("risk_area",),
    )
    seed.add_partner_status("fh_1", status)

    assert facts.partner_statuses("fh_1") == [status]
    clock.now += timedelta(days=3)
    assert facts.partner_statuses("fh_1") == []


def test_the_active_risk_snapshot_is_the_one_the_pointer_names(world, clock):
    facts, seed, _ = world
    now = clock()
    first = (RiskArea("610113", "high", now - timedelta(days=2), "某小区"),)
    second = (RiskArea("610102", "medium", now - timedelta(days=1), ""),)
    seed.store_risk("f1", first)
    seed.store_risk("f2", second)

    assert facts.active_risk(fresh=True) == (None, ())
    seed.activate("f1")
    assert facts.active_risk(fresh=True) == ("f1", first)
    seed.activate("f2")
    assert facts.active_risk(fresh=True) == ("f2", second)
    assert facts.active_risk() == ("f2", second)


def test_a_pointer_to_a_missing_snapshot_is_no_risk(world):
    facts, seed, _ = world
    seed.activate("f_missing")

    assert facts.active_risk(fresh=True) == (None, ())


def test_within_one_snapshot_every_answer_is_the_first(world, clock):
    facts, seed, _ = world
    areas = (RiskArea("610113", "high", clock(), ""),)
    seed.store_risk("f1", areas)
    seed.store_risk("f2", ())
    seed.activate("f1")

    with facts.one_snapshot():
        assert facts.active_risk(fresh=True) == ("f1", areas)
        seed.activate("f2")
        assert facts.active_risk(fresh=True) == ("f1", areas)

    assert facts.active_risk(fresh=True) == ("f2", ())


def test_scans_since_a_moment_compare_the_keys_text_so_since_must_be_utc(world, clock):
    """The scan key is ``<at ISO text>#<id>`` and the read is a range on that text: a
    ``since`` in another zone compares wrongly. Every caller passes UTC (``days_after``);
    this pins the quirk so the fake keeps it, and shows why ``since`` must stay UTC."""
    facts, _, scans = world
    now = clock()
    scans.add(
        person_id="p_1",
        scan_id="s1",
        venue_id="610113-0001",
        region_code="610113",
        scanned_by="u_cp",
        colour="green",
        at=now,
        expires=now + timedelta(days=15),
    )
    an_hour_before_in_shanghai = (now - timedelta(hours=1)).astimezone(SHANGHAI)

    assert facts.scans("p_1", since=now - timedelta(hours=1)) == [VenueScan("610113", now)]
    assert facts.scans("p_1", since=an_hour_before_in_shanghai) == []
