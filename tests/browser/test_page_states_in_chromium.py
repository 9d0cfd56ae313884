"""The pages' states as a new user meets them (issue 30), in headless Chromium against
`make run`'s server, every state reached through the real API:

- the citizen page of a citizen with no declaration: the way to declare, no polling of
  a 404, the itinerary card's empty headings read 无; the declaration form (its
  province / city / county picker) gives a code; English mode leaves no Chinese in the
  page's own words; a reason reads as the API words it, with how it ends;
- the console in Chinese: labels for headers and values, the masked person, the
  answers and the current reasons in the review, appeal and status-mark queues; a
  correction's withdrawn facts; an upheld appeal that withdraws a declared fact;
- the risk snapshot form (rows of division, area, level and since; JSON kept) pushes
  a snapshot that takes effect; venue registration shows the poster and its links;
- at 390 x 844 no page scrolls sideways.

Screenshots go to docs/screenshots/ with YIMA_SCREENSHOTS=docs (`make screenshots`).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
import requests

from tests.browser.helpers import (
    CHROMIUM,
    ROOT,
    _errors,
    _make_id_number,
    _screenshot,
    _serious_violations,
)

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]

NARROW = {"width": 390, "height": 844}
WIDE = {"width": 1200, "height": 900}
CJK = re.compile(r"[\u3400-\u9fff\uff08\uff09\uff0c\uff1a\u3001\u3002]")
# the API's enum values the console used to print as they are
RAW_CODES = (
    "contact_with_confirmed",
    "abroad_14d",
    "close_contact",
    "secondary_contact",
    "contact_tracing",
    "case_report",
    "awaiting_approval",
    "review_reasons",
)


def _declare(server: Any, token: str, id17: str, phone: str, **answers: Any) -> dict[str, Any]:
    body = {
        "name": answers.pop("name", "王小五"),
        "id_number": _make_id_number(id17),
        "phone": phone,
        "residence_region": answers.pop("residence_region", "610112"),
        "address": "未央路5号",
        "symptoms": [],
        "contact_with_confirmed": False,
        "abroad_14d": False,
        **answers,
    }
    return dict(server.call("POST", "/v1/declarations", token, body))


def _pick_region(page: Any, prefix: str, codes: tuple[str, ...]) -> None:
    """Picks 省, then 市, then 区县 in the cascading selects of the picker `prefix`."""
    for level, code in zip(("province", "city", "county"), codes, strict=False):
        select = f"#{prefix}-{level}"
        page.wait_for_selector(f"{select} option[value='{code}']", state="attached")
        page.select_option(select, code)
    page.wait_for_function(
        "([id, code]) => document.getElementById(id).value === code", arg=[prefix, codes[-1]]
    )


def _no_sideways_scroll(page: Any) -> int:
    return int(page.evaluate("document.scrollingElement.scrollWidth"))


def _console(
    browser: Any,
    server: Any,
    subject: str,
    role: str,
    viewport: dict[str, int],
    routes: tuple[tuple[Any, Any], ...] = (),
):
    context = browser.new_context(viewport=viewport)
    for pattern, handler in routes:
        context.route(pattern, handler)
    page = context.new_page()
    errors = _errors(page)
    page.goto(server.page_url(server.login(subject, role=role), "console"))
    page.wait_for_selector("#tabs:not([hidden])")
    page.wait_for_selector("#view table, #view p.muted, #view form")
    return context, page, errors


# --- the citizen page ----------------------------------------------------------------------


def test_a_citizen_with_no_code_is_shown_how_to_declare_and_then_gets_a_code(
    server, browser, shots
):
    token = server.login("s-new-citizen", phone="13700137001")
    context = browser.new_context(viewport=NARROW)
    page = context.new_page()
    errors = _errors(page)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/v1/pass" in r.url else None)
    page.goto(server.page_url(token, "citizen") + "&poll=2")

    page.wait_for_selector("#no-code:not([hidden])")
    assert "还没有健康码，请先申报" in page.inner_text("#no-code")
    assert page.is_hidden("#code-card")
    # the itinerary card needs no code: its empty headings read 无
    page.wait_for_selector("#cities li")
    assert page.inner_text("#cities") == "无" and page.inner_text("#countries") == "无"
    page.wait_for_timeout(5000)  # more than two poll periods: the 404 is not asked again
    assert len(asked) == 1, asked
    assert _no_sideways_scroll(page) <= NARROW["width"]
    _screenshot(page, shots, "citizen-empty")

    page.click("#declare-open")
    page.fill("#d-name", "赵小六")
    page.fill("#d-id_number", _make_id_number("61011219880101123"))
    page.fill("#d-phone", "13700137001")
    _pick_region(page, "d-residence_region", ("610000", "610100", "610112"))
    page.fill("#d-address", "未央路8号")
    assert _no_sideways_scroll(page) <= NARROW["width"]
    page.click("#declare-form button[type=submit]")
    page.wait_for_selector("#code-card:not([hidden])[data-colour=green]", timeout=10_000)
    assert page.is_hidden("#no-code") and page.is_hidden("#declare")
    assert "赵*六" in page.inner_text("#holder")
    assert page.inner_text("#status-line").startswith("已更新")

    page.click("#lang")
    page.wait_for_selector("#status-line:text-matches('^Updated')")
    words = page.evaluate(
        """() => [...document.querySelectorAll('[data-t]:not(#lang), [data-label], #status-line,'
            + ' #countdown, #reasons li, #cities li, #countries li, #colour-label')]
          .filter((n) => n.offsetParent !== null).map((n) => n.textContent.trim())"""
    )
    assert words and not [w for w in words if CJK.search(w)], words
    label = page.get_attribute("#qr", "aria-label") or ""
    assert not CJK.search(label), label
    page.click("#lang")  # back to Chinese for the next pages of this context
    context.close()
    assert not errors


def test_a_reason_reads_as_the_api_words_it_with_how_it_ends(server, browser):
    """A resident of 610113, where the demo feed has a high-risk area: red, the reason
    naming the division (the API's text), ending when the area is lifted, not "until an
    official clears it"."""
    token = server.login("s-yanta-citizen", phone="13700137002")
    _declare(server, token, "61011319870101123", "13700137002", residence_region="610113")
    reasons = server.call("GET", "/v1/code", token)["reasons"]
    residence = next(r for r in reasons if r["code"] == "high_risk_area_stay")

    page = browser.new_page(viewport=NARROW)
    errors = _errors(page)
    page.goto(server.page_url(token, "citizen"))
    page.wait_for_selector("#code-card[data-colour=red]")
    shown = page.inner_text("#reasons")
    assert residence["text"] in shown and "雁塔区" in shown and "610113）" not in shown
    if residence["until"] is None:
        assert "风险区解除后结束" in shown and "需工作人员解除" not in shown
    page.click("#lang")
    page.wait_for_selector("#reasons-title:has-text('Why this colour')")
    assert residence["text_en"] in page.inner_text("#reasons")
    page.click("#lang")
    page.close()
    assert not errors


# --- the console: Chinese labels, persons in every queue ----------------------------------


def test_the_review_queue_reads_in_chinese_with_the_person_their_answers_and_reasons(
    server, browser, shots
):
    """A correction: declared abroad (red), then answers without it (and with a contact,
    which needs review anyway): the queue shows whom, what they declared, what they take
    back and why they are coloured now, all in words."""
    token = server.login("s-review-citizen", phone="13700137003")
    id17 = "61011219860101123"
    _declare(server, token, id17, "13700137003", name="王小五", abroad_14d=True)
    assert server.call("GET", "/v1/code", token)["colour"] == "red"
    correction = _declare(
        server,
        token,
        id17,
        "13700137003",
        name="王小五",
        symptoms=["fever", "cough"],
        contact_with_confirmed=True,
    )
    assert correction["status"] == "pending_review"
    context, page, errors = _console(browser, server, "s-reviewer", "reviewer", WIDE)
    row = page.locator("#view tbody tr", has_text="王*五")
    row.wait_for()
    row.locator(".region", has_text="西安市未央区").wait_for()  # the division's name, fetched

    headers = page.locator("#view thead th").all_inner_texts()
    for header in ("提交时间", "人员", "申报内容", "需复核原因", "当前赋码原因"):
        assert header in headers, headers
    text = row.inner_text()
    expected = (
        "王*五",
        "发热",
        "咳嗽",
        "密接确诊病例",  # the review reason contact_with_confirmed
        "更正申报",  # the review reason withdraws_declared_risk
        "西安市未央区",
        "更正申报：撤回 14天内境外",  # withdraws, shown above the answers
        "红码",  # the current reasons: abroad_14d still colours the code until approved
    )
    for word in expected:
        assert word in text, (word, text)
    table = page.inner_text("#view table")
    assert not [code for code in RAW_CODES if code in table], table
    _screenshot(page, shots, "console-queue")

    page.click("#lang")
    page.locator("#view thead th", has_text="Why it needs review").wait_for()
    assert "Contact with a confirmed case" in page.inner_text("#view table")
    page.click("#lang")
    page.locator("#view thead th", has_text="需复核原因").wait_for()

    row = page.locator("#view tbody tr", has_text="王*五")
    row.get_by_role("button", name="通过").click()
    page.wait_for_selector("#ask[open]")
    assert "王*五" in page.inner_text("#ask-title")
    assert "更正申报：撤回 14天内境外" in page.inner_text("#ask-body")
    assert "密接确诊病例" in page.inner_text("#ask-body")
    page.fill("#ask-field-0", "已核实出入境记录：未出境")
    page.click("#ask-ok")
    page.wait_for_selector("#flash:has-text('已批准')")
    reasons = server.call("GET", "/v1/code", token)["reasons"]
    assert "abroad_14d" not in [r["code"] for r in reasons]  # the correction took it back
    context.close()
    assert not errors


def test_an_appeal_shows_the_person_and_an_upheld_one_withdraws_a_declared_fact(server, browser):
    token = server.login("s-appeal-citizen", phone="13700137004")
    _declare(server, token, "61011219850101123", "13700137004", name="钱小七", abroad_14d=True)
    assert server.call("GET", "/v1/code", token)["colour"] == "red"
    server.call("POST", "/v1/me/appeals", token, {"reason": "我没有出境，是误填了"})
    sent: list[dict[str, Any]] = []

    def answer(route: Any) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        route.continue_()

    context, page, errors = _console(
        browser,
        server,
        "s-appeal-reviewer",
        "reviewer",
        WIDE,
        ((re.compile(r".*/v1/admin/appeals/[^/?]+$"), answer),),
    )
    page.click("#tab-appeals")
    row = page.locator("#view tbody tr", has_text="钱*七")
    row.wait_for()
    headers = page.locator("#view thead th").all_inner_texts()
    assert {"人员", "申诉理由", "当前赋码原因", "最近一次申报"} <= set(headers), headers
    text = row.inner_text()
    assert "我没有出境" in text and "14天内境外：是" in text and "红码" in text, text

    row.get_by_role("button", name="答复").click()
    page.wait_for_selector("#ask[open]")
    options = page.locator("#ask-field-0 option").all_inner_texts()
    assert options == ["申诉成立", "申诉不成立"], options
    boxes = page.locator("#ask-body input[type=checkbox]")
    assert boxes.count() == 1 and "14天内境外" in page.inner_text("#ask-field-2")
    page.select_option("#ask-field-0", "dismissed")
    page.fill("#ask-field-1", "经核实，出入境记录显示未出境，撤回误填的境外申报")
    boxes.first.check()
    page.click("#ask-ok")
    page.wait_for_selector("#ask-error:has-text('只有申诉成立')")  # refused before sending
    assert sent == []
    page.select_option("#ask-field-0", "upheld")
    page.click("#ask-ok")
    page.wait_for_selector("#flash:has-text('申诉成立')")
    assert "已撤回 14天内境外" in page.inner_text("#flash")
    assert sent[-1]["outcome"] == "upheld" and sent[-1]["withdraw"] == ["abroad_14d"]
    assert server.call("GET", "/v1/code", token)["colour"] == "green"
    context.unroute_all(behavior="ignoreErrors")
    context.close()
    assert not errors


def test_the_status_mark_queue_names_the_person_in_chinese(server, browser):
    token = server.login("s-mark-citizen", phone="13700137005")
    _declare(server, token, "61011219840101123", "13700137005", name="孙小八")
    official = server.login("s-mark-official", role="official")
    server.call(
        "POST",
        "/v1/admin/status",
        official,
        {
            "id_number": _make_id_number("61011219840101123"),
            "status": "secondary_contact",
            "category": "contact_tracing",
            "contact_date": time.strftime("%Y-%m-%d"),
            "note": "流调：与密接者同一单位",
        },
    )
    context, page, errors = _console(browser, server, "s-mark-second", "official", WIDE)
    row = page.locator("#view tbody tr", has_text="流调：与密接者同一单位")
    row.wait_for()
    text = row.inner_text()
    assert "孙*八" in text and "次密接" in text and "流调追踪" in text, text
    assert "无" in text  # green: no current reasons
    assert not [code for code in RAW_CODES if code in page.inner_text("#view table")]
    statuses = page.locator("#f-status option").all_inner_texts()
    assert statuses == ["确诊", "密切接触者", "次密接", "解除"], statuses
    assert page.get_attribute("#f-status option:nth-child(3)", "value") == "secondary_contact"
    context.close()
    assert not errors


# --- the risk snapshot form and the venue's poster ------------------------------------------


def test_the_snapshot_form_pushes_a_snapshot_that_takes_effect(server, browser, shots):
    context, page, errors = _console(browser, server, "s-risk-official", "official", WIDE)
    page.click("#tab-risk")
    page.wait_for_selector("#snapshot-form")
    # the active snapshot's JSON, pasted and loaded into rows, keeps its areas...
    demo = (ROOT / "scripts" / "demo_data" / "risk-areas.json").read_text()
    page.fill("#f-snapshot", demo)
    page.get_by_role("button", name="载入到表格").click()
    assert page.locator("#area-rows > li").count() == len(json.loads(demo)["areas"])
    # ...and one more row, picked 省 / 市 / 区县
    page.get_by_role("button", name="添加一行").click()
    last = page.locator("#area-rows > li").last
    n = last.get_attribute("data-row")
    _pick_region(page, f"s-region-{n}", ("610000", "610100", "610116"))
    page.fill(f"#s-area-{n}", "韦曲街道")
    page.select_option(f"#s-level-{n}", "medium")
    assert page.locator(f"#s-level-{n} option").all_inner_texts() == ["高风险", "中风险", "低风险"]
    _screenshot(page, shots, "console-risk")
    page.click("#s-push")
    page.wait_for_selector("#flash:has-text('已生效')")
    assert "新增或升级 1" in page.inner_text("#flash"), page.inner_text("#flash")

    region = requests.get(f"{server.base}/v1/regions/610116", timeout=10).json()
    assert region["risk_level"] == "medium"
    assert [a["area"] for a in region["risk_areas"]] == ["韦曲街道"]
    # the demo's areas are still in force: nothing was lifted
    assert requests.get(f"{server.base}/v1/regions/610113", timeout=10).json()["risk_level"] == (
        "high"
    )
    context.close()
    assert not errors


def test_registering_a_venue_shows_its_poster_and_the_links_to_print_it(server, browser, shots):
    context, page, errors = _console(browser, server, "s-venue-official", "official", WIDE)
    page.click("#tab-venues")
    page.fill("#f-name", "未央区图书馆")
    _pick_region(page, "f-region_code", ("610000", "610100", "610112"))
    page.fill("#f-address", "凤城八路1号")
    assert "办公场所" in page.locator("#f-kind option").all_inner_texts()
    page.select_option("#f-kind", "public")
    page.fill("#f-lat", "34.33")
    page.fill("#f-lng", "108.94")
    page.click("#view form button[type=submit]")
    page.wait_for_selector("#venue-result")

    venue_id = page.inner_text("#venue-id")
    assert re.fullmatch(r"610112-[0-9a-f]{8}", venue_id), venue_id
    assert page.inner_text("#venue-name") == "未央区图书馆"
    page.locator("#venue-result .region", has_text="西安市未央区").wait_for()
    page.wait_for_function("() => document.getElementById('poster-img').naturalWidth > 0")
    for kind, content_type in (("pdf", "application/pdf"), ("png", "image/png"),
                               ("svg", "image/svg+xml")):  # fmt: skip
        href = page.get_attribute(f"#poster-{kind}", "href") or ""
        assert href.endswith(f"/venues/{venue_id}/poster.{kind}"), href
        got = requests.get(
            page.evaluate("(h) => new URL(h, location.href).href", href),
            headers={"Accept": content_type},
            timeout=10,
        )
        assert got.status_code == 200 and got.headers["Content-Type"].startswith(content_type)
    page.locator("#venue-result").scroll_into_view_if_needed()
    _screenshot(page, shots, "console-venue")
    context.close()
    assert not errors


# --- 390 px wide ------------------------------------------------------------------------------


def test_no_page_scrolls_sideways_at_390_px(server, browser, shots):
    token = server.login("s-narrow-citizen", phone="13700137006")
    _declare(
        server, token, "61011219830101123", "13700137006", symptoms=["fever"],
        contact_with_confirmed=True,
    )  # fmt: skip
    server.call("POST", "/v1/me/appeals", token, {"reason": "我没有接触确诊病例，请复核"})
    widths: dict[str, int] = {}

    context, page, errors = _console(browser, server, "s-narrow-reviewer", "reviewer", NARROW)
    for tab in ("reviews", "appeals"):
        page.click(f"#tab-{tab}")
        page.wait_for_selector("#view tbody tr")
        widths[tab] = _no_sideways_scroll(page)
    page.click("#tab-reviews")
    page.wait_for_selector("#view tbody tr")
    _screenshot(page, shots, "console-phone")
    context.close()

    official_context, page, more = _console(
        browser, server, "s-narrow-official", "official", NARROW
    )
    errors += more
    for tab in ("marks", "risk", "venues", "posts"):
        page.click(f"#tab-{tab}")
        page.wait_for_selector(f"#tab-{tab}[aria-selected=true]")
        page.wait_for_selector("#view form")
        page.wait_for_load_state("networkidle")  # the section's lists and pickers are in
        widths[tab] = _no_sideways_scroll(page)
    official_context.close()

    page = browser.new_page(viewport=NARROW)
    page.goto(server.page_url(token, "citizen"))
    page.wait_for_selector("#code-card:not([hidden])")
    widths["citizen"] = _no_sideways_scroll(page)
    page.close()
    assert widths == {name: min(width, NARROW["width"]) for name, width in widths.items()}
    assert not errors


def test_the_new_states_have_no_serious_accessibility_violation(server, browser):
    context = browser.new_context(viewport=NARROW, bypass_csp=True)  # to inject axe-core
    page = context.new_page()
    found: dict[str, list[str]] = {}
    page.goto(server.page_url(server.login("s-axe-new", phone="13700137007"), "citizen"))
    page.wait_for_selector("#no-code:not([hidden])")
    found["citizen, no code"] = _serious_violations(page)
    page.click("#declare-open")
    page.wait_for_selector("#d-residence_region-province option[value='610000']", state="attached")
    found["citizen, declaration form"] = _serious_violations(page)
    page.goto(server.page_url(server.login("s-axe-official", role="official"), "console"))
    page.wait_for_selector("#tab-risk")
    page.click("#tab-risk")
    page.wait_for_selector("#snapshot-form")
    found["console, snapshot form"] = _serious_violations(page)
    context.close()
    assert found == {name: [] for name in found}
