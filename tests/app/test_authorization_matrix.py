"""Who may call what, and whose data: every route × every role, and owner × non-owner.

One table, written out by hand rather than derived from the routes, so that a
route that opens up by mistake (or a new route nobody placed here) fails:

- ``who``: the roles that may call the route (or anyone, without a token);
  every other role gets 403 ``wrong_role``, no token 401 ``missing_credentials``,
  a garbage token 401 ``invalid_token`` (one test per route, all its callers);
- ``owned``: for the routes that reach a person's data, the probe with which
  one citizen (the attacker, with an account, a code and a phone of their
  own) tries to read or act on another citizen's (the victim's) declarations,
  code, itinerary, appeals or test results, knowing the victim's ids and even their paging
  cursors. Each probe checks that the attempt fails and that the victim's
  data is unchanged.

The number of cells checked is printed after the test results
(``tests/conftest.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from app import app
from chalicelib.kernel.roles import Role
from chalicelib.people.rules import care_link_id, self_person_id
from tests.helpers import assert_error, body, declaration, get, login, make_id_number, post

ANYONE = "anyone"
CITIZEN = frozenset({Role.CITIZEN})
REVIEWER = frozenset({Role.REVIEWER})
OFFICIAL = frozenset({Role.OFFICIAL})
ADMIN = frozenset({Role.ADMIN})
VICTIM_ID = make_id_number("61011319850101123")
ATTACKER_ID = make_id_number("61011319900101123")
VICTIM_SAMPLE = "S-VICTIM-1"


@dataclass
class Citizen:
    token: str
    user_id: str
    person_id: str
    name_masked: str
    phone_masked: str
    declarations: list[str] = field(default_factory=list)
    appeals: list[str] = field(default_factory=list)
    cursors: dict[str, str] = field(default_factory=dict)  # page 1 → page 2, as issued
    venue_token: str = ""  # the café's poster, where the victim checked in


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _snapshot(client: Any, victim: Citizen) -> dict[str, Any]:
    """What the victim sees of their own data: no probe may change any of it."""
    code = body(get(client, "/v1/code", victim.token))
    return {
        "declarations": body(get(client, "/v1/declarations", victim.token))["items"],
        "appeals": body(get(client, "/v1/me/appeals", victim.token))["items"],
        "colour": (code["colour"], [r["code"] for r in code["reasons"]], code["holder"]),
        "itinerary": body(get(client, "/v1/itinerary", victim.token))["cities"],
        "tests": body(get(client, "/v1/tests", victim.token))["items"],
        "me": body(get(client, "/v1/me", victim.token)),
        "checkins": body(get(client, "/v1/checkins", victim.token))["items"],
        "vaccinations": body(get(client, "/v1/vaccinations", victim.token)),
    }


# --- the probes: each returns the number of cells (attempts) it checked ---------------

Probe = Callable[[Any, Citizen, Citizen], int]


def own_profile_only(client: Any, attacker: Citizen, victim: Citizen) -> int:
    me = body(get(client, "/v1/me", attacker.token))
    assert (me["id"], me["phone_masked"]) == (attacker.user_id, attacker.phone_masked)
    assert_error(get(client, f"/v1/me?user={victim.user_id}", attacker.token), 400)
    return 2


def declare_with_the_victims_id_number(client: Any, attacker: Citizen, victim: Citizen) -> int:
    stolen = declaration(id_number=VICTIM_ID, phone="13822223333")
    # From an account that declares for someone else already, and from a fresh one.
    assert_error(post(client, "/v1/declarations", stolen, attacker.token), 409)
    fresh = login(client, "attacker-2", phone="13822224444")
    assert_error(post(client, "/v1/declarations", stolen, fresh), 409)
    # As a "dependant": without the victim's exact name it is the mismatch an unknown
    # number gets; even with it, a person with an account of their own is only asked,
    # in that account, and nothing is linked until they accept.
    for name, code in (("王五", "dependant_mismatch"), ("李四", "consent_required")):
        as_dependant = declaration(
            name=name, id_number=VICTIM_ID, phone="13822223333", dependant={"relation": "parent"}
        )
        attempt = post(client, "/v1/declarations", as_dependant, attacker.token)
        assert_error(attempt, 409, code=code)
    assert [p["relation"] for p in body(get(client, "/v1/people", attacker.token))["items"]] == [
        "self"
    ]
    return 4


def _request_to_care_for_the_victim(client: Any, attacker: Citizen, victim: Citizen) -> str:
    asked = declaration(
        name="李四", id_number=VICTIM_ID, phone="13822223333", dependant={"relation": "child"}
    )
    assert_error(post(client, "/v1/declarations", asked, attacker.token), 409)
    (request,) = body(get(client, "/v1/me/care-requests", victim.token))["items"]
    return str(request["id"])


def list_the_victims_care_requests(client: Any, attacker: Citizen, victim: Citizen) -> int:
    _request_to_care_for_the_victim(client, attacker, victim)
    assert body(get(client, "/v1/me/care-requests", attacker.token))["items"] == []
    assert_error(
        get(client, f"/v1/me/care-requests?person={victim.person_id}", attacker.token), 400
    )
    return 2


def answer_the_victims_care_request(client: Any, attacker: Citizen, victim: Citizen) -> int:
    """The guardian who asked may not answer for the person they asked about."""
    request_id = _request_to_care_for_the_victim(client, attacker, victim)
    attempt = post(
        client, f"/v1/me/care-requests/{request_id}", {"decision": "accept"}, attacker.token
    )
    assert_error(attempt, 404, code="care_request_not_found")
    assert [p["relation"] for p in body(get(client, "/v1/people", attacker.token))["items"]] == [
        "self"
    ]
    pending = body(get(client, "/v1/me/care-requests", victim.token))["items"]
    assert [r["state"] for r in pending] == ["pending"]
    return 2


def list_the_victims_people(client: Any, attacker: Citizen, victim: Citizen) -> int:
    items = body(get(client, "/v1/people", attacker.token))["items"]
    assert [p["id"] for p in items] == [attacker.person_id]
    assert_error(get(client, f"/v1/people?person={victim.person_id}", attacker.token), 400)
    return 2


def unlink_the_victims_person(client: Any, attacker: Citizen, victim: Citizen) -> int:
    attempt = client.http.delete(f"/v1/people/{victim.person_id}", headers=_as(attacker.token))
    assert_error(attempt, 404, code="person_not_found")
    own = client.http.delete(f"/v1/people/{attacker.person_id}", headers=_as(attacker.token))
    assert_error(own, 409, code="own_person")
    return 2


def print_the_victims_code(client: Any, attacker: Citizen, victim: Citizen) -> int:
    attempt = post(client, f"/v1/people/{victim.person_id}/printed-code", {}, attacker.token)
    assert_error(attempt, 404, code="person_not_found", field="person")
    own = post(client, f"/v1/people/{attacker.person_id}/printed-code", {}, attacker.token)
    assert own.status_code == 201 and body(own)["holder"]["name_masked"] == attacker.name_masked
    return 2


def list_the_victims_declarations(client: Any, attacker: Citizen, victim: Citizen) -> int:
    mine = {d["id"] for d in body(get(client, "/v1/declarations", attacker.token))["items"]}
    assert mine and not mine & set(victim.declarations)
    replayed = get(
        client, f"/v1/declarations?limit=1&cursor={victim.cursors['declarations']}", attacker.token
    )
    assert_error(replayed, 400, code="invalid_cursor", field="cursor")
    assert_error(get(client, f"/v1/declarations?person={victim.person_id}", attacker.token), 400)
    return 3


def review_the_victims_declaration(client: Any, attacker: Citizen, victim: Citizen) -> int:
    for decision in ("approve", "reject"):
        attempt = post(
            client,
            f"/v1/admin/reviews/{victim.declarations[0]}",
            {"decision": decision, "note": "mine now"},
            attacker.token,
        )
        assert_error(attempt, 403, code="wrong_role")
    return 2


def appeal_for_the_victim(client: Any, attacker: Citizen, victim: Citizen) -> int:
    filed = body(post(client, "/v1/me/appeals", {"reason": "for my friend"}, attacker.token))
    mine = [a["id"] for a in body(get(client, "/v1/me/appeals", attacker.token))["items"]]
    assert filed["id"] in mine and filed["id"] not in victim.appeals
    attempt = post(
        client, "/v1/me/appeals", {"reason": "x", "person": victim.person_id}, attacker.token
    )
    assert_error(attempt, 400, code="unknown_field", field="person")
    return 2


def list_the_victims_appeals(client: Any, attacker: Citizen, victim: Citizen) -> int:
    mine = {a["id"] for a in body(get(client, "/v1/me/appeals", attacker.token))["items"]}
    assert not mine & set(victim.appeals)
    replayed = get(
        client, f"/v1/me/appeals?limit=1&cursor={victim.cursors['appeals']}", attacker.token
    )
    assert_error(replayed, 400, code="invalid_cursor", field="cursor")
    return 2


def answer_the_victims_appeal(client: Any, attacker: Citizen, victim: Citizen) -> int:
    attempt = post(
        client,
        f"/v1/admin/appeals/{victim.appeals[0]}",
        {"outcome": "upheld", "answer": "granted"},
        attacker.token,
    )
    assert_error(attempt, 403, code="wrong_role")
    return 1


def the_victims_code(path: str) -> Probe:
    def probe(client: Any, attacker: Citizen, victim: Citizen) -> int:
        headers = _as(attacker.token)
        if path.endswith(".png"):
            headers["Accept"] = "image/png"
        other = client.http.get(f"{path}?person={victim.person_id}", headers=headers)
        assert_error(other, 404, code="person_not_found", field="person")
        own = client.http.get(path, headers=headers)
        assert own.status_code == 200
        if path == "/v1/code":
            holder = body(own)["holder"]
            assert holder["name_masked"] == attacker.name_masked != victim.name_masked
        return 2

    return probe


def the_victims_pass(client: Any, attacker: Citizen, victim: Citizen) -> int:
    shown = body(get(client, "/v1/pass", attacker.token))
    assert shown["code"]["holder"]["name_masked"] == attacker.name_masked
    assert shown["itinerary"]["phone_masked"] == attacker.phone_masked
    attempt = get(client, f"/v1/pass?person={victim.person_id}", attacker.token)
    assert_error(attempt, 404, code="person_not_found", field="person")
    return 2


def the_victims_test_results(client: Any, attacker: Citizen, victim: Citizen) -> int:
    mine = body(get(client, "/v1/tests", attacker.token))["items"]
    assert mine and all(r["sample_id"] != VICTIM_SAMPLE for r in mine)
    attempt = get(client, f"/v1/tests?person={victim.person_id}", attacker.token)
    assert_error(attempt, 404, code="person_not_found", field="person")
    assert_error(get(client, f"/v1/tests?id_number={VICTIM_ID}", attacker.token), 400)
    return 3


def the_victims_itinerary(client: Any, attacker: Citizen, victim: Citizen) -> int:
    card = body(get(client, "/v1/itinerary", attacker.token))
    assert card["phone_masked"] == attacker.phone_masked and card["cities"] == []
    for query in (f"person={victim.person_id}", "phone=13911112222"):
        assert_error(get(client, f"/v1/itinerary?{query}", attacker.token), 400)
    return 3


def check_in_as_the_victim(client: Any, attacker: Citizen, victim: Citizen) -> int:
    """BOLA: a check-in naming another citizen's person (or an unknown one) is refused."""
    for person in (victim.person_id, "p_" + "0" * 20):
        attempt = post(
            client,
            "/v1/checkins",
            {"venue_token": victim.venue_token, "person": person},
            attacker.token,
        )
        assert_error(attempt, 404, code="person_not_found", field="person")
    own = post(client, "/v1/checkins", {"venue_token": victim.venue_token}, attacker.token)
    assert own.status_code == 201 and body(own)["person"] == attacker.person_id
    assert body(own)["holder"]["name_masked"] == attacker.name_masked
    return 3


def the_victims_checkins(client: Any, attacker: Citizen, victim: Citizen) -> int:
    mine = body(get(client, "/v1/checkins", attacker.token))["items"]
    assert all(c["person"] == attacker.person_id for c in mine)
    assert_error(
        get(client, f"/v1/checkins?person={victim.person_id}", attacker.token),
        404,
        code="person_not_found",
        field="person",
    )
    replayed = get(
        client, f"/v1/checkins?limit=1&cursor={victim.cursors['checkins']}", attacker.token
    )
    assert_error(replayed, 400, code="invalid_cursor", field="cursor")
    return 3


def the_victims_carers(client: Any, attacker: Citizen, victim: Citizen) -> int:
    assert body(get(client, "/v1/me/carers", attacker.token))["items"] == []
    assert_error(get(client, f"/v1/me/carers?person={victim.person_id}", attacker.token), 400)
    return 2


def end_the_victims_carer(client: Any, attacker: Citizen, victim: Citizen) -> int:
    """A link id of the victim's (as if the attacker cared for them) is not the
    attacker's to end: the same 404 as an id that never existed."""
    for link_id in (care_link_id(victim.person_id, attacker.user_id), "cl_doesnotexist"):
        attempt = client.http.delete(f"/v1/me/carers/{link_id}", headers=_as(attacker.token))
        assert_error(attempt, 404, code="carer_not_found", field="link_id")
    return 2


def the_victims_vaccinations(client: Any, attacker: Citizen, victim: Citizen) -> int:
    mine = body(get(client, "/v1/vaccinations", attacker.token))
    assert mine["items"] == [] and mine["vaccination"] is None
    for query in (f"person={victim.person_id}", f"id_number={VICTIM_ID}"):
        assert_error(get(client, f"/v1/vaccinations?{query}", attacker.token), 400)
    return 3


@dataclass(frozen=True)
class Row:
    who: object  # ANYONE, or the roles that may call the route
    owned: Probe | None = None  # how a citizen tries to reach another person's data here


MATRIX: dict[tuple[str, str], Row] = {
    ("GET", "/v1/openapi.json"): Row(ANYONE),
    ("POST", "/v1/auth/dev"): Row(ANYONE),
    ("POST", "/v1/auth/wechat"): Row(ANYONE),
    ("POST", "/v1/auth/alipay"): Row(ANYONE),
    ("GET", "/v1/me"): Row(CITIZEN, own_profile_only),
    ("POST", "/v1/me/phone"): Row(CITIZEN),  # binds the caller's account; names no one else
    # vouches for the caller only: WeChat checks the session's own openid
    ("POST", "/v1/me/real-name"): Row(CITIZEN),
    ("GET", "/v1/me/care-requests"): Row(CITIZEN, list_the_victims_care_requests),
    ("POST", "/v1/me/care-requests/{request_id}"): Row(CITIZEN, answer_the_victims_care_request),
    ("GET", "/v1/me/carers"): Row(CITIZEN, the_victims_carers),
    ("DELETE", "/v1/me/carers/{link_id}"): Row(CITIZEN, end_the_victims_carer),
    ("POST", "/v1/declarations"): Row(CITIZEN, declare_with_the_victims_id_number),
    ("GET", "/v1/declarations"): Row(CITIZEN, list_the_victims_declarations),
    ("POST", "/v1/me/appeals"): Row(CITIZEN, appeal_for_the_victim),
    ("GET", "/v1/me/appeals"): Row(CITIZEN, list_the_victims_appeals),
    ("GET", "/v1/admin/reviews"): Row(REVIEWER),
    ("POST", "/v1/admin/reviews/{declaration_id}"): Row(REVIEWER, review_the_victims_declaration),
    ("GET", "/v1/admin/appeals"): Row(REVIEWER),
    ("POST", "/v1/admin/appeals/{appeal_id}"): Row(REVIEWER, answer_the_victims_appeal),
    ("POST", "/v1/admin/status"): Row(OFFICIAL),
    ("GET", "/v1/admin/status"): Row(OFFICIAL),
    ("POST", "/v1/admin/status/{mark_id}/approve"): Row(OFFICIAL),
    ("GET", "/v1/admin/audit"): Row(ADMIN),
    ("GET", "/v1/code"): Row(CITIZEN, the_victims_code("/v1/code")),
    ("GET", "/v1/code.svg"): Row(CITIZEN, the_victims_code("/v1/code.svg")),
    ("GET", "/v1/code.png"): Row(CITIZEN, the_victims_code("/v1/code.png")),
    ("GET", "/v1/pass"): Row(CITIZEN, the_victims_pass),
    ("GET", "/v1/keys"): Row(ANYONE),
    ("POST", "/v1/verify"): Row(frozenset({Role.CHECKPOINT})),
    ("POST", "/v1/feeds/carrier"): Row(frozenset({Role.CARRIER})),
    ("GET", "/v1/itinerary"): Row(CITIZEN, the_victims_itinerary),
    ("POST", "/v1/feeds/tests"): Row(frozenset({Role.LAB})),
    ("GET", "/v1/tests"): Row(CITIZEN, the_victims_test_results),
    ("GET", "/v1/test-sites"): Row(ANYONE),
    ("POST", "/v1/feeds/risk-areas"): Row(OFFICIAL),
    ("POST", "/v1/feeds/risk-areas/{feed_id}/confirm"): Row(OFFICIAL),
    ("GET", "/v1/admin/risk-feeds"): Row(OFFICIAL),
    ("GET", "/v1/regions/{code}"): Row(ANYONE),
    ("GET", "/v1/regions"): Row(ANYONE),
    ("PUT", "/v1/admin/regions/{code}/policy"): Row(OFFICIAL),
    # mutual recognition (docs/federation.md)
    ("GET", "/v1/trust-list"): Row(ANYONE),
    ("PUT", "/v1/admin/trust-list"): Row(ADMIN),
    # converts the partner code the caller presents into a new one; reads no stored data
    ("POST", "/v1/federation/convert"): Row(CITIZEN),
    ("POST", "/v1/federation/status"): Row(frozenset({Role.PARTNER})),
    # venue codes, check-ins, vaccinations (issue 17)
    ("POST", "/v1/admin/venues"): Row(OFFICIAL),
    ("POST", "/v1/admin/venues/{venue_id}/reissue"): Row(OFFICIAL),
    ("GET", "/v1/venues/{venue_id}/poster.png"): Row(ANYONE),
    ("GET", "/v1/venues/{venue_id}/poster.svg"): Row(ANYONE),
    ("GET", "/v1/venues/{venue_id}/poster.pdf"): Row(ANYONE),
    # checkpoint posts (issue 29): only an official posts a checkpoint account at a venue
    ("POST", "/v1/admin/assignments"): Row(OFFICIAL),
    ("GET", "/v1/admin/assignments"): Row(OFFICIAL),
    ("DELETE", "/v1/admin/assignments/{assignment_id}"): Row(OFFICIAL),
    ("POST", "/v1/checkins"): Row(CITIZEN, check_in_as_the_victim),
    ("GET", "/v1/checkins"): Row(CITIZEN, the_victims_checkins),
    ("POST", "/v1/feeds/vaccinations"): Row(frozenset({Role.VACCINATOR})),
    ("GET", "/v1/vaccinations"): Row(CITIZEN, the_victims_vaccinations),
    # dependants, printed codes, the ID card, identity disputes (docs/people.md)
    ("GET", "/v1/people"): Row(CITIZEN, list_the_victims_people),
    ("DELETE", "/v1/people/{person_id}"): Row(CITIZEN, unlink_the_victims_person),
    ("POST", "/v1/people/{person_id}/printed-code"): Row(
        frozenset({Role.CITIZEN, Role.OFFICIAL}), print_the_victims_code
    ),
    ("POST", "/v1/verify/id"): Row(frozenset({Role.CHECKPOINT})),
    ("GET", "/v1/admin/disputes"): Row(REVIEWER),
    ("POST", "/v1/admin/disputes/{dispute_id}"): Row(REVIEWER),
    # the pages (docs/pages.md): a page code signs in as the caller, names no one else
    ("POST", "/v1/auth/page-code"): Row(
        frozenset({Role.CITIZEN, Role.CHECKPOINT, Role.REVIEWER, Role.OFFICIAL, Role.ADMIN})
    ),
    ("POST", "/v1/auth/page-session"): Row(ANYONE),
    ("GET", "/v1/pages/{name}"): Row(ANYONE),
}

OWNED = [key for key, row in MATRIX.items() if row.owned is not None]


def test_every_route_is_in_the_matrix():
    routed = {(method, path) for path, entries in app.routes.items() for method in entries}

    assert routed == set(MATRIX)


@pytest.fixture
def tokens(client):
    return {
        role: body(
            post(client, "/v1/auth/dev", {"subject": f"m-{role.value}", "role": role.value})
        )["token"]
        for role in Role
    }


def _call(client, method, path, token):
    path = re.sub(r"\{[a-z_]+\}", "x_0000", path)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if method == "PUT":
        return client.http.put(path, headers=headers, body=b"{}")
    if method == "DELETE":
        return client.http.delete(
            path, headers={k: v for k, v in headers.items() if k == "Authorization"}
        )
    if method == "GET":
        return client.http.get(
            path, headers={k: v for k, v in headers.items() if k == "Authorization"}
        )
    return client.http.post(path, headers=headers, body=b"{}")


def _expected(row: Row, caller: Role | str | None) -> str:
    if caller == "garbage":
        return "401 invalid_token"
    if row.who == ANYONE or (caller is not None and caller in row.who):
        return "allowed"
    return "401 missing_credentials" if caller is None else "403 wrong_role"


def _outcome(response: Any) -> str:
    if response.status_code in (401, 403):
        return f"{response.status_code} {body(response)['error']['code']}"
    return "allowed"


ROUTES = list(MATRIX)


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_caller_of_the_route(client, tokens, record_property, method, path):
    """One route, every caller: no token, a garbage token (where a token is needed), and
    each role's. All the wrong cells of the route are reported together."""
    row = MATRIX[(method, path)]
    callers: list[Role | str | None] = [None, *Role]
    if row.who != ANYONE:
        callers.append("garbage")
    wrong = []
    for caller in callers:
        token = "not.a.token" if caller == "garbage" else tokens[caller] if caller else None
        outcome = _outcome(_call(client, method, path, token))
        if outcome != _expected(row, caller):
            wrong.append(f"{caller or 'no token'}: {outcome}, expected {_expected(row, caller)}")

    assert not wrong, wrong
    record_property("authz_cells", len(callers))


# --- owner × non-owner -------------------------------------------------------------------


def _citizen(client, subject, phone, id_first17, **answers) -> Citizen:
    token = login(client, subject, phone=phone)
    declared = post(
        client,
        "/v1/declarations",
        declaration(id_number=make_id_number(id_first17), phone=phone, **answers),
        token,
    )
    assert declared.status_code == 201, declared.body
    code = body(get(client, "/v1/code", token))
    me = body(get(client, "/v1/me", token))
    return Citizen(
        token=token,
        user_id=me["id"],
        person_id=self_person_id(me["id"]),
        name_masked=code["holder"]["name_masked"],
        phone_masked=me["phone_masked"],
        declarations=[body(declared)["id"]],
    )


@pytest.fixture
def victim(client, clock):
    victim = _citizen(client, "victim", "13911112222", VICTIM_ID[:17], name="李四")
    clock.now += timedelta(minutes=1)
    again = post(
        client,
        "/v1/declarations",
        declaration(
            name="李四",
            id_number=VICTIM_ID,
            phone="13911112222",
            symptoms=["cough"],
        ),
        victim.token,
    )
    victim.declarations.append(body(again)["id"])
    for reason in ("只是过敏", "已经痊愈"):
        victim.appeals.append(
            body(post(client, "/v1/me/appeals", {"reason": reason}, victim.token))["id"]
        )
    carrier = login(client, "cmcc", role="carrier")
    stay = {
        "phone": "13911112222",
        "kind": "city",
        "place": "110100",
        "entered_at": "2026-11-17T08:00:00+08:00",
        "left_at": "2026-11-17T14:30:00+08:00",
    }
    fed = post(client, "/v1/feeds/carrier", {"batch_id": "victim-1", "stays": [stay]}, carrier)
    assert fed.status_code == 200, fed.body
    lab = login(client, "kingmed", role="lab")
    results = [
        {
            "id_number": id_number,
            "sample_id": sample,
            "sampled_at": "2026-11-20T08:00:00+08:00",
            "result": "negative",
            "lab": "金域医学",
        }
        for id_number, sample in ((VICTIM_ID, VICTIM_SAMPLE), (ATTACKER_ID, "S-ATTACKER-1"))
    ]
    tested = post(client, "/v1/feeds/tests", {"batch_id": "lab-1", "results": results}, lab)
    assert tested.status_code == 200, tested.body
    official = login(client, "venue-official", role="official")
    cafe = {
        "name": "咖啡馆",
        "address": "雁塔路1号",
        "region_code": "610113",
        "lat": 34.2,
        "lng": 108.9,
        "kind": "restaurant",
    }
    venue = post(client, "/v1/admin/venues", cafe, official)
    assert venue.status_code == 201, venue.body
    victim.venue_token = body(venue)["token"]
    for _ in range(2):
        checked = post(client, "/v1/checkins", {"venue_token": victim.venue_token}, victim.token)
        assert checked.status_code == 201, checked.body
    vaccinator = login(client, "cdc-site-1", role="vaccinator")
    dose = {
        "record_id": "V-VICTIM-1",
        "id_number": VICTIM_ID,
        "dose_number": 1,
        "vaccine": "科兴",
        "administered_at": "2021-05-01T09:00:00+08:00",
        "site": "雁塔区疾控中心",
    }
    given = post(
        client, "/v1/feeds/vaccinations", {"batch_id": "v-1", "records": [dose]}, vaccinator
    )
    assert given.status_code == 200, given.body
    for name, path in (
        ("declarations", "/v1/declarations"),
        ("appeals", "/v1/me/appeals"),
        ("checkins", "/v1/checkins"),
    ):
        victim.cursors[name] = body(get(client, f"{path}?limit=1", victim.token))["cursor"]
        assert victim.cursors[name], name
    return victim


@pytest.fixture
def attacker(client, victim):
    return _citizen(client, "attacker", "13822223333", ATTACKER_ID[:17], name="张三")


@pytest.mark.parametrize(("method", "path"), OWNED, ids=[f"{m} {p}" for m, p in OWNED])
def test_a_citizen_cannot_reach_another_persons_data(
    client, attacker, victim, record_property, method, path
):
    before = _snapshot(client, victim)
    assert before["itinerary"] and before["appeals"] and before["tests"]
    assert before["checkins"] and before["vaccinations"]["items"]
    assert len(before["declarations"]) == 2

    cells = MATRIX[(method, path)].owned(client, attacker, victim)

    assert _snapshot(client, victim) == before
    record_property("authz_cells", cells)
