"""Checkpoints work where an official posted them (issue 29, finding 1).

The attack: a checkpoint account alone sends any ``venue_id`` in a risk district (an
unregistered ``610113-9999`` will do) with a scan, and the person turns red
(``high_risk_area_stay``) with ``actor: system`` in the audit, walking around the
two-official rule. Now a scan's venue comes from the checkpoint's assignment; an
unregistered or unassigned ``venue_id`` is 400 naming ``venue_id`` and changes nothing.
"""

from __future__ import annotations

import logging

import pytest

from chalicelib.codes.store import ScanRecord
from chalicelib.officials.audit_store import AuditRecord
from tests.app.checkpoints import CAFE, assign, dev_user, register_venue
from tests.app.risk_feeds import HIGH_YANTA, _citizen, _colour, snapshot
from tests.helpers import assert_error, body, get, login, make_id_number, post

ATTACK_VENUE = "610113-9999"  # never registered; its prefix names a high-risk district


@pytest.fixture
def official(client):
    return login(client, "official-1", role="official")


@pytest.fixture
def yanta_is_high(client, official):
    response = post(
        client, "/v1/feeds/risk-areas", snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
        official,
    )  # fmt: skip
    assert response.status_code in (200, 201), response.body


@pytest.fixture
def visitor(client):
    return _citizen(client, "visitor", "13811110006", "610103", "666")


def _scans():
    return list(ScanRecord.scan())


def _colour_audits():
    return [r for r in AuditRecord.scan() if r.action == "colour_changed"]


# --- the attack ---------------------------------------------------------------------------


def test_an_unregistered_venue_id_cannot_redden_anyone(client, yanta_is_high, visitor):
    gate = login(client, "rogue-gate", role="checkpoint")
    token = body(get(client, "/v1/code", visitor))["token"]
    audits = len(_colour_audits())

    response = post(client, "/v1/verify", {"token": token, "venue_id": ATTACK_VENUE}, gate)

    assert_error(response, 400, code="venue_not_assigned", field="venue_id")
    assert _colour(client, visitor) == "green"
    assert _scans() == []
    assert len(_colour_audits()) == audits


def test_an_unregistered_venue_id_cannot_redden_anyone_by_id_card(client, yanta_is_high, visitor):
    gate = login(client, "rogue-gate", role="checkpoint")

    response = post(
        client,
        "/v1/verify/id",
        {"id_number": make_id_number("61011319900101666"), "venue_id": ATTACK_VENUE},
        gate,
    )

    assert_error(response, 400, code="venue_not_assigned", field="venue_id")
    assert _colour(client, visitor) == "green"
    assert _scans() == []


def test_a_registered_venue_the_checkpoint_is_not_posted_at_is_refused(
    client, official, yanta_is_high, visitor
):
    cafe = register_venue(client, official, CAFE)
    elsewhere = register_venue(client, official, {**CAFE, "name": "别处"})
    gate, gate_id = dev_user(client, "gate-elsewhere", role="checkpoint")
    assign(client, official, gate_id, elsewhere["id"])
    token = body(get(client, "/v1/code", visitor))["token"]

    response = post(client, "/v1/verify", {"token": token, "venue_id": cafe["id"]}, gate)

    assert_error(response, 400, code="venue_not_assigned", field="venue_id")
    assert _colour(client, visitor) == "green"
    assert _scans() == []


def test_an_unposted_checkpoint_still_verifies_but_logs_no_venue_and_recolours_nobody(
    client, yanta_is_high, visitor
):
    gate = login(client, "gate-unposted", role="checkpoint")
    token = body(get(client, "/v1/code", visitor))["token"]

    result = body(post(client, "/v1/verify", {"token": token}, gate))

    assert result["valid"] is True and result["colour"] == "green"
    [scan] = _scans()
    assert (scan.venue_id, scan.region_code) == (None, None)
    assert _colour(client, visitor) == "green"


# --- the posted checkpoint ------------------------------------------------------------------


def test_a_posted_checkpoints_scan_takes_the_assigned_venue_and_records_its_source(
    client, official, yanta_is_high, visitor, container
):
    cafe = register_venue(client, official, CAFE)
    gate, gate_id = dev_user(client, "gate-yanta", role="checkpoint")
    assign(client, official, gate_id, cafe["id"])
    token = body(get(client, "/v1/code", visitor))["token"]

    result = body(post(client, "/v1/verify", {"token": token}, gate))  # no venue_id sent

    assert result["valid"] is True
    [scan] = _scans()
    assert (scan.venue_id, scan.region_code, scan.scanned_by) == (cafe["id"], "610113", gate_id)
    code = body(get(client, "/v1/code", visitor))
    assert code["colour"] == "red"
    assert [r["code"] for r in code["reasons"]] == ["high_risk_area_stay"]
    [audit] = [a for a in _colour_audits() if a.after and a.after.get("colour") == "red"]
    assert (audit.actor, audit.actor_role) == (gate_id, "checkpoint")
    assert cafe["id"] in audit.reason


def test_a_posted_checkpoint_may_name_its_own_venue(client, official, visitor):
    cafe = register_venue(client, official, CAFE)
    gate, gate_id = dev_user(client, "gate-yanta", role="checkpoint")
    assign(client, official, gate_id, cafe["id"])
    token = body(get(client, "/v1/code", visitor))["token"]

    response = post(client, "/v1/verify", {"token": token, "venue_id": cafe["id"]}, gate)

    assert response.status_code == 200, response.body
    [scan] = _scans()
    assert scan.venue_id == cafe["id"]


def test_a_checkpoint_posted_at_several_venues_that_names_none_logs_no_venue(
    client, official, yanta_is_high, visitor
):
    cafe = register_venue(client, official, CAFE)
    other = register_venue(client, official, {**CAFE, "name": "二号门"})
    gate, gate_id = dev_user(client, "gate-two", role="checkpoint")
    assign(client, official, gate_id, cafe["id"])
    assign(client, official, gate_id, other["id"])
    token = body(get(client, "/v1/code", visitor))["token"]

    assert post(client, "/v1/verify", {"token": token}, gate).status_code == 200

    [scan] = _scans()
    assert (scan.venue_id, scan.region_code) == (None, None)
    assert _colour(client, visitor) == "green"


def test_the_district_comes_from_the_venue_record_not_the_id(client, official, visitor):
    """A registered venue's district is what its record says; the id's prefix is only a
    name (the two agree for venues registered here, so this checks the source by
    asserting the stored district equals the record's)."""
    cafe = register_venue(client, official, {**CAFE, "region_code": "610103"})
    gate, gate_id = dev_user(client, "gate-beilin", role="checkpoint")
    assign(client, official, gate_id, cafe["id"])
    token = body(get(client, "/v1/code", visitor))["token"]

    post(client, "/v1/verify", {"token": token}, gate)

    [scan] = _scans()
    assert scan.region_code == "610103"


def test_an_id_card_check_at_a_posted_checkpoint_recolours_with_its_source(
    client, official, yanta_is_high, visitor
):
    cafe = register_venue(client, official, CAFE)
    gate, gate_id = dev_user(client, "gate-id", role="checkpoint")
    assign(client, official, gate_id, cafe["id"])

    response = post(
        client, "/v1/verify/id", {"id_number": make_id_number("61011319900101666")}, gate
    )

    assert response.status_code == 200, response.body
    assert _colour(client, visitor) == "red"
    [audit] = [a for a in _colour_audits() if a.after and a.after.get("colour") == "red"]
    assert audit.actor == gate_id


# --- assignments ----------------------------------------------------------------------------


def test_an_official_posts_a_checkpoint_lists_and_ends_it(client, official, container):
    cafe = register_venue(client, official, CAFE)
    gate, gate_id = dev_user(client, "gate-7", role="checkpoint")
    official_id = container.auth.authenticate(official).subject

    posted = assign(client, official, gate_id, cafe["id"])

    assert posted == posted | {
        "user_id": gate_id,
        "venue_id": cafe["id"],
        "region_code": "610113",
        "assigned_by": official_id,
        "assigned_at": "2026-11-20T02:00:00Z",
    }
    assert posted["id"].startswith("as_")
    listed = body(get(client, f"/v1/admin/assignments?user_id={gate_id}", official))
    assert [a["id"] for a in listed["items"]] == [posted["id"]]
    actions = [r.action for r in AuditRecord.scan()]
    assert "checkpoint_assigned" in actions

    ended = client.http.delete(
        f"/v1/admin/assignments/{posted['id']}", headers={"Authorization": f"Bearer {official}"}
    )

    assert ended.status_code == 200, ended.body
    assert body(get(client, f"/v1/admin/assignments?user_id={gate_id}", official))["items"] == []
    assert "checkpoint_unassigned" in [r.action for r in AuditRecord.scan()]
    token = body(get(client, "/v1/code", _citizen(client, "v2", "13811110009", "610103", "999")))
    refused = post(client, "/v1/verify", {"token": token["token"], "venue_id": cafe["id"]}, gate)
    assert_error(refused, 400, code="venue_not_assigned", field="venue_id")


def test_ending_an_unknown_assignment_is_404(client, official):
    response = client.http.delete(
        "/v1/admin/assignments/as_0000000000000000",
        headers={"Authorization": f"Bearer {official}"},
    )
    assert_error(response, 404, code="assignment_not_found")


def test_posting_at_an_unregistered_venue_is_400_naming_venue_id(client, official):
    _gate, gate_id = dev_user(client, "gate-7", role="checkpoint")

    response = post(
        client, "/v1/admin/assignments", {"user_id": gate_id, "venue_id": ATTACK_VENUE}, official
    )

    assert_error(response, 400, code="venue_not_found", field="venue_id")


def test_posting_an_unknown_account_is_404_naming_user_id(client, official):
    cafe = register_venue(client, official, CAFE)

    response = post(
        client, "/v1/admin/assignments", {"user_id": "u_nobody", "venue_id": cafe["id"]}, official
    )

    assert_error(response, 404, code="user_not_found", field="user_id")


def test_posting_a_citizen_account_is_409_naming_user_id(client, official):
    cafe = register_venue(client, official, CAFE)
    _citizen_token, citizen_id = dev_user(client, "just-a-citizen", role="citizen")

    response = post(
        client, "/v1/admin/assignments", {"user_id": citizen_id, "venue_id": cafe["id"]}, official
    )

    assert_error(response, 409, code="not_a_checkpoint", field="user_id")


def test_posting_a_role_token_checkpoint_by_its_subject(client, official):
    """A checkpoint account the operator minted (``cli issue-token --role checkpoint``)
    is named by its token's subject, ``checkpoint:<name>``; it has no user record."""
    cafe = register_venue(client, official, CAFE)

    response = post(
        client,
        "/v1/admin/assignments",
        {"user_id": "checkpoint:gate-north", "venue_id": cafe["id"]},
        official,
    )

    assert response.status_code == 201, response.body
    refused = post(
        client,
        "/v1/admin/assignments",
        {"user_id": "official:someone", "venue_id": cafe["id"]},
        official,
    )
    assert_error(refused, 409, code="not_a_checkpoint", field="user_id")


def test_posting_the_same_checkpoint_twice_at_a_venue_is_409(client, official):
    cafe = register_venue(client, official, CAFE)
    _gate, gate_id = dev_user(client, "gate-7", role="checkpoint")
    assign(client, official, gate_id, cafe["id"])

    response = post(
        client, "/v1/admin/assignments", {"user_id": gate_id, "venue_id": cafe["id"]}, official
    )

    assert_error(response, 409, code="already_assigned", field="venue_id")


def test_a_sampler_at_a_test_site_waits_for_mass_testing(client, official):
    _gate, gate_id = dev_user(client, "sampler-1", role="checkpoint")

    response = post(
        client, "/v1/admin/assignments", {"user_id": gate_id, "site_id": "site-1"}, official
    )

    error = assert_error(response, 400, code="sampling_not_available", field="site_id")
    assert "mass testing" in error["message"]


def test_an_assignment_names_a_venue_or_a_site(client, official):
    response = post(client, "/v1/admin/assignments", {"user_id": "u_x"}, official)
    assert_error(response, 400, field="venue_id")


# --- the burst alert ------------------------------------------------------------------------


def test_a_checkpoint_whose_scans_recolour_many_people_raises_one_alert(
    client, official, yanta_is_high, container, caplog
):
    from dataclasses import replace

    from chalicelib.kernel.limits import Rate

    limiter = container.limiter  # the default is 20 an hour; two keeps the test short
    group = replace(limiter.groups["scan_recolour"], alert=Rate(2, 3600))
    limiter.groups = {**limiter.groups, "scan_recolour": group}
    caplog.set_level(logging.INFO, logger="yima")
    cafe = register_venue(client, official, CAFE)
    gate, gate_id = dev_user(client, "gate-busy", role="checkpoint")
    assign(client, official, gate_id, cafe["id"])
    for n in range(4):
        person = _citizen(client, f"p{n}", f"1381111002{n}", "610103", f"70{n}")
        token = body(get(client, "/v1/code", person))["token"]
        assert post(client, "/v1/verify", {"token": token}, gate).status_code == 200
        assert _colour(client, person) == "red"

    alerts = [r for r in caplog.records if getattr(r, "alert", None) == "checkpoint_recolour_burst"]
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.levelno == logging.WARNING
    assert (alert.staff, alert.count, alert.threshold) == (gate_id, 3, 2)
