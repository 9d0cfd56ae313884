"""The decommission command on moto: a dry run counts, a confirmed run purges, table by
table, every item of personal data, and keeps the public risk snapshots and policies."""

from __future__ import annotations

import json

import pytest

from chalicelib import cli
from chalicelib.datamodel import logical_names
from chalicelib.kernel import retention
from chalicelib.kernel.dynamo.purge import model_for
from chalicelib.kernel.dynamo.runtime import RuntimeRecord
from tests.app.checkpoints import posted_gate
from tests.app.test_carrier_and_card import row
from tests.conftest import TEST_ENV
from tests.helpers import body, declaration, get, login, post


@pytest.fixture
def env(monkeypatch):
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def epidemic(client):
    """A little of everything: accounts, declarations, codes, stays, scans, marks,
    appeals, audit, a batch record, counters, a risk snapshot and a policy text."""
    citizen = login(client, "zhang", phone="13812345678")
    assert post(client, "/v1/declarations", declaration(symptoms=["cough"]), citizen).status_code
    post(client, "/v1/me/appeals", {"reason": "过敏"}, citizen)
    token = body(get(client, "/v1/code", citizen))["token"]
    gate, venue_id = posted_gate(client, "gate")
    post(client, "/v1/verify", {"token": token, "venue_id": venue_id}, gate)
    carrier = login(client, "cmcc", role="carrier")
    post(client, "/v1/feeds/carrier", {"batch_id": "b1", "stays": [row()]}, carrier)
    official = login(client, "official-a", role="official")
    post(
        client,
        "/v1/admin/status",
        {
            "id_number": declaration()["id_number"],
            "status": "confirmed",
            "category": "case_report",
            "note": "n",
        },
        official,
    )
    feed = {
        "feed_id": "f1",
        "published_at": "2026-11-20T09:00:00+08:00",
        "areas": [
            {
                "region_code": "610113",
                "area": "电子城街道",
                "level": "high",
                "since": "2026-11-15T00:00:00+08:00",
            }
        ],
    }
    post(client, "/v1/feeds/risk-areas", feed, official)
    client.http.put(
        "/v1/admin/regions/610113/policy",
        headers={"Authorization": f"Bearer {official}", "Content-Type": "application/json"},
        body=json.dumps({"text": "抵西人员须三天两检"}),
    )


def _counts():
    return {t: sum(1 for _ in model_for(t).scan()) for t in logical_names().values()}


def _run(capsys, *argv):
    assert cli.main(["decommission", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_dry_run_counts_every_table_and_deletes_nothing(env, epidemic, capsys):
    before = _counts()

    report = _run(capsys, "--dry-run")

    assert _counts() == before
    assert report["dry_run"] is True and report["deleted"] == 0
    assert set(report["tables"]) == set(retention.PERSONAL_TABLES)
    for table, counts in report["tables"].items():
        assert counts["found"] == before[table], table
    seeded = {t for t, n in before.items() if n and t in retention.PERSONAL_TABLES}
    assert seeded >= {"identities", "users", "people", "declarations", "colours", "stays"}
    assert seeded >= {"place_days", "scans", "status_marks", "appeals", "audit", "idempotency"}


@pytest.mark.parametrize("argv", [[], ["--confirm", "prod"], ["--confirm", ""]])
def test_without_the_stage_confirmed_nothing_is_deleted(env, epidemic, argv, capsys):
    before = _counts()

    with pytest.raises(SystemExit) as exited:
        cli.main(["decommission", *argv])

    assert exited.value.code == 2
    assert "--confirm test" in capsys.readouterr().err
    assert _counts() == before


def test_a_confirmed_run_purges_personal_data_and_keeps_public_data(env, epidemic, capsys):
    before = _counts()
    planned = _run(capsys, "--dry-run")

    report = _run(capsys, "--confirm", "test")

    after = _counts()
    for table in retention.PERSONAL_TABLES:
        if table == "runtime":
            continue
        assert after[table] == 0, table
        assert report["tables"][table]["deleted"] == before[table], table
    assert [r.key for r in RuntimeRecord.scan()] == ["policy:610113"]
    assert report["tables"]["runtime"]["kept"] == 1
    assert after["risk_feeds"] == before["risk_feeds"] > 0
    assert report["deleted"] == planned["found"] - planned["tables"]["runtime"]["kept"]
    assert any("KMS key" in step for step in report["next_steps"])


def test_a_second_run_finds_nothing_left(env, epidemic, capsys):
    _run(capsys, "--confirm", "test")

    again = _run(capsys, "--confirm", "test")

    assert again["deleted"] == 0
    assert again["found"] == again["tables"]["runtime"]["kept"] == 1
