"""The pages people look at, in a real headless Chromium, against `make run`'s server.

One module, one server (scripts/devserver.py on free ports, as `make run` starts it)
and one browser, because the server takes most of a minute to start on two cores.
The tests run in file order; the last one stops the server to check what the pages
show when the API is gone.

- The JavaScript verifier gives every test vector's outcome (tests/vectors).
- An official files a status mark that a second official approves in the console;
  a citizen is not let in.
- The scanner, fed the QR through Chromium's fake camera (a y4m video written by hand),
  shows the holder's colour online; with the network cut it still verifies offline,
  and it refuses a forged code online and offline.
- The second wave's parts (dependants, vaccination, pop-up actions, venues, ID-number
  checks) are driven by intercepted API calls with the SPEC's shapes, and degrade
  when the routes answer 404.
- axe-core finds no serious or critical violation on any page.
- The citizen page turns from green to red within seconds of a risk feed, and keeps
  showing the saved code with its expiry once the API is stopped; the scanner page
  opens again from its service worker and still verifies offline.

Screenshots go to the test's temporary directory, and to docs/screenshots/ with
YIMA_SCREENSHOTS=docs (`make screenshots`).

The server, Playwright and the browser are module fixtures (tests/browser/conftest.py);
what drives them is in tests/browser/helpers.py.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from tests.browser.helpers import (
    CHROMIUM,
    PHONE,
    ROOT,
    VECTORS,
    _code_answer,
    _errors,
    _forge,
    _fulfil,
    _future,
    _make_id_number,
    _result,
    _scanner,
    _screenshot,
    _serious_violations,
    _y4m,
)

KEPT: dict[str, Any] = {}  # the citizen page, open from one test to the next
playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]


# --- the verifier -------------------------------------------------------------------------


def test_the_javascript_verifier_gives_every_vectors_outcome(server, browser):
    page = browser.new_page()
    errors = _errors(page)
    page.goto(f"{server.base}/v1/pages/scanner.html")
    page.wait_for_function("window.YimaVerify !== undefined")
    outcomes = page.evaluate(
        """async (vectors) => {
          const out = [];
          for (const v of vectors) {
            const r = await YimaVerify.verifyToken(
              v.token, YimaVerify.loadKeys(v.keys), new Date(v.now));
            const iso = (d) => d.toISOString().replace(".000Z", "Z");
            out.push({valid: r.valid, reason: r.reason || null, claims: r.claims ? {
              holder: r.claims.holder, colour: r.claims.colour, region: r.claims.region,
              issued_at: iso(r.claims.issued_at), expires_at: iso(r.claims.expires_at),
              kind: r.claims.kind} : null});
          }
          return out;
        }""",
        [json.loads(p.read_text()) for p in VECTORS],
    )
    for path, outcome in zip(VECTORS, outcomes, strict=True):
        expected = json.loads(path.read_text())["expected"]
        assert (outcome["valid"], outcome["reason"]) == (expected["valid"], expected["reason"]), (
            path.name
        )
        if expected["valid"]:
            assert outcome["claims"] == expected["claims"], path.name
    assert not errors


def test_the_saved_trust_list_must_verify_before_its_keys_are_used(server, browser):
    published = requests.get(f"{server.base}/v1/trust-list", timeout=10).json()
    tampered = json.loads(json.dumps(published))
    tampered["signed"]["payload"]["keys"][0]["status"] = "active"
    tampered["signed"]["payload"]["keys"].append({**published["keys"][0], "kid": "ffff"})
    page = browser.new_page()
    page.goto(f"{server.base}/v1/pages/scanner.html")
    page.wait_for_function("window.YimaVerify !== undefined")
    genuine, forged = page.evaluate(
        "async ([a, b]) => [await YimaVerify.trustedKeys(a), await YimaVerify.trustedKeys(b)]",
        [published, tampered],
    )

    assert genuine.get("problem") is None and len(genuine["keys"]) == len(published["keys"])
    assert "does not verify" in forged["problem"]


# --- the officials' console ----------------------------------------------------------------


def test_an_official_files_a_mark_that_a_second_official_approves(server, browser, shots):
    citizen = server.citizen("b-console-citizen", "13600136002", "61011219910101123")
    id_number = _make_id_number("61011219910101123")
    assert server.call("GET", "/v1/code", citizen)["colour"] == "green"

    first = browser.new_context(viewport={"width": 1100, "height": 800})
    page = first.new_page()
    errors = _errors(page)
    page.goto(f"{server.base}/v1/pages/console.html")
    page.fill("#dev-subject", "b-official-a")
    page.select_option("#dev-role", "official")
    page.click("#dev-login button[type=submit]")
    page.wait_for_selector("#tab-marks[aria-selected=true]")
    page.fill("#f-id_number", id_number)
    page.select_option("#f-status", "confirmed")
    page.select_option("#f-category", "case_report")
    page.fill("#f-note", "病例报告：核酸阳性复核确诊")
    page.click("#view form button[type=submit]")
    page.wait_for_selector("#flash:has-text('待批准')")  # awaiting_approval, in words
    row = page.locator("#view tbody tr", has_text="病例报告：核酸阳性复核确诊")
    row.wait_for()
    assert row.count() == 1

    # the requester cannot approve their own request
    row.get_by_role("button").click()
    page.select_option("#ask-field-0", "case_report")
    page.click("#ask-ok")
    page.wait_for_selector("#ask-error:not(:empty)")
    assert page.is_visible("#ask")  # refused (403): the dialog stays with the error
    page.click("#ask-cancel")
    first.close()

    second = browser.new_context(viewport={"width": 1100, "height": 800})
    page = second.new_page()
    errors += _errors(page)
    page.goto(server.page_url(server.login("b-official-b", role="official"), "console"))
    page.wait_for_selector("#tab-marks[aria-selected=true]")
    assert "#code=" not in page.url  # the one-time code leaves the address bar
    row = page.locator("#view tbody tr", has_text="病例报告：核酸阳性复核确诊")
    row.get_by_role("button").click()
    page.wait_for_selector("#ask[open]")
    page.select_option("#ask-field-0", "contact_tracing")  # not the request's reason
    page.click("#ask-ok")
    page.wait_for_selector("#ask-error:not(:empty)")
    page.select_option("#ask-field-0", "case_report")
    _screenshot(page, shots, "console")  # the queue, and the dialog asking for the reason
    page.click("#ask-ok")
    page.wait_for_selector("#flash:has-text('已批准')")
    second.close()

    assert server.call("GET", "/v1/code", citizen)["colour"] == "red"
    assert not errors


def test_an_official_confirms_a_snapshot_the_console_lists_from_the_api(server, browser):
    """Held elsewhere (here: pushed over the API, as the scheduled pull would hold one),
    listed by GET /v1/admin/risk-feeds, confirmed in the console with the id typed again."""
    official = server.login("b-held-official", role="official")
    feed = json.loads((ROOT / "scripts" / "demo_data" / "risk-areas.json").read_text())
    feed["feed_id"] = "browser-held-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    feed["published_at"] = "2026-11-19T10:00:00+08:00"  # older than the demo's: held
    assert server.call("POST", "/v1/feeds/risk-areas", official, feed)["state"] == "held"

    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    errors = _errors(page)
    page.goto(server.page_url(server.login("b-held-second", role="official"), "console"))
    page.click("#tab-risk")
    row = page.locator("#view tbody tr", has_text=feed["feed_id"])
    row.wait_for()
    assert "Older than the active snapshot" in row.inner_text() or "早于" in row.inner_text()
    row.get_by_role("button").click()
    page.wait_for_selector("#ask[open]")
    page.fill("#ask-field-0", "not the id")
    page.fill("#ask-field-1", "区疾控中心更正：以19日通告为准")
    page.click("#ask-ok")
    page.wait_for_selector("#ask-error:not(:empty)")  # the id typed again must match
    page.fill("#ask-field-0", feed["feed_id"])
    page.click("#ask-ok")
    page.wait_for_selector("#flash:has-text('已生效')")
    page.locator("#view tbody tr", has_text=feed["feed_id"]).wait_for(state="detached")
    context.close()

    held = server.call("GET", "/v1/admin/risk-feeds", official)["items"]
    assert feed["feed_id"] not in {item["feed_id"] for item in held}
    assert not errors


def test_only_staff_roles_get_into_the_console(server, browser):
    page = browser.new_page()
    page.goto(f"{server.base}/v1/pages/console.html")
    page.fill("#dev-subject", "b-nosy-citizen")
    page.select_option("#dev-role", "citizen")
    page.click("#dev-login button[type=submit]")
    page.wait_for_selector("#signin-error:not(:empty)")

    assert page.is_hidden("#tabs")
    assert page.evaluate("sessionStorage.getItem('yima.session.console')") is None


# --- the scanner, through a fake camera -----------------------------------------------------


def test_the_scanner_shows_the_colour_online_and_offline(server, playwright, tmp_path, shots):
    citizen = server.citizen("b-scan-citizen", "13600136003", "61011219920101123")
    token = server.call("GET", "/v1/code", citizen)["token"]
    gate = server.login("b-gate", role="checkpoint")
    scanner, context = _scanner(playwright, _y4m(token, tmp_path / "code.y4m"))
    try:
        page = context.new_page()
        errors = _errors(page)
        page.goto(server.page_url(gate, "scanner"))
        page.wait_for_selector("#keys-state:has-text('更新于')", timeout=10_000)  # keys cached

        online = _result(page)
        assert (online["valid"], online["colour"], online["source"]) == ("true", "green", "online")
        assert "张*三" in online["text"]
        _screenshot(page, shots, "scanner")

        context.set_offline(True)
        page.click("#next")  # the camera still sees the code: the next answer comes at once
        offline = _result(page, count=2)
        assert (offline["valid"], offline["colour"], offline["source"]) == (
            "true",
            "green",
            "offline",
        )
        assert "离线" in offline["text"]
        assert not errors
    finally:
        scanner.close()


def test_the_scanner_refuses_a_forged_code_online_and_offline(server, playwright, tmp_path):
    citizen = server.citizen("b-forged-citizen", "13600136004", "61011219930101123")
    genuine = server.call("GET", "/v1/code", citizen)["token"]
    gate = server.login("b-gate-2", role="checkpoint")
    scanner, context = _scanner(playwright, _y4m(_forge(genuine), tmp_path / "forged.y4m"))
    try:
        page = context.new_page()
        page.goto(server.page_url(gate, "scanner"))
        online = _result(page)
        assert (online["valid"], online["source"]) == ("false", "online")

        context.set_offline(True)
        page.click("#next")  # the camera still sees the code: the next answer comes at once
        offline = _result(page, count=2)
        assert (offline["valid"], offline["source"]) == ("false", "offline")
        assert "伪造" in offline["text"]  # bad_signature: possibly forged
    finally:
        scanner.close()


# --- the second wave's parts, on intercepted API calls of the SPEC's shapes ----------------


def test_dependants_vaccination_and_popup_actions_on_the_citizen_page(server, browser, shots):
    genuine = json.loads(VECTORS[0].read_text())["token"]
    action = {"code": "take_test_within_24h", "text": "请于24小时内完成一次核酸检测"}
    reason = {
        "code": "venue_exposure",
        "colour": "yellow",
        "text": "时空伴随",
        "text_en": "Co-location contact",
        "until": _future(60 * 24 * 7),
        "required_action": action,
    }
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    errors = _errors(page)
    page.route(
        "**/v1/auth/page-session",
        lambda r: _fulfil(
            r,
            200,
            {"token": "t", "expires_at": _future(60), "role": "citizen", "page": "citizen"},
        ),
    )
    page.route(
        "**/v1/people",
        lambda r: _fulfil(
            r,
            200,
            {
                "items": [
                    {
                        "id": "p_self",
                        "relation": "self",
                        "name_masked": "张*三",
                        "colour": "yellow",
                    },
                    {"id": "p_kid", "relation": "child", "name_masked": "张*宝"},
                ]
            },
        ),
    )
    page.route(
        "**/v1/pass",
        lambda r: _fulfil(
            r,
            200,
            {
                "code": _code_answer("yellow", "张*三", genuine, reasons=[reason]),
                "itinerary": None,
                "latest_test": None,
                "vaccination": {"doses": 3, "last_at": "2022-03-01T00:00:00Z"},
            },
        ),
    )
    page.route(
        "**/v1/code?person=p_kid",
        lambda r: _fulfil(r, 200, _code_answer("green", "张*宝", genuine)),
    )
    page.goto(f"{server.base}/v1/pages/citizen.html#code=intercepted")
    page.wait_for_selector("#code-card[data-colour=yellow]")

    assert page.is_visible("#action") and "24小时" in page.inner_text("#action")
    assert "3" in page.inner_text("#vaccination")
    assert "时空伴随" in page.inner_text("#reasons")
    page.click("#action-ok")
    assert page.is_hidden("#action")
    page.select_option("#person", "p_kid")
    page.wait_for_selector("#code-card[data-colour=green]")
    assert "张*宝" in page.inner_text("#holder")
    assert not errors
    context.close()


def test_a_dependant_and_the_vaccination_record_on_the_real_routes(server, browser):
    """A guardian declares for a grandparent (POST /v1/declarations with `dependant`), a
    vaccinator feeds the guardian's doses; the page shows both from the real API."""
    id17 = "61011219980101123"
    guardian = server.citizen("b-guardian", "13600136010", id17)
    server.call(
        "POST",
        "/v1/declarations",
        guardian,
        {
            "name": "王老汉",
            "id_number": _make_id_number("11010119400101123"),
            "phone": "13912340000",
            "residence_region": "610112",
            "address": "未央路3号",
            "symptoms": [],
            "contact_with_confirmed": False,
            "abroad_14d": False,
            "dependant": {"relation": "grandparent"},
        },
    )
    vaccinator = server.login("b-cdc", role="vaccinator")
    doses = [
        {
            "record_id": f"b-v-{n}",
            "id_number": _make_id_number(id17),
            "dose_number": n,
            "vaccine": "科兴克尔来福",
            "administered_at": f"2021-0{n + 4}-01T09:00:00+08:00",
            "site": "未央区疾控中心",
        }
        for n in (1, 2, 3)
    ]
    server.call("POST", "/v1/feeds/vaccinations", vaccinator, {"batch_id": "b-v", "records": doses})
    people = server.call("GET", "/v1/people", guardian)["items"]
    grandpa = next(p for p in people if p["relation"] == "grandparent")

    page = browser.new_page(viewport=PHONE)
    errors = _errors(page)
    page.goto(server.page_url(guardian, "citizen"))
    page.wait_for_selector("#code-card[data-colour=green]")
    assert "3" in page.inner_text("#vaccination")
    assert page.is_visible("#people-row")
    page.select_option("#person", grandpa["id"])
    page.locator("#holder", has_text="王*汉").wait_for(timeout=10_000)  # the page's CSP: no eval
    assert not errors


def test_the_second_wave_routes_on_the_real_server(server, browser):
    """Against the real /v1/people and /v1/verify/id: a citizen with no dependants sees no
    picker, and a gate's ID-number check shows the holder's answer."""
    citizen = server.citizen("b-plain-citizen", "13600136005", "61011219940101123")
    page = browser.new_page(viewport=PHONE)
    errors = _errors(page)
    page.goto(server.page_url(citizen, "citizen"))
    page.wait_for_selector("#code-card[data-colour=green]")
    assert page.is_hidden("#people-row") and page.is_hidden("#action")

    gate = server.login("b-gate-3", role="checkpoint")
    page.goto(server.page_url(gate, "scanner"))
    page.fill("#id-input", _make_id_number("61011219940101123"))
    page.click("#id-form button")
    # The answer, or the page's own words for why there is none (shown in the failure).
    page.wait_for_selector("#result:not([hidden]), #id-state:not(:empty)")
    assert page.inner_text("#id-state") == ""
    assert page.is_visible("#result")
    assert not errors


def test_venue_registration_and_a_yellow_holders_id_check_on_the_real_routes(server, browser):
    """The console registers a venue through the real POST /v1/admin/venues (its form
    sends every field the API requires), and a gate's ID check shows a real yellow code."""
    official = server.login("b-official-d", role="official")
    page = browser.new_page()
    errors = _errors(page)
    page.goto(server.page_url(official, "console"))
    page.click("#tab-venues")
    page.fill("#f-name", "雁塔区政务中心")
    page.fill("#f-region_code", "610113")
    page.fill("#f-address", "雁塔路2号")
    page.select_option("#f-kind", "office")
    page.fill("#f-lat", "north")
    page.fill("#f-lng", "108.94")
    page.click("#view form button[type=submit]")
    page.wait_for_selector("#view form .error:has-text('lat')")  # refused before sending
    page.fill("#f-lat", "34.22")
    page.click("#view form button[type=submit]")
    page.wait_for_selector("#flash:has-text('雁塔区政务中心')")
    assert re.search(r"610113-[0-9a-f]{8}", page.inner_text("#flash"))

    id17 = "61011219950101123"
    sick = server.login("b-yellow", phone="13600136009")
    server.call(
        "POST",
        "/v1/declarations",
        sick,
        {
            "name": "李小四",
            "id_number": _make_id_number(id17),
            "phone": "13600136009",
            "residence_region": "610112",
            "address": "未央路2号",
            "symptoms": ["fever"],
            "contact_with_confirmed": False,
            "abroad_14d": False,
        },
    )
    expected = server.call("GET", "/v1/code", sick)["colour"]
    assert expected in ("yellow", "pending"), expected
    gate = server.login("b-gate-4", role="checkpoint")
    page.goto(server.page_url(gate, "scanner"))
    page.fill("#id-input", _make_id_number(id17))
    page.click("#id-form button")
    answer = _result(page)
    assert (answer["valid"], answer["source"]) == ("true", "online")
    assert answer["colour"] == expected
    assert "李*四" in answer["text"]
    assert not errors


def test_an_official_posts_a_checkpoint_at_a_venue_and_ends_it_in_the_console(server, browser):
    """Issue 29: the console's posts tab posts a checkpoint account at a registered venue
    through the real POST /v1/admin/assignments, lists it and ends it (DELETE)."""
    import requests as http

    official = server.login("b-official-posts", role="official")
    venue = server.call(
        "POST",
        "/v1/admin/venues",
        official,
        {"name": "北门岗", "address": "雁塔路3号", "region_code": "610113", "lat": 34.2,
         "lng": 108.9, "kind": "public"},
    )  # fmt: skip
    gate = http.post(
        f"{server.base}/v1/auth/dev", json={"subject": "b-gate-posted", "role": "checkpoint"},
        timeout=10,
    ).json()  # fmt: skip
    gate_id = gate["user"]["id"]
    page = browser.new_page()
    errors = _errors(page)
    page.goto(server.page_url(official, "console"))
    page.click("#tab-posts")
    page.fill("#f-user_id", gate_id)
    page.fill("#f-venue_id", "610113-9999")  # never registered: the API's 400 is shown
    page.click("#view form:first-of-type button[type=submit]")
    page.wait_for_selector("#view form .error:has-text('venue_id')")
    page.fill("#f-venue_id", venue["id"])
    page.click("#view form:first-of-type button[type=submit]")
    page.wait_for_selector(f"#flash:has-text('{venue['id']}')")
    page.wait_for_selector(f"#posts td:has-text('{venue['id']}')")
    posted = server.call("GET", f"/v1/admin/assignments?user_id={gate_id}", official)["items"]
    assert [p["venue_id"] for p in posted] == [venue["id"]]

    page.click("#posts button.danger")
    page.click("#ask-ok")
    page.wait_for_selector("#flash:text-matches('结束岗位|End post')")  # the DELETE answered
    assert server.call("GET", f"/v1/admin/assignments?user_id={gate_id}", official)["items"] == []
    assert not errors


# --- accessibility -----------------------------------------------------------------------


def test_no_serious_or_critical_accessibility_violation_on_any_page(server, browser):
    context = browser.new_context(viewport=PHONE, bypass_csp=True)  # to inject axe-core
    page = context.new_page()
    citizen = server.citizen("b-axe-citizen", "13600136006", "61011219960101123")
    found: dict[str, list[str]] = {}

    page.goto(server.page_url(citizen, "citizen"))
    page.wait_for_selector("#code-card[data-colour=green]")
    found["citizen"] = _serious_violations(page)
    page.click("#elder")
    found["citizen, elder mode"] = _serious_violations(page)

    page.goto(server.page_url(server.login("b-axe-gate", role="checkpoint"), "scanner"))
    page.wait_for_selector("#keys-state:not(:empty)")
    found["scanner"] = _serious_violations(page)
    page.fill("#token-input", json.loads(VECTORS[2].read_text())["token"])
    page.click("#token-form button")
    _result(page)
    found["scanner, answer"] = _serious_violations(page)

    page.goto(server.page_url(server.login("b-axe-official", role="official"), "console"))
    page.wait_for_selector("#tab-marks[aria-selected=true]")
    found["console"] = _serious_violations(page)
    page.goto(f"{server.base}/v1/pages/console.html")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    page.wait_for_selector("#signin:not([hidden])")
    found["console, sign-in"] = _serious_violations(page)
    context.close()

    assert found == {name: [] for name in found}


# --- green, then red; then the API goes away (keep these last: they stop the server) ----


def test_the_citizen_page_turns_red_within_seconds_of_a_risk_feed(server, browser, shots):
    citizen = server.citizen("b-feed-citizen", "13600136007", "61011219970101123")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    errors = _errors(page)
    url = server.page_url(citizen, "citizen") + "&poll=2"
    page.goto(url)
    page.wait_for_selector("#code-card[data-colour=green]")
    _screenshot(page, shots, "citizen")
    clock_before = page.inner_text("#clock")

    official = server.login("b-feed-official", role="official")
    published = datetime.now(UTC).replace(microsecond=0).isoformat()
    feed = json.loads((ROOT / "scripts" / "demo_data" / "risk-areas.json").read_text())
    feed["feed_id"] = "browser-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    feed["published_at"] = published
    feed["areas"].append(
        {
            "region_code": "610112",
            "area": "未央宫街道",
            "level": "high",
            "since": published,
        }
    )
    report = server.call("POST", "/v1/feeds/risk-areas", official, feed)
    assert report["state"] == "active" and report["people_recoloured"] >= 1
    turned = time.monotonic()
    page.wait_for_selector("#code-card[data-colour=red]", timeout=10_000)
    took = time.monotonic() - turned
    print(f"\nbrowser: the citizen page turned red {took:.1f} s after the feed")
    assert page.inner_text("#clock") != clock_before  # the live clock moves
    _screenshot(page, shots, "citizen-red")
    context.storage_state(path=str(shots / "citizen-state.json"))
    KEPT["citizen"] = (context, page)
    assert not errors


def test_with_the_api_stopped_the_pages_keep_working_offline(server, browser, shots):
    context, page = KEPT["citizen"]
    scanner_page = context.new_page()
    gate = server.login("b-last-gate", role="checkpoint")
    scanner_page.goto(server.page_url(gate, "scanner"))
    scanner_page.wait_for_selector("#keys-state:has-text('更新于')")
    scanner_page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=10_000)

    server.stop()

    page.wait_for_selector("#status-line[data-kind=offline]", timeout=10_000)
    saved = page.evaluate("JSON.parse(localStorage.getItem('yima.citizen.last.self'))")
    assert page.get_attribute("#code-card", "data-colour") == "red"  # the last signed code
    shown_expiry = page.evaluate(f"Yima.localTime(new Date({saved['code']['expires_at']!r}))")
    assert page.inner_text("#expires") == shown_expiry
    assert page.get_attribute("#code-card", "class") == "code-card"  # not yet expired
    _screenshot(page, shots, "citizen-offline")

    scanner_page.reload()  # the service worker serves the page; the keys are in storage
    scanner_page.wait_for_selector("#keys-state:has-text('更新于')")
    scanner_page.fill("#token-input", saved["code"]["token"])
    scanner_page.click("#token-form button")
    answer = _result(scanner_page)
    assert (answer["valid"], answer["colour"], answer["source"]) == ("true", "red", "offline")
    context.close()
