"""``GET /v1/regions?parent=``: the division tree a region picker walks, 省 → 市 → 区县,
from the same GB/T 2260 table the forms check codes against (issue 30)."""

from __future__ import annotations

from chalicelib.kernel import reference_data
from tests.helpers import assert_error, body, get


def test_the_provinces_come_first_then_a_provinces_cities_then_a_citys_counties(client):
    top = body(get(client, "/v1/regions"))
    assert top["parent"] is None
    names = {item["code"]: item["name"] for item in top["items"]}
    assert names["610000"] == "陕西省" and names["110000"] == "北京市"
    assert {item["level"] for item in top["items"]} == {"province"}
    assert all(item["has_children"] for item in top["items"] if item["code"] == "610000")

    shaanxi = body(get(client, "/v1/regions?parent=610000"))
    assert shaanxi["parent"] == {"code": "610000", "name": "陕西省", "level": "province"}
    assert {"code": "610100", "name": "西安市", "level": "city", "has_children": True} in (
        shaanxi["items"]
    )

    xian = body(get(client, "/v1/regions?parent=610100"))
    counties = {item["code"]: item for item in xian["items"]}
    assert counties["610113"] == {
        "code": "610113",
        "name": "雁塔区",
        "level": "county",
        "has_children": False,
    }
    # The ``610101 市辖区`` line of the table is a placeholder, not a place to pick.
    assert "610101" not in counties
    assert [c for c in counties] == sorted(counties)

    assert body(get(client, "/v1/regions?parent=610113"))["items"] == []


def test_a_municipality_reads_as_itself_and_a_city_without_counties_has_no_children(client):
    beijing = body(get(client, "/v1/regions?parent=110000"))["items"]
    assert [(i["code"], i["name"]) for i in beijing] == [("110100", "北京市")]
    districts = body(get(client, "/v1/regions?parent=110100"))["items"]
    assert ("110105", "朝阳区") in {(i["code"], i["name"]) for i in districts}
    guangdong = body(get(client, "/v1/regions?parent=440000"))["items"]
    dongguan = next(i for i in guangdong if i["code"] == "441900")
    assert dongguan["name"] == "东莞市" and dongguan["has_children"] is False


def test_every_code_the_picker_offers_below_a_province_is_one_the_forms_accept(client):
    index = reference_data.divisions()
    for province in body(get(client, "/v1/regions"))["items"][:5]:
        for city in body(get(client, f"/v1/regions?parent={province['code']}"))["items"]:
            assert index.parse_region(city["code"], field="residence_region") == city["code"]
            for county in body(get(client, f"/v1/regions?parent={city['code']}"))["items"]:
                assert index.parse_region(county["code"], field="residence_region")


def test_an_unknown_or_malformed_parent_is_named(client):
    assert_error(get(client, "/v1/regions?parent=999999"), 404, "region_not_found")
    assert_error(get(client, "/v1/regions?parent=61"), 400, field="parent")
    assert_error(get(client, "/v1/regions?province=610000"), 400, field="province")
