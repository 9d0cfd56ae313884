"""The nearest test sites through the API on moto, against a brute-force answer."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from chalicelib.kernel.geo import distance_m
from chalicelib.labs.rules import TestSite
from chalicelib.labs.store import TestSiteRecord
from tests.helpers import assert_error, body, get

DEMO_SITES = Path(__file__).resolve().parents[2] / "scripts" / "demo_data" / "test-sites.csv"


def random_sites(rng: random.Random, count: int, lat: float, lng: float, spread: float):
    return [
        TestSite(
            site_id=f"site-{n:04d}",
            name=f"采样点{n}",
            address=f"测试路{n}号",
            region_code="610113",
            lat=round(lat + rng.uniform(-spread, spread), 6),
            lng=round(lng + rng.uniform(-spread, spread), 6),
            hours=None if n % 3 else "08:00-20:00",
        )
        for n in range(count)
    ]


def brute_force(sites, lat, lng, radius_km, limit):
    found = []
    for site in sites:
        d = distance_m(lat, lng, site.lat, site.lng)
        if d <= radius_km * 1000:
            found.append((round(d), site.site_id))
    return sorted(found)[:limit]


def nearest(client, lat, lng, **query):
    params = "&".join(f"{k}={v}" for k, v in {"lat": lat, "lng": lng, **query}.items())
    response = get(client, f"/v1/test-sites?{params}")
    assert response.status_code == 200, response.body
    return body(response)["items"]


def test_the_nearest_sites_match_a_brute_force_search_on_random_points(client, container):
    rng = random.Random(20261128)
    sites = random_sites(rng, 400, 34.25, 108.95, 0.6)  # Xi'an and about 60 km around
    container.test_sites.load(sites)

    for _ in range(25):
        lat, lng = 34.25 + rng.uniform(-0.5, 0.5), 108.95 + rng.uniform(-0.5, 0.5)
        radius = rng.choice([1, 3, 5, 10, 25, 50])
        limit = rng.choice([1, 5, 10, 50])
        items = nearest(client, lat, lng, radius_km=radius, limit=limit)

        assert [(i["distance_m"], i["site_id"]) for i in items] == brute_force(
            sites, lat, lng, radius, limit
        )


def test_a_query_reads_at_most_nine_cells(client, container, monkeypatch):
    container.test_sites.load(random_sites(random.Random(1), 50, 39.9, 116.4, 0.2))
    cells = []
    original = TestSiteRecord.query

    def counting(hash_key, *args, **kwargs):
        cells.append(hash_key)
        return original(hash_key, *args, **kwargs)

    monkeypatch.setattr(TestSiteRecord, "query", counting)
    for radius in (1, 10, 50):
        cells.clear()
        nearest(client, 39.9, 116.4, radius_km=radius)
        assert 1 <= len(cells) <= 9


def test_a_site_shows_its_details_and_distance(client, container):
    container.test_sites.load(
        [TestSite("xa-001", "西安市第四医院核酸采样点", "解放路21号", "610102", 34.2666, 108.9623)]
    )

    (item,) = nearest(client, 34.2656, 108.9623)

    assert item == {
        "site_id": "xa-001",
        "name": "西安市第四医院核酸采样点",
        "address": "解放路21号",
        "region_code": "610102",
        "lat": 34.2666,
        "lng": 108.9623,
        "hours": None,
        "distance_m": 111,
    }


def test_a_reloaded_site_that_moved_leaves_its_old_cells(client, container):
    site = TestSite("bj-9", "采样点", "地址", "110101", 39.91, 116.41)
    container.test_sites.load([site])
    moved = TestSite("bj-9", "采样点", "新地址", "110105", 39.97, 116.42)

    counts = container.test_sites.load([moved])

    assert counts == {"added": 0, "moved": 1, "updated": 0}
    assert nearest(client, 39.91, 116.41, radius_km=1) == []
    (item,) = nearest(client, 39.97, 116.42, radius_km=1)
    assert item["address"] == "新地址"
    assert TestSiteRecord.count() == 5  # four precisions and the id item


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lng=108.9", "lat"),
        ("lat=34.2", "lng"),
        ("lat=north&lng=108.9", "lat"),
        ("lat=91&lng=108.9", "lat"),
        ("lat=34.2&lng=-180.5", "lng"),
        ("lat=nan&lng=108.9", "lat"),
        ("lat=34.2&lng=inf", "lng"),
        ("lat=34.2&lng=108.9&limit=0", "limit"),
        ("lat=34.2&lng=108.9&limit=51", "limit"),
        ("lat=34.2&lng=108.9&limit=2.5", "limit"),
        ("lat=34.2&lng=108.9&radius_km=0", "radius_km"),
        ("lat=34.2&lng=108.9&radius_km=50.1", "radius_km"),
        ("lat=34.2&lng=108.9&near=1", "near"),
    ],
)
def test_bad_queries_are_a_400_naming_the_parameter(client, query, field):
    assert_error(get(client, f"/v1/test-sites?{query}"), 400, field=field)


@pytest.fixture
def cli_env(monkeypatch):
    from tests.conftest import TEST_ENV

    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)


def test_the_operator_loads_the_demo_file_with_a_progress_bar(container, capsys, cli_env):
    from chalicelib import cli

    assert cli.main(["load-test-sites", str(DEMO_SITES), "--chunk", "5"]) == 0

    out, err = capsys.readouterr()
    assert json.loads(out) == {"sites": 17, "added": 17, "moved": 0, "updated": 0}
    assert "17/17 sites" in err
    assert container.test_sites.nearest(lat=34.2666, lng=108.9623)[0].site.site_id == "xa-001"


def test_a_bad_row_in_a_site_file_stops_the_load_before_writing(
    container, tmp_path, capsys, cli_env
):
    from chalicelib import cli

    bad = tmp_path / "sites.json"
    rows = [
        {"site_id": "a", "name": "n", "address": "a", "region_code": "610113", "lat": 34, "lng": 1},
        {"site_id": "b", "name": "n", "address": "a", "region_code": "610113", "lat": 99, "lng": 1},
    ]
    bad.write_text(json.dumps({"sites": rows}))

    with pytest.raises(SystemExit) as exited:
        cli.main(["load-test-sites", str(bad)])

    assert exited.value.code == 2
    assert "sites[1].lat" in capsys.readouterr().err
    assert TestSiteRecord.count() == 0


def test_a_site_file_that_is_not_json_is_refused_by_name(container, tmp_path, capsys, cli_env):
    from chalicelib import cli

    broken = tmp_path / "sites.json"
    broken.write_text('{"sites": [')

    with pytest.raises(SystemExit) as exited:
        cli.main(["load-test-sites", str(broken)])

    assert exited.value.code == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert TestSiteRecord.count() == 0
