"""Risk-area refresh on a schedule: the scheduled pull from S3 (its lease, a broken or
missing object), the schedule and the queue worker wired, ``expire_due`` recolouring the
people whose time has come, and a delayed rescan sent to SQS.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.app.risk_feeds import HIGH_YANTA, _citizen, _colour, snapshot
from tests.helpers import create_bucket, declaration, make_id_number, post

# --- the scheduled pull -----------------------------------------------------------------


@pytest.fixture
def bucket(container):
    s3 = container.aws.client("s3")
    create_bucket(s3, container.settings.feed_bucket)
    yield lambda document: s3.put_object(
        Bucket=container.settings.feed_bucket,
        Key=container.settings.feed_key,
        Body=json.dumps(document).encode(),
    )


def test_the_scheduled_pull_applies_then_refuses_stale_then_reports_missing(container, bucket):
    risk = container.risk
    bucket(snapshot("s1", "2026-11-20T09:00:00+08:00", HIGH_YANTA))
    assert risk.refresh_scheduled()["state"] == "active"
    assert risk.refresh_scheduled()["state"] == "unchanged"
    bucket(snapshot("s0", "2026-11-20T08:00:00+08:00"))
    assert risk.refresh_scheduled()["state"] == "refused_stale"
    container.aws.client("s3").delete_object(
        Bucket=container.settings.feed_bucket, Key=container.settings.feed_key
    )
    assert risk.refresh_scheduled()["state"] == "missing"


def test_a_broken_feed_object_is_reported_not_raised(container, bucket):
    bucket({"feed_id": "s1", "published_at": "soon", "areas": []})

    report = container.risk.refresh_scheduled()

    assert report["state"] == "invalid" and report["field"] == "published_at"


def test_a_second_refresh_while_one_holds_the_lease_skips(container, bucket, clock):
    assert container.risk.lease.acquire(
        "refresh_risk_areas", owner="other", until=clock.now + timedelta(minutes=5), now=clock.now
    )

    assert container.risk.refresh_scheduled()["state"] == "skipped"
    clock.now += timedelta(minutes=6)  # the other run's lease has run out
    bucket(snapshot("s1", "2026-11-20T09:00:00+08:00", HIGH_YANTA))
    assert container.risk.refresh_scheduled()["state"] == "active"


def test_the_schedule_and_the_queue_worker_are_wired(client, container):
    from chalicelib.risk.queue import SqsRecolourQueue

    sqs = container.aws.client("sqs")
    url = sqs.create_queue(QueueName=container.settings.queue_name)["QueueUrl"]
    people = [f"p_{n:020d}" for n in range(250)]

    counts = SqsRecolourQueue(lambda: sqs, container.settings.queue_name).submit(
        people, reason="test"
    )
    messages = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        messages += batch
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    sqs.delete_queue(QueueUrl=url)

    assert counts == {"queued": 250}
    assert sorted(len(json.loads(m["Body"])["person_ids"]) for m in messages) == [50, 100, 100]
    event = client.events.generate_sqs_event(
        message_bodies=[messages[0]["Body"]], queue_name=container.settings.queue_name
    )
    result = client.lambda_.invoke("recolour", event)  # unknown people: skipped, no failure
    assert result.payload is None


def test_expire_due_recolours_exactly_the_people_whose_time_has_come(client, container, clock):
    traveller = _citizen(client, "abroad", "13811110004", "610103", "444")
    stay_home = _citizen(client, "home", "13811110005", "610103", "555")
    clock.now += timedelta(minutes=1)
    post(
        client,
        "/v1/declarations",
        declaration(
            abroad_14d=True, phone="13811110004", id_number=make_id_number("61011319900101444")
        ),
        traveller,
    )
    assert _colour(client, traveller) == "red"
    people = [
        container.declarations.people.self_of(container.auth.authenticate(t).subject).person_id
        for t in (traveller, stay_home)
    ]

    clock.now += timedelta(days=15)
    report = container.risk.expire_due(container.colours.colours)

    assert report == report | {"state": "done", "due": 1, "people_recoloured": 1}
    assert [container.colours.current(p).assessment.colour.value for p in people] == [
        "green",
        "green",
    ]
    assert container.risk.expire_due(container.colours.colours)["due"] == 0


def test_a_rescan_goes_to_sqs_with_a_delay():
    from chalicelib.risk.queue import SqsRecolourQueue

    sent = []

    class FakeSqs:
        def get_queue_url(self, QueueName):
            return {"QueueUrl": f"https://sqs/{QueueName}"}

        def send_message(self, **kwargs):
            sent.append(kwargs)

    queue = SqsRecolourQueue(lambda: FakeSqs(), "yima-test-recolour")
    queue.submit_rescan(["610113"], day="2026-11-20", reason="r", delay_seconds=2000)

    (message,) = sent
    assert message["DelaySeconds"] == 900  # SQS's most
    assert json.loads(message["MessageBody"]) == {
        "rescan_regions": ["610113"],
        "day": "2026-11-20",
        "reason": "r",
    }
