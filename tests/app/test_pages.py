"""The pages' files and the one-time page codes (docs/pages.md).

Given a signed-in caller, when it asks for a page code and the page exchanges
it, then the page holds a session of the same subject and role that ends no
later than the caller's; the code works once, for a minute, and only for the
page its role has.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.kernel.dynamo.runtime import RuntimeRecord
from chalicelib.kernel.text import refused_char
from chalicelib.pages import files as pages
from chalicelib.venues.rules import VENUE_KINDS
from tests.helpers import assert_error, body, get, login, post


def _code(client, token, page="citizen"):
    response = post(client, "/v1/auth/page-code", {"page": page}, token)
    assert response.status_code == 201, response.body
    return body(response)


def _exchange(client, code):
    return post(client, "/v1/auth/page-session", {"code": code})


def test_a_page_code_opens_the_page_as_the_caller_once(client):
    token = login(client, "alice", phone="13812345678")
    issued = _code(client, token)

    assert issued["path"] == f"/v1/pages/citizen.html#code={issued['code']}"
    opened = _exchange(client, issued["code"])
    assert opened.status_code == 200, opened.body
    session = body(opened)
    assert (session["role"], session["page"]) == ("citizen", "citizen")
    me_then = body(get(client, "/v1/me", token))
    assert body(get(client, "/v1/me", session["token"]))["id"] == me_then["id"]

    assert_error(_exchange(client, issued["code"]), 401, "invalid_page_code", "code")


def test_the_code_is_stored_only_as_its_hash_and_expires_with_it(client, clock):
    issued = _code(client, login(client, "alice"))

    records = [r for r in RuntimeRecord.scan() if r.key.startswith("page-code:")]
    assert len(records) == 1 and issued["code"] not in records[0].key
    assert records[0].expires == clock.now + timedelta(seconds=60)  # the TTL sweeps it
    assert all(issued["code"] not in (r.value or "") for r in RuntimeRecord.scan())


def test_a_code_is_refused_after_its_minute(client, clock):
    issued = _code(client, login(client, "alice"))
    clock.now += timedelta(seconds=61)

    assert_error(_exchange(client, issued["code"]), 401, "invalid_page_code")


def test_the_page_session_ends_no_later_than_the_callers(client, clock):
    caller = body(post(client, "/v1/auth/dev", {"subject": "alice"}))
    clock.now += timedelta(hours=2) - timedelta(seconds=30)  # 30 s left of a 2 h session
    issued = _code(client, caller["token"])

    session = body(_exchange(client, issued["code"]))
    assert session["expires_at"] == caller["expires_at"]
    clock.now += timedelta(seconds=100)  # past it, and past the verifier's leeway
    assert_error(get(client, "/v1/me", session["token"]), 401)


@pytest.mark.parametrize(
    ("role", "page", "allowed"),
    [
        ("citizen", "citizen", True),
        ("citizen", "console", False),
        ("checkpoint", "scanner", True),
        ("checkpoint", "citizen", False),
        ("official", "console", True),
        ("reviewer", "console", True),
        ("admin", "console", True),
        ("official", "scanner", False),
    ],
)
def test_each_role_opens_only_its_own_page(client, role, page, allowed):
    token = login(client, f"p-{role}", role=role)
    response = post(client, "/v1/auth/page-code", {"page": page}, token)

    if allowed:
        assert response.status_code == 201
    else:
        assert_error(response, 403, "wrong_page_for_role")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(code=st.text(min_size=1, max_size=64))
def test_no_guessed_code_opens_a_session(client, code):
    if refused_char(code) is not None:  # refused before it is looked up
        assert_error(_exchange(client, code), 400, "control_character", field="code")
    else:
        assert_error(_exchange(client, code), 401, "invalid_page_code")


def test_every_page_file_is_served_with_the_security_headers(client):
    assert {"citizen.html", "scanner.html", "console.html", "sw.js"} <= set(pages.names())
    for name in pages.names():
        response = client.http.get(f"/v1/pages/{name}")
        assert response.status_code == 200, name
        headers = response.headers
        assert headers["Content-Type"] == pages.CONTENT_TYPES["." + name.rsplit(".", 1)[1]]
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and "http" not in csp  # no third-party origin
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_the_html_has_no_inline_script_or_style(client):
    import re

    for name in (n for n in pages.names() if n.endswith(".html")):
        html = client.http.get(f"/v1/pages/{name}").body.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), name
        assert not re.search(r"\sstyle=|<style|\son[a-z]+=", html), name
        assert "http://" not in html and "https://" not in html, name


@pytest.mark.parametrize("name", ["nothing.html", "..", "pages.py", "citizen", "x.exe"])
def test_other_names_are_not_found(client, name):
    assert_error(client.http.get(f"/v1/pages/{name}"), 404, "not_found")


def test_the_consoles_venue_kinds_are_the_apis():
    source = (pages.PAGES_DIR / "console.js").read_text()
    listed = re.search(r"var VENUE_KINDS = (\[[^\]]*\]);", source)
    assert listed is not None
    assert tuple(json.loads(listed.group(1))) == VENUE_KINDS
