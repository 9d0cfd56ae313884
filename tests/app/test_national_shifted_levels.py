"""The national list's shifted levels, end to end: a Beijing street row raises 朝阳区
(110105) and reddens its residents; a development zone is reported, not guessed."""

from __future__ import annotations

from tests.helpers import body, declaration, get, login, make_id_number, post


def test_a_street_under_a_municipal_district_reddens_that_districts_residents(client):
    official = login(client, "official-1", role="official")
    resident = login(client, "chaoyang", phone="13811112001")
    neighbour = login(client, "haidian", phone="13811112002")
    for token, phone, region, seq in (
        (resident, "13811112001", "110105", "401"),
        (neighbour, "13811112002", "110108", "402"),
    ):
        answers = declaration(
            residence_region=region,
            phone=phone,
            id_number=make_id_number(f"11010519900101{seq}"),
        )
        assert post(client, "/v1/declarations", answers, token).status_code == 201
    national = {
        "code": 0,
        "data": {
            "end_update_time": "2026-11-20 09时",
            "highlist": [
                {"province": "北京市", "city": "朝阳区", "county": "酒仙桥街道", "communitys": []},
                {"province": "陕西省", "city": "西安市", "county": "西安高新技术产业开发区"},
            ],
            "middlelist": [
                {"province": "湖北省", "city": "省直辖县级行政单位", "county": "仙桃市"}
            ],
        },
    }

    report = body(post(client, "/v1/feeds/risk-areas", national, official))

    assert report == report | {"state": "active", "raised": 2, "unresolved": 1}
    assert report["people_recoloured"] == 1
    assert body(get(client, "/v1/code", resident))["colour"] == "red"
    assert body(get(client, "/v1/code", neighbour))["colour"] == "green"
    region = body(get(client, "/v1/regions/110105"))
    assert region["risk_level"] == "high"
    assert [a["area"] for a in region["risk_areas"]] == ["酒仙桥街道"]
    assert body(get(client, "/v1/regions/429004"))["risk_level"] == "medium"
