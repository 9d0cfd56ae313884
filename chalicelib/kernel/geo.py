"""Geohash cells and great-circle distances for "the nearest test sites".

A site is filed under its geohash cell at several precisions. A query picks
the finest precision whose cells are at least as wide and as tall as the
search radius (measured at the circle's latitude furthest from the equator),
so the circle always lies inside the centre cell and its eight neighbours:
nine small Query calls, whatever the size of the table.

The geohash itself is python-geohash's (a pure C extension, no I/O); what is
ours is the choice of precision and the nine cells around a point.
"""

from __future__ import annotations

import math

from chalicelib.kernel.errors import InvalidInput

BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
_BELOW_90 = math.nextafter(90.0, 0.0)
_BELOW_180 = math.nextafter(180.0, 0.0)
_NEAR_ZERO = 1e-12
PRECISIONS = (5, 4, 3, 2)  # finest first: 4.9 km, 39 km × 20 km, 156 km, 1,250 km × 625 km
EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG); distances are on this sphere
METRES_PER_DEGREE = 2 * math.pi * EARTH_RADIUS_M / 360  # 111,195 m on that sphere
MARGIN = 1.01  # cells must beat the radius by 1%: no float edge can drop a site


def encode(lat: float, lng: float, precision: int) -> str:
    """The geohash of a point (python-geohash, in C). The library puts 180° east back
    at 180° west and warns at 90° north; both edges are nudged inside, so a point
    there gets the easternmost / northernmost cell as it always did. It also misfiles
    magnitudes far below its fixed-point step (1e-252° east went one cell east): a
    coordinate within 1e-12° (a micrometre) of zero is taken as zero."""
    import geohash

    lat, lng = min(lat, _BELOW_90), min(lng, _BELOW_180)
    cell: str = geohash.encode(
        lat if abs(lat) >= _NEAR_ZERO else 0.0,
        lng if abs(lng) >= _NEAR_ZERO else 0.0,
        precision,
    )
    return cell


def centre(cell: str) -> tuple[float, float]:
    """The centre of a cell: neighbours are found from it, safely away from any edge."""
    import geohash

    lat, lng = geohash.decode(cell)
    return float(lat), float(lng)


def cell_size(precision: int) -> tuple[float, float]:
    """(height, width) of a cell in degrees of latitude and longitude."""
    bits = 5 * precision
    lng_bits = (bits + 1) // 2
    lat_bits = bits // 2
    return 180.0 / 2**lat_bits, 360.0 / 2**lng_bits


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def precision_for(lat: float, radius_m: float) -> int | None:
    """The finest precision whose cells cover ``radius_m`` both ways, or None (polar)."""
    reach = radius_m * MARGIN
    widest_lat = min(90.0, abs(lat) + reach / METRES_PER_DEGREE)
    for precision in PRECISIONS:
        height_deg, width_deg = cell_size(precision)
        height_m = height_deg * METRES_PER_DEGREE
        width_m = width_deg * METRES_PER_DEGREE * math.cos(math.radians(widest_lat))
        if height_m >= reach and width_m >= reach:
            return precision
    return None


def covering_cells(lat: float, lng: float, radius_m: float) -> tuple[int, list[str]]:
    """The precision and the (up to nine) cells that contain every point within the radius."""
    precision = precision_for(lat, radius_m)
    if precision is None:
        raise InvalidInput(
            "no nearby search this close to a pole", field="lat", code="unsupported_location"
        )
    height, width = cell_size(precision)
    mid_lat, mid_lng = centre(encode(lat, lng, precision))
    cells: list[str] = []
    for dlat in (-height, 0.0, height):
        shifted_lat = mid_lat + dlat
        if not -90.0 < shifted_lat < 90.0:
            continue  # nothing lies beyond the pole
        for dlng in (-width, 0.0, width):
            shifted_lng = (mid_lng + dlng + 180.0) % 360.0 - 180.0  # wraps at the antimeridian
            cell = encode(shifted_lat, shifted_lng, precision)
            if cell not in cells:
                cells.append(cell)
    return precision, cells


NEAR_ZERO = 1e-9  # degrees: a tenth of a millimetre


def parse_coordinate(raw: object, *, field: str, limit: float) -> float:
    """A finite decimal degree within ±limit, from a query string or a JSON number."""
    if isinstance(raw, bool):
        raise InvalidInput("must be a number of decimal degrees", field=field)
    if isinstance(raw, str):
        text = raw.strip()
        if not text or len(text) > 32:
            raise InvalidInput("must be a number of decimal degrees", field=field)
        try:
            value = float(text)
        except ValueError:
            raise InvalidInput("must be a number of decimal degrees", field=field) from None
    elif isinstance(raw, int | float):
        value = float(raw)
    else:
        raise InvalidInput("must be a number of decimal degrees", field=field)
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise InvalidInput(f"must be between -{limit:g} and {limit:g}", field=field)
    # Within a tenth of a millimetre of zero is zero: DynamoDB cannot store a number as
    # small as 5e-271 (its numbers stop at 1e-130), and no place is told apart by it.
    return 0.0 if abs(value) < NEAR_ZERO else value
