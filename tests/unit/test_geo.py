"""Geohash cells from python-geohash: the same cells the hand-written encoder gave.

Sites are stored under their cells, so a library that put any point in another
cell would hide sites filed before the change. ``_reference`` is the
definition of the geohash (longitude bit first, halving intervals, 5 bits a
character), as the project wrote it before; the library must agree with it
everywhere, the edges at 90° N and 180° E included, but within 1e-12° of zero
(taken as zero: the library misfiles far smaller magnitudes).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.kernel import geo


def _reference(lat: float, lng: float, precision: int) -> str:
    lat_lo, lat_hi, lng_lo, lng_hi = -90.0, 90.0, -180.0, 180.0
    chars: list[str] = []
    bit, value, even = 0, 0, True
    while len(chars) < precision:
        if even:
            mid = (lng_lo + lng_hi) / 2
            if lng >= mid:
                value, lng_lo = value * 2 + 1, mid
            else:
                value, lng_hi = value * 2, mid
        else:
            mid = (lat_lo + lat_hi) / 2
            if lat >= mid:
                value, lat_lo = value * 2 + 1, mid
            else:
                value, lat_hi = value * 2, mid
        even = not even
        bit += 1
        if bit == 5:
            chars.append(geo.BASE32[value])
            bit, value = 0, 0
    return "".join(chars)


def _degrees(limit: float) -> st.SearchStrategy[float]:
    """Coordinates as clients send them, and the edges: the poles, the antimeridian,
    zero and magnitudes near it (far below the library's fixed-point step)."""
    edges = st.sampled_from([-limit, 0.0, limit, -0.0, 34.2, 108.9, -1e-9, 1e-252, -5e-324])
    return st.floats(-limit, limit) | edges | st.floats(-1e-11, 1e-11)


def _reference_filing(lat: float, lng: float, precision: int) -> str:
    """Where the previous encoder filed a point, but for a coordinate within 1e-12° of
    zero, which ``geo.encode`` takes as zero (a micrometre; no site is there)."""
    near = geo._NEAR_ZERO
    return _reference(lat if abs(lat) >= near else 0.0, lng if abs(lng) >= near else 0.0, precision)


lats, lngs = _degrees(90.0), _degrees(180.0)


@given(lats, lngs, st.integers(1, 9))
def test_the_library_files_every_point_where_the_reference_does(lat, lng, precision):
    assert geo.encode(lat, lng, precision) == _reference_filing(lat, lng, precision)


@given(st.text(alphabet=geo.BASE32, min_size=1, max_size=9))
def test_a_cells_centre_lies_in_the_cell(cell):
    lat, lng = geo.centre(cell)

    assert geo.encode(lat, lng, len(cell)) == cell
    height, width = geo.cell_size(len(cell))
    assert math.isclose((lat + 90) / height % 1, 0.5) and math.isclose((lng + 180) / width % 1, 0.5)


@pytest.mark.parametrize(
    ("lat", "lng", "cell"),
    [(42.6, -5.6, "ezs42"), (57.64911, 10.40744, "u4pruydqqvj"[:5]), (90.0, 180.0, "zzzzz")],
)
def test_known_cells(lat, lng, cell):
    assert geo.encode(lat, lng, 5) == cell


def test_the_north_pole_gives_no_warning(recwarn):
    geo.encode(90.0, 0.0, 5)

    assert not recwarn.list


@pytest.mark.parametrize(
    ("raw", "kept"),
    [(5.304351635447516e-271, 0.0), (-1e-200, 0.0), (34.123456789, 34.123456789), ("34.5", 34.5)],
)
def test_a_coordinate_next_to_zero_is_zero(raw, kept):
    """The HTTP fuzz found a latitude of 5.3e-271 that DynamoDB cannot store (its numbers
    stop at 1e-130): a 500. Within a tenth of a millimetre of zero is zero; any other
    coordinate is kept as sent (the distances to test sites depend on it)."""
    value = geo.parse_coordinate(raw, field="lat", limit=90)

    assert value == kept and math.copysign(1, value) == math.copysign(1, kept)
