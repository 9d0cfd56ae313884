"""Recycled phone numbers (issue 29, finding 5).

Carriers reissue numbers. Proving a phone that another account bound used to move the
login into that account: the number's new holder got the old holder's account, persons
and colours. Now only a proof that it is the same person (both accounts vouched for the
same ID number by a channel) joins the accounts; otherwise the new holder keeps an
account of their own, the phone moves to it, and the old account's binding goes stale:
its phone no longer feeds its itinerary or its colours.
"""

from __future__ import annotations

from chalicelib.identity.store import UserRecord
from chalicelib.kernel.dynamo.runtime import RuntimeRecord
from tests.helpers import assert_error, body, declaration, get, login, make_id_number, post

PHONE = "13812345678"
OLD_ID = make_id_number("61011319600101123")
NEW_ID = make_id_number("61011319990101123")


def _dev(client, subject, **extra):
    answer = post(client, "/v1/auth/dev", {"subject": subject, **extra})
    assert answer.status_code == 200, answer.body
    return body(answer)


def test_a_recycled_phone_does_not_carry_the_old_holders_account(client):
    old = _dev(client, "old-holder", phone=PHONE)
    declared = post(client, "/v1/declarations", declaration(id_number=OLD_ID), old["token"])
    assert declared.status_code == 201, declared.body

    new = _dev(client, "new-holder", phone=PHONE)

    assert new["user"]["id"] != old["user"]["id"]
    me = body(get(client, "/v1/me", new["token"]))
    assert (me["phone_bound"], me["phone_masked"], me["phone_stale"]) == (
        True,
        "138****5678",
        False,
    )
    assert_error(get(client, "/v1/code", new["token"]), 404)  # none of the old holder's code
    assert body(get(client, "/v1/people", new["token"]))["items"] == []
    old_me = body(get(client, "/v1/me", old["token"]))
    assert old_me["id"] == old["user"]["id"]
    assert (old_me["phone_bound"], old_me["phone_stale"]) == (False, True)
    assert get(client, "/v1/code", old["token"]).status_code == 200  # still their own code


def test_the_phone_claim_moves_to_the_new_holder(client):
    old = _dev(client, "old-holder", phone=PHONE)
    new = _dev(client, "new-holder", phone=PHONE)

    (claim,) = [r for r in RuntimeRecord.scan() if r.key.startswith("phone:")]
    assert claim.owner == new["user"]["id"]
    bound = [u.user_id for u in UserRecord.scan() if u.phone_hash]
    assert bound == [new["user"]["id"]]
    assert old["user"]["id"] in {u.user_id for u in UserRecord.scan() if u.phone_stale_at}
    again = _dev(client, "new-holder")
    assert again["user"]["id"] == new["user"]["id"]  # the login stays with its own account


def test_the_same_person_proving_the_phone_joins_the_account(client):
    first = _dev(client, "wx-same", vouched_id_number=OLD_ID, phone=PHONE)

    second = _dev(client, "ali-same", vouched_id_number=OLD_ID, phone=PHONE)

    assert second["user"]["id"] == first["user"]["id"]
    assert body(get(client, "/v1/me", first["token"]))["phone_bound"] is True


def test_another_vouched_person_does_not_join(client):
    old = _dev(client, "old-vouched", vouched_id_number=OLD_ID, phone=PHONE)

    new = _dev(client, "new-vouched", vouched_id_number=NEW_ID, phone=PHONE)

    assert new["user"]["id"] != old["user"]["id"]
    assert body(get(client, "/v1/me", old["token"]))["phone_stale"] is True


def test_the_old_accounts_persons_no_longer_read_the_new_holders_stays(client):
    carrier = login(client, "cmcc", role="carrier")
    old = _dev(client, "old-holder", phone=PHONE)
    post(client, "/v1/declarations", declaration(id_number=OLD_ID), old["token"])
    new = _dev(client, "new-holder", phone=PHONE)
    declared = post(client, "/v1/declarations", declaration(id_number=NEW_ID), new["token"])
    assert declared.status_code == 201, declared.body
    stay = {
        "phone": PHONE,
        "kind": "country",
        "place": "JP",
        "entered_at": "2026-11-17T08:00:00+08:00",
        "left_at": "2026-11-18T08:00:00+08:00",
    }
    fed = post(client, "/v1/feeds/carrier", {"batch_id": "b-1", "stays": [stay]}, carrier)
    assert fed.status_code == 200, fed.body

    new_code = body(get(client, "/v1/code", new["token"]))
    old_code = body(get(client, "/v1/code", old["token"]))

    assert "abroad_14d" in [r["code"] for r in new_code["reasons"]]
    assert "abroad_14d" not in [r["code"] for r in old_code["reasons"]]
    assert old_code["colour"] == "green"
    assert_error(get(client, "/v1/itinerary", old["token"]), 409, code="phone_not_bound")
    assert body(get(client, "/v1/itinerary", new["token"]))["countries"][0]["code"] == "JP"


def test_a_colour_from_the_old_holders_stays_is_recomputed_when_the_phone_moves(client):
    carrier = login(client, "cmcc", role="carrier")
    old = _dev(client, "old-holder", phone=PHONE)
    stay = {
        "phone": PHONE,
        "kind": "country",
        "place": "JP",
        "entered_at": "2026-11-17T08:00:00+08:00",
        "left_at": "2026-11-18T08:00:00+08:00",
    }
    post(client, "/v1/feeds/carrier", {"batch_id": "b-1", "stays": [stay]}, carrier)
    post(client, "/v1/declarations", declaration(id_number=OLD_ID), old["token"])
    before = body(get(client, "/v1/code", old["token"]))
    assert before["colour"] == "red"  # the number's stays
    assert "abroad_14d" in [r["code"] for r in before["reasons"]]

    new = _dev(client, "new-holder", phone=PHONE)
    post(client, "/v1/declarations", declaration(id_number=NEW_ID), new["token"])

    after = body(get(client, "/v1/code", old["token"]))
    assert "abroad_14d" not in [r["code"] for r in after["reasons"]]
    assert after["colour"] != "red"  # its declaration still waits for review: pending
    assert body(get(client, "/v1/code", new["token"]))["colour"] == "red"


def test_the_move_is_audited_with_no_phone_in_clear(client):
    old = _dev(client, "old-holder", phone=PHONE)
    new = _dev(client, "new-holder", phone=PHONE)
    admin = login(client, "auditor", role="admin")

    trail = body(get(client, f"/v1/admin/audit?subject={old['user']['id']}", admin))["items"]

    (moved,) = [e for e in trail if e["action"] == "phone_moved"]
    assert moved["before"] == {"holder": old["user"]["id"]}
    assert moved["after"] == {"holder": new["user"]["id"]}
    assert PHONE not in str(trail) and "5678" not in str(trail)
