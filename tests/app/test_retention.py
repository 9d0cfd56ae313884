"""Retention on moto: writes set each TTL from the policy, readers ignore expired items.

moto never deletes an expired item (DynamoDB does, lazily, within days), which
is exactly the window these tests look at: an item past its TTL must not be
read back by any repository.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.codes.store import ScanRecord
from chalicelib.declarations.store import DeclarationRecord
from chalicelib.itinerary.store import IdempotencyRecord, PlaceDayRecord, StayRecord
from chalicelib.kernel import retention
from chalicelib.kernel.dynamo.runtime import RuntimeRecord
from chalicelib.officials.appeals_store import AppealRecord
from chalicelib.officials.audit_store import AuditRecord
from tests.helpers import body, declaration, get, login, post


def _declare(client, token, **overrides):
    response = post(client, "/v1/declarations", declaration(**overrides), token)
    assert response.status_code == 201, response.body
    return body(response)


# --- writes set the TTL from the policy ----------------------------------------------


def test_a_replaced_declaration_expires_45_days_later_and_the_latest_never(client, clock):
    token = login(client, "redeclarer", phone="13812345678")
    first = _declare(client, token)
    clock.now += timedelta(days=3)
    second = _declare(client, login(client, "redeclarer", phone="13812345678"))

    assert DeclarationRecord.get(first["id"]).expires == clock.now + timedelta(days=45)
    assert DeclarationRecord.get(second["id"]).expires is None


def test_a_pending_declaration_expires_only_once_decided(client, clock):
    token = login(client, "pending", phone="13812345678")
    pending = _declare(client, token, contact_with_confirmed=True)
    assert pending["status"] == "pending_review"
    clock.now += timedelta(hours=1)
    _declare(client, token)
    assert DeclarationRecord.get(pending["id"]).expires is None  # still to be decided

    clock.now += timedelta(hours=1)
    reviewer = login(client, "reviewer", role="reviewer")
    decided = post(
        client, f"/v1/admin/reviews/{pending['id']}", {"decision": "reject", "note": "n"}, reviewer
    )

    assert decided.status_code == 200, decided.body
    assert DeclarationRecord.get(pending["id"]).expires == clock.now + timedelta(days=45)


def test_audit_events_expire_after_six_months_and_answered_appeals_too(client, clock):
    token = login(client, "appellant", phone="13812345678")
    _declare(client, token, symptoms=["cough"])
    appeal = body(post(client, "/v1/me/appeals", {"reason": "过敏"}, token))
    assert AppealRecord.get(appeal["id"]).expires is None  # open: kept
    clock.now += timedelta(days=1)
    reviewer = login(client, "reviewer", role="reviewer")
    answered = post(
        client,
        f"/v1/admin/appeals/{appeal['id']}",
        {"outcome": "dismissed", "answer": "a"},
        reviewer,
    )
    assert answered.status_code == 200, answered.body

    assert AppealRecord.get(appeal["id"]).expires == clock.now + timedelta(days=183)
    events = list(AuditRecord.scan())
    assert events and all(e.expires == e.at + timedelta(days=183) for e in events)


def test_carrier_batches_are_remembered_for_a_day(client, clock):
    from tests.app.test_carrier_and_card import row

    carrier = login(client, "cmcc", role="carrier")
    batch = {"batch_id": "b-1", "stays": [row()]}
    assert body(post(client, "/v1/feeds/carrier", batch, carrier))["duplicate"] is False
    (record,) = IdempotencyRecord.scan()
    assert record.expiration == clock.now + timedelta(hours=24)
    (stay,) = StayRecord.scan()
    assert stay.expires == stay.left_at + timedelta(days=15)

    clock.now += timedelta(hours=23)
    carrier = login(client, "cmcc", role="carrier")
    assert body(post(client, "/v1/feeds/carrier", batch, carrier))["duplicate"] is True
    clock.now += timedelta(hours=2)  # the record has expired, and moto still holds it
    carrier = login(client, "cmcc", role="carrier")
    again = body(post(client, "/v1/feeds/carrier", batch, carrier))

    assert again["duplicate"] is False  # claimed afresh …
    assert StayRecord.count() == 1  # … and the rewrite duplicated nothing


def test_job_leases_expire_a_day_after_they_run_out(container, clock):
    lease = container.risk.lease
    until = clock.now + timedelta(minutes=9)
    assert lease.acquire("job", owner="me", until=until, now=clock.now)

    assert RuntimeRecord.get("lease:job").expires == until + timedelta(days=1)


# --- readers ignore expired items -----------------------------------------------------


def _stay(phone_hash, expires):
    start = datetime(2026, 11, 19, 0, 0, tzinfo=expires.tzinfo)
    return StayRecord(
        phone_hash,
        f"{start.isoformat()}#city#610100",
        place="610100",
        kind="city",
        entered_at=start,
        left_at=start + timedelta(hours=6),
        batch_id="b",
        received_at=start,
        expires=expires,
    )


def _declaration(person_id, expires, status="approved", queue=None):
    return DeclarationRecord(
        f"d_{person_id}",
        person_id=person_id,
        user_id="u_1",
        status=status,
        payload_enc="x",
        residence_region="610113",
        review_queue=queue,
        created_at=datetime(2026, 11, 1, tzinfo=expires.tzinfo),
        expires=expires,
    )


def _appeal(user_id, expires):
    return AppealRecord(
        f"a_{user_id}",
        user_id=user_id,
        person_id="p_1",
        text="t",
        state="open",
        queue="open",
        created_at=datetime(2026, 11, 1, tzinfo=expires.tzinfo),
        expires=expires,
    )


def _audit(subject, expires):
    at = datetime(2026, 11, 20, 1, 0, tzinfo=expires.tzinfo)
    return AuditRecord(
        subject,
        f"{at.isoformat()}#ev_1",
        actor="a",
        actor_role="system",
        action="x",
        at=at,
        day="2026-11-20",
        expires=expires,
    )


# (what to write, given a TTL; how to read it back through the repositories; what a
# read that still sees the item returns)
READERS = {
    "stays.for_phone": (
        lambda e: _stay("ph1", e),
        lambda c: len(c.itinerary.stays.for_phone("ph1")),
    ),
    "facts.stays": (
        lambda e: _stay("ph2", e),
        lambda c: len(c.colours.facts.stays("ph2", since=c.clock() - timedelta(days=15))),
    ),
    "place_days (carrier index)": (
        lambda e: PlaceDayRecord("610100#2026-11-19", "ph3", expires=e),
        lambda c: len(c.itinerary.stays.phones_in("610100", "2026-11-19")),
    ),
    "place_days (risk refresh)": (
        lambda e: PlaceDayRecord("610100#2026-11-19", "ph4", expires=e),
        lambda c: len(c.risk.affected.phones_in("610100", "2026-11-19")),
    ),
    "facts.scans": (
        lambda e: ScanRecord(
            "p_9",
            "2026-11-19T00:00:00+00:00#s1",
            region_code="610113",
            scanned_by="gate",
            colour="green",
            scanned_at=datetime(2026, 11, 19, tzinfo=e.tzinfo),
            expires=e,
        ),
        lambda c: len(c.colours.facts.scans("p_9", since=c.clock() - timedelta(days=15))),
    ),
    "declarations.get": (
        lambda e: _declaration("p_a", e),
        lambda c: int(c.declarations.declarations.get("d_p_a") is not None),
    ),
    "declarations.latest": (
        lambda e: _declaration("p_b", e),
        lambda c: int(c.declarations.declarations.latest("p_b") is not None),
    ),
    "declarations.for_person": (
        lambda e: _declaration("p_c", e),
        lambda c: len(c.declarations.declarations.for_person("p_c", limit=10, cursor=None).items),
    ),
    "declarations.queue": (
        lambda e: _declaration("p_d", e, status="pending_review", queue="pending"),
        lambda c: len(c.declarations.declarations.queue(limit=10, cursor=None).items),
    ),
    "appeals.get": (
        lambda e: _appeal("u_a", e),
        lambda c: int(c.appeals.appeals.get("a_u_a") is not None),
    ),
    "appeals.for_user": (
        lambda e: _appeal("u_b", e),
        lambda c: len(c.appeals.appeals.for_user("u_b", limit=10, cursor=None).items),
    ),
    "appeals.queue": (
        lambda e: _appeal("u_c", e),
        lambda c: len(c.appeals.appeals.queue(limit=10, cursor=None).items),
    ),
    "audit.by_subject": (
        lambda e: _audit("p_e", e),
        lambda c: len(c.audit.audit.by_subject("p_e", limit=10, cursor=None).items),
    ),
    "audit.by_day": (
        lambda e: _audit("p_f", e),
        lambda c: len(
            c.audit.audit.by_day(datetime(2026, 11, 20).date(), limit=10, cursor=None).items
        ),
    ),
    "runtime: policy texts": (
        lambda e: RuntimeRecord("policy:610113", value='{"text": "t"}', expires=e),
        lambda c: int(c.regions.policies.get("610113") is not None),
    ),
}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_reader_ignores_an_item_past_its_ttl(container, clock, reader):
    write, read = READERS[reader]

    write(clock.now + timedelta(minutes=1)).save()
    assert read(container) == 1  # live: seen
    clock.now += timedelta(minutes=2)

    assert read(container) == 0  # expired, still stored (moto): not seen
    assert sum(1 for _ in type(write(clock.now)).scan()) >= 1


def test_after_45_days_only_the_latest_declaration_is_listed_and_the_code_stays(client, clock):
    token = login(client, "long-term", phone="13812345678")
    _declare(client, token)
    clock.now += timedelta(days=1)
    latest = _declare(client, login(client, "long-term", phone="13812345678"))
    clock.now += timedelta(days=46)
    token = login(client, "long-term", phone="13812345678")

    listed = body(get(client, "/v1/declarations", token))["items"]
    code = body(get(client, "/v1/code", token))

    assert [d["id"] for d in listed] == [latest["id"]]
    assert DeclarationRecord.count() == 2  # moto keeps it; we do not read it
    assert code["colour"] == "green"


def test_the_audit_trail_forgets_after_six_months(client, clock):
    token = login(client, "audited", phone="13812345678")
    _declare(client, token)
    admin = login(client, "admin", role="admin")
    day = clock.now.date().isoformat()
    assert body(get(client, f"/v1/admin/audit?day={day}", admin))["items"]

    clock.now += retention.keep("audit") + timedelta(days=1)
    admin = login(client, "admin", role="admin")

    assert body(get(client, f"/v1/admin/audit?day={day}", admin))["items"] == []
