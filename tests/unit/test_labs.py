"""Lab rows, badges and the geohash cover: pure rules, no AWS."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.colours.model import TestResult
from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.geo import (
    cell_size,
    centre,
    covering_cells,
    distance_m,
    encode,
    parse_coordinate,
    precision_for,
)
from chalicelib.kernel.reference_data import divisions, parse_id_number
from chalicelib.labs.rules import (
    RESULT_RETENTION,
    badge,
    badge_of,
    parse_results,
    parse_site,
    result_expiry,
)
from tests.helpers import make_id_number

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
ID = make_id_number("61011319900101123")


def row(**overrides):
    base = {
        "id_number": ID,
        "sample_id": "S-0001",
        "lab": "金域医学",
        "result": "negative",
        "sampled_at": "2026-11-19T08:00:00+08:00",
        "reported_at": "2026-11-19T20:00:00+08:00",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}


def parse(*rows):
    return parse_results(list(rows), parse_id_number=parse_id_number, now=NOW)


def test_a_good_row_is_parsed_with_its_times_in_utc_order():
    (parsed,) = parse(row())
    assert parsed.id_number == ID and parsed.result == "negative"
    assert parsed.sampled_at == datetime(2026, 11, 19, 0, 0, tzinfo=UTC)
    assert parsed.sample_ref == "金域医学#S-0001"


def test_reported_at_defaults_to_now():
    (parsed,) = parse(row(reported_at=...))
    assert parsed.reported_at == NOW


@pytest.mark.parametrize(
    ("bad", "field", "code"),
    [
        (
            {"id_number": ID[:-1] + ("0" if ID[-1] != "0" else "1")},
            "id_number",
            "invalid_id_number",
        ),
        ({"id_number": 123}, "id_number", None),
        ({"sample_id": ""}, "sample_id", None),
        ({"sample_id": "a#b"}, "sample_id", None),
        ({"sample_id": "x" * 65}, "sample_id", None),
        ({"lab": "  "}, "lab", None),
        ({"lab": "lab\nname"}, "lab", None),
        ({"result": "Negative"}, "result", None),
        ({"result": None}, "result", None),
        ({"sampled_at": "2026-11-19 08:00"}, "sampled_at", None),
        ({"sampled_at": "2026-11-20T11:00:00+08:00"}, "sampled_at", None),  # an hour ahead
        ({"sampled_at": "2026-10-19T08:00:00+08:00"}, "sampled_at", "sample_too_old"),
        ({"reported_at": "2026-11-19T07:59:59+08:00"}, "reported_at", None),  # before sampling
        ({"reported_at": "2026-11-20T11:00:00+08:00"}, "reported_at", None),
    ],
)
def test_a_bad_row_names_its_index_and_field(bad, field, code):
    with pytest.raises(InvalidInput) as caught:
        parse(row(), row(**({"sample_id": "S-0002"} | bad)))
    assert caught.value.field == f"results[1].{field}"
    if code:
        assert caught.value.code == code


def test_a_sample_repeated_with_the_same_result_collapses():
    assert len(parse(row(), row())) == 1


def test_a_sample_repeated_with_another_result_is_refused():
    with pytest.raises(InvalidInput) as caught:
        parse(row(), row(result="positive"))
    assert (caught.value.field, caught.value.code) == ("results[1].sample_id", "sample_repeated")


def test_the_same_sample_id_at_two_labs_is_two_samples():
    assert len(parse(row(), row(lab="迪安诊断"))) == 2


# --- badges -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(0), "24h"),
        (timedelta(hours=24), "24h"),
        (timedelta(hours=24, seconds=1), "48h"),
        (timedelta(hours=48), "48h"),
        (timedelta(hours=48, seconds=1), "72h"),
        (timedelta(hours=72), "72h"),
        (timedelta(hours=72, seconds=1), "7d"),
        (timedelta(days=7), "7d"),
        (timedelta(days=7, seconds=1), None),
    ],
)
def test_badges_count_from_sampling_at_their_edges(age, expected):
    assert badge(NOW - age, NOW) == expected


def test_a_checkpoint_sees_only_a_negative_newest_result():
    positive = TestResult(NOW - timedelta(hours=3), "positive", lab="L")
    negative = TestResult(NOW - timedelta(hours=30), "negative", lab="L")
    assert badge_of(positive, NOW, negative_only=True) is None
    assert badge_of(positive, NOW).result == "positive"
    shown = badge_of(negative, NOW, negative_only=True)
    assert (shown.result, shown.badge, shown.lab) == ("negative", "48h", "L")
    assert badge_of(None, NOW) is None


def test_a_positive_is_kept_until_cleared_others_for_the_retention():
    assert result_expiry("positive", NOW) is None
    assert result_expiry("negative", NOW) == NOW + RESULT_RETENTION
    assert result_expiry("invalid", NOW) == NOW + RESULT_RETENTION


# --- geohash and distances ------------------------------------------------------------------


def test_geohash_matches_the_published_example():
    # the example from the geohash documentation: 57.64911, 10.40744 → u4pruydqqvj
    assert encode(57.64911, 10.40744, 11) == "u4pruydqqvj"
    assert encode(57.64911, 10.40744, 5) == "u4pru"


def test_cell_sizes():
    assert cell_size(5) == pytest.approx((180 / 2**12, 360 / 2**13))
    assert cell_size(4) == pytest.approx((180 / 2**10, 360 / 2**10))


def test_distance_between_beijing_and_shanghai():
    # Tiananmen (39.9087, 116.3975) to the Bund (31.2400, 121.4900): about 1,067 km
    assert distance_m(39.9087, 116.3975, 31.2400, 121.4900) == pytest.approx(1_067_000, rel=0.01)
    assert distance_m(34.2, 108.9, 34.2, 108.9) == 0


def test_small_radii_use_fine_cells_and_large_ones_coarse():
    assert precision_for(34.26, 2_000) == 5
    assert precision_for(34.26, 10_000) == 4
    assert precision_for(34.26, 50_000) == 3
    assert precision_for(53.5, 50_000) == 3  # Mohe: cells narrow towards the pole


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-80, 80),
    lng=st.floats(-180, 180, exclude_max=True),
    radius=st.floats(100, 50_000),
    bearing=st.floats(0, 2 * math.pi),
    fraction=st.floats(0, 1),
)
def test_every_point_within_the_radius_lies_in_the_covering_cells(
    lat, lng, radius, bearing, fraction
):
    precision, cells = covering_cells(lat, lng, radius)
    assert len(cells) <= 9
    # a point at distance fraction × radius along the bearing (spherical destination formula)
    d = fraction * radius / 6_371_008.8
    p1, l1 = math.radians(lat), math.radians(lng)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing))
    l2 = l1 + math.atan2(
        math.sin(bearing) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    lat2 = math.degrees(p2)
    lng2 = (math.degrees(l2) + 180) % 360 - 180
    assert encode(lat2, lng2, precision) in cells


@pytest.mark.parametrize(
    "raw", ["", "abc", "nan", "inf", "-inf", "91", "1e400", True, None, [], {}, "9" * 40]
)
def test_bad_coordinates_are_refused(raw):
    with pytest.raises(InvalidInput) as caught:
        parse_coordinate(raw, field="lat", limit=90)
    assert caught.value.field == "lat"


def test_coordinates_from_text_and_numbers():
    assert parse_coordinate(" 34.25 ", field="lat", limit=90) == 34.25
    assert parse_coordinate(-180, field="lng", limit=180) == -180.0


# --- site rows -------------------------------------------------------------------------------


def site(**overrides):
    base = {
        "site_id": "xa-001",
        "name": "西安市第四医院核酸采样点",
        "address": "西安市新城区解放路21号",
        "region_code": "610102",
        "lat": "34.2655",
        "lng": "108.9574",
        "hours": "08:00-20:00",
    }
    return base | overrides


def test_a_site_row_is_parsed():
    parsed = parse_site(site(), divisions=divisions(), where="sites[0]")
    assert (parsed.lat, parsed.lng, parsed.region_code) == (34.2655, 108.9574, "610102")


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"site_id": "a b"}, "site_id"),
        ({"name": ""}, "name"),
        ({"region_code": "999999"}, "region_code"),
        ({"lat": "north"}, "lat"),
        ({"lng": "181"}, "lng"),
    ],
)
def test_a_bad_site_row_names_the_field(bad, field):
    with pytest.raises(InvalidInput) as caught:
        parse_site(site(**bad), divisions=divisions(), where="sites[3]")
    assert caught.value.field == f"sites[3].{field}"


def test_a_cell_centre_encodes_back_to_the_cell():
    rng = random.Random(5)
    for _ in range(500):
        cell = encode(rng.uniform(-89, 89), rng.uniform(-180, 179.999), rng.choice((2, 3, 4, 5)))
        assert encode(*centre(cell), len(cell)) == cell


def test_a_coarser_cell_is_a_prefix_of_a_finer_one():
    rng = random.Random(8)
    for _ in range(500):
        lat, lng = rng.uniform(-89, 89), rng.uniform(-180, 179.999)
        assert encode(lat, lng, 5).startswith(encode(lat, lng, 4))
        assert encode(lat, lng, 4).startswith(encode(lat, lng, 2))


# --- arbitrary input: a value or a domain error, never another exception --------------------

JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
FIELDS = ["id_number", "sample_id", "lab", "result", "sampled_at", "reported_at"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(FIELDS), JUNK | st.just(ID)), max_size=4))
def test_any_lab_batch_parses_or_names_a_row(rows):
    try:
        parsed = parse(*rows)
    except InvalidInput as exc:
        assert exc.field is not None and exc.field.startswith("results[")
    else:
        assert len(parsed) <= len(rows)


SITE_FIELDS = ["site_id", "name", "address", "region_code", "lat", "lng", "hours"]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(SITE_FIELDS), JUNK))
def test_any_site_row_parses_or_names_its_field(row):
    try:
        parse_site(site() | row, divisions=divisions(), where="sites[0]")
    except InvalidInput as exc:
        assert exc.field is not None and exc.field.startswith("sites[0].")
