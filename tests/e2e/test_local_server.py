"""End to end over HTTP: `make run`'s server (moto server + chalice local) really serves.

Starts ``scripts/devserver.py`` exactly as ``make run`` does, on free ports,
and stops it the way Ctrl-C does.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.serial import one_local_stack_at_a_time

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    with one_local_stack_at_a_time():
        yield from _server(tmp_path_factory)


def _server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "YIMA_"))}
    # the local stand-in national root goes to a temporary directory, not the repository
    env["YIMA_LOCAL_STATE"] = str(tmp_path_factory.mktemp("local-state"))
    process = subprocess.Popen(
        [sys.executable, "scripts/devserver.py", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # the demo data on two busy cores
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/v1/openapi.json", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            if process.poll() is not None:
                pytest.fail(f"devserver exited: {process.stdout.read() if process.stdout else ''}")
        time.sleep(0.3)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("the API did not answer /v1/openapi.json within 180 s")
    yield base, process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)


def _login(base: str, **payload: Any) -> dict[str, Any]:
    response = requests.post(f"{base}/v1/auth/dev", json=payload, timeout=5)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_openapi_is_served(server):
    base, _ = server
    document = requests.get(f"{base}/v1/openapi.json", timeout=5).json()

    assert "/v1/auth/dev" in document["paths"]


def test_dev_login_and_me_over_http(server):
    base, _ = server
    session = _login(base, subject="e2e-citizen", phone="13612345678")

    me = requests.get(
        f"{base}/v1/me", timeout=5, headers={"Authorization": f"Bearer {session['token']}"}
    )

    assert me.status_code == 200
    assert me.json()["phone_masked"] == "136****5678"


def test_demo_accounts_are_loaded(server):
    base, _ = server
    # The demo citizen's account is there with its phone bound; logging in again finds it.
    # (Another person proving that phone gets an account of their own: a reissued number
    # carries no account, tests/app/test_phone_recycling.py.)
    first = _login(base, subject="demo-zhang")
    again = _login(base, subject="demo-zhang")

    assert first["user"]["phone_bound"] is True
    assert again["user"]["id"] == first["user"]["id"]


def test_bad_input_over_http_gets_the_error_shape(server):
    base, _ = server
    response = requests.post(
        f"{base}/v1/auth/dev",
        data=b"{oops",
        timeout=5,
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert json.loads(response.text)["error"]["code"] == "invalid_json"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_declaration_review_and_two_official_mark_over_http(server):
    from tests.helpers import declaration, make_id_number

    base, _ = server
    id_number = make_id_number("61011319850505321")
    citizen = _login(base, subject="e2e-declarer", phone="13512345678")["token"]
    clean = requests.post(
        f"{base}/v1/declarations",
        json=declaration(id_number=id_number, residence_region="610103"),
        headers=_auth(citizen),
        timeout=10,
    )
    assert clean.status_code == 201, clean.text
    assert (clean.json()["status"], clean.json()["colour"]) == ("approved", "green")

    sick = requests.post(
        f"{base}/v1/declarations",
        headers=_auth(citizen),
        timeout=10,
        json=declaration(id_number=id_number, symptoms=["fever"], residence_region="610103"),
    )
    assert sick.json()["colour"] == "yellow"
    assert [r["code"] for r in sick.json()["reasons"]] == ["declared_symptoms"]

    contact = requests.post(
        f"{base}/v1/declarations",
        headers=_auth(citizen),
        timeout=10,
        json=declaration(
            id_number=id_number,
            contact_with_confirmed=True,
            symptoms=["fever"],  # still feverish: this declaration takes nothing back
            residence_region="610103",
        ),
    )
    assert contact.json()["status"] == "pending_review"
    assert contact.json()["review_reasons"] == ["contact_with_confirmed"]
    reviewer = _login(base, subject="e2e-reviewer", role="reviewer")["token"]
    queue = requests.get(f"{base}/v1/admin/reviews", headers=_auth(reviewer), timeout=10).json()
    assert contact.json()["id"] in [item["id"] for item in queue["items"]]
    decided = requests.post(
        f"{base}/v1/admin/reviews/{contact.json()['id']}",
        json={"decision": "approve", "note": "checked with CDC"},
        headers=_auth(reviewer),
        timeout=10,
    )
    # Approving the contact claim does not clear the fever: that waits for a negative
    # test (or, had the citizen answered "no fever", a correction a reviewer approves:
    # tests/app/test_corrections.py).
    assert decided.status_code == 200 and decided.json()["colour"] == "yellow"
    assert [r["code"] for r in decided.json()["reasons"]] == ["declared_symptoms"]

    official_a = _login(base, subject="e2e-official-a", role="official")["token"]
    official_b = _login(base, subject="e2e-official-b", role="official")["token"]
    yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600 - 86400))
    mark = requests.post(
        f"{base}/v1/admin/status",
        headers=_auth(official_a),
        timeout=10,
        json={
            "id_number": id_number,
            "status": "close_contact",
            "category": "contact_tracing",
            "note": "same bus K101",
            "contact_date": yesterday,
        },
    ).json()
    approved = requests.post(
        f"{base}/v1/admin/status/{mark['id']}/approve", headers=_auth(official_b), timeout=10
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["colours"][0]["colour"] == "red"
    assert "status_close_contact" in approved.json()["colours"][0]["reasons"]

    bad = requests.post(
        f"{base}/v1/declarations",
        headers=_auth(citizen),
        timeout=10,
        json=declaration(id_number=id_number, residence_region="999999"),
    )
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "residence_region"


def test_a_checkpoint_verifies_a_code_online_and_offline(server, tmp_path):
    from tests.helpers import declaration, make_id_number

    base, _ = server
    citizen = _login(base, subject="e2e-holder", phone="13612340000")["token"]
    requests.post(
        f"{base}/v1/declarations",
        headers=_auth(citizen),
        timeout=10,
        json=declaration(id_number=make_id_number("61011319920202222"), residence_region="610103"),
    )
    shown = requests.get(f"{base}/v1/code", headers=_auth(citizen), timeout=10).json()
    gate = _login(base, subject="e2e-gate", role="checkpoint")["token"]

    online = requests.post(
        f"{base}/v1/verify",
        headers=_auth(gate),
        timeout=10,
        json={"token": shown["token"]},  # not posted at a venue: logged without one
    ).json()
    forbidden = requests.post(
        f"{base}/v1/verify", headers=_auth(citizen), timeout=10, json={"token": shown["token"]}
    )
    keys = tmp_path / "keys.json"
    keys.write_text(requests.get(f"{base}/v1/keys", timeout=10).text)
    offline = subprocess.run(
        [sys.executable, "-m", "chalicelib.verify", shown["token"], "--keys", str(keys)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert online["valid"] is True and online["colour"] == "green"
    assert online["holder"]["name_masked"] == "张*三"
    assert forbidden.status_code == 403
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert json.loads(offline.stdout)["colour"] == "green"
    png = requests.get(
        f"{base}/v1/code.png", timeout=10, headers={**_auth(citizen), "Accept": "image/png"}
    )
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"


def test_a_demo_citizen_sees_their_itinerary_card(server):
    base, _ = server
    token = _login(base, subject="demo-zhang")["token"]  # phone 13800138000, bound at start

    card = requests.get(f"{base}/v1/itinerary", headers=_auth(token), timeout=10).json()

    assert card["phone_masked"] == "138****8000"
    assert [c["region_code"] for c in card["cities"]] == ["110100", "610100"]
    assert card["cities"][1]["name"] == "西安市"


def test_the_demo_citizens_have_declared_so_their_page_shows_a_code_at_once(server):
    """The README's demo citizens had no declaration: the citizen page stayed blank and
    /v1/pass answered 404 (issue 30). Each now has a code with its reasons."""
    base, _ = server
    seen = {}
    for subject in ("demo-zhang", "demo-li", "demo-wang"):
        token = _login(base, subject=subject)["token"]
        answer = requests.get(f"{base}/v1/pass", headers=_auth(token), timeout=10)
        assert answer.status_code == 200, (subject, answer.text)
        code = answer.json()["code"]
        seen[subject] = (code["colour"], [r["code"] for r in code["reasons"]])
    assert seen["demo-li"][0] == "red" and "abroad_14d" in seen["demo-li"][1]
    assert seen["demo-wang"] == ("green", []), seen
    assert seen["demo-zhang"][0] == "yellow" and "high_risk_area_stay" in seen["demo-zhang"][1]


def test_a_risk_feed_recolours_the_affected_and_spares_bystanders(server):
    from tests.helpers import declaration, make_id_number

    base, _ = server
    people = {}
    for name, residence, phone, seq in (
        ("e2e-resident", "110105", "13711112222", "333"),
        ("e2e-bystander", "320102", "13711113333", "444"),
    ):
        token = _login(base, subject=name, phone=phone)["token"]
        answers = declaration(
            residence_region=residence,
            phone=phone,
            id_number=make_id_number(f"61011319930303{seq}"),
        )
        assert (
            requests.post(
                f"{base}/v1/declarations", json=answers, headers=_auth(token), timeout=10
            ).json()["colour"]
            == "green"
        )
        people[name] = token
    official = _login(base, subject="e2e-official", role="official")["token"]
    now = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600))
    feed = {
        "feed_id": "e2e-1",
        "published_at": now,
        "areas": [
            {
                "region_code": "110105",
                "area": "南磨房地区",
                "level": "high",
                "since": "2026-11-01T00:00:00+08:00",
            },
            # the demo feed's areas stay listed: lifting them all would hold the snapshot
            *json.loads((ROOT / "scripts" / "demo_data" / "risk-areas.json").read_text())["areas"],
        ],
    }

    report = requests.post(
        f"{base}/v1/feeds/risk-areas", json=feed, headers=_auth(official), timeout=30
    ).json()

    assert report["state"] == "active" and report["people_recoloured"] >= 1
    colours = {
        name: requests.get(f"{base}/v1/code", headers=_auth(token), timeout=10).json()["colour"]
        for name, token in people.items()
    }
    assert colours == {"e2e-resident": "red", "e2e-bystander": "green"}
    region = requests.get(f"{base}/v1/regions/110100", timeout=10).json()
    assert region["risk_level"] == "high"


def test_a_lab_negative_turns_a_citizen_with_symptoms_green(server):
    from datetime import UTC, datetime, timedelta

    from tests.helpers import declaration, make_id_number

    base, _ = server
    id_number = make_id_number("61011319920202456")
    citizen = _login(base, subject="e2e-coughing", phone="13712345670")["token"]
    declared = requests.post(
        f"{base}/v1/declarations",
        json=declaration(id_number=id_number, residence_region="610104", symptoms=["cough"]),
        headers=_auth(citizen),
        timeout=10,
    ).json()
    assert declared["colour"] == "yellow", declared
    lab = _login(base, subject="e2e-lab", role="lab")["token"]
    sampled = (datetime.now(UTC) + timedelta(seconds=1)).isoformat(timespec="seconds")
    time.sleep(1.5)  # the sample must be taken after the declaration, and not in the future

    sent = requests.post(
        f"{base}/v1/feeds/tests",
        json={
            "batch_id": "e2e-lab-1",
            "results": [
                {
                    "id_number": id_number,
                    "sample_id": "E2E-0001",
                    "sampled_at": sampled,
                    "result": "negative",
                    "lab": "金域医学",
                }
            ],
        },
        headers=_auth(lab),
        timeout=10,
    )
    assert sent.status_code == 200, sent.text

    shown = requests.get(f"{base}/v1/code", headers=_auth(citizen), timeout=10).json()
    assert shown["colour"] == "green", shown
    assert shown["latest_test"]["badge"] == "24h"
    tests = requests.get(f"{base}/v1/tests", headers=_auth(citizen), timeout=10).json()
    assert [t["sample_id"] for t in tests["items"]] == ["E2E-0001"]
    sites = requests.get(
        f"{base}/v1/test-sites", params={"lat": 34.2666, "lng": 108.9623}, timeout=10
    ).json()
    assert sites["items"][0]["site_id"] == "xa-001"  # the demo sites are loaded


def test_ctrl_c_stops_everything(server):
    base, process = server
    os.killpg(process.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C

    process.wait(timeout=20)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/v1/openapi.json", timeout=2)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # chalice local's reloader workers too
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        pytest.fail("processes of the local stack are still running after Ctrl-C")
