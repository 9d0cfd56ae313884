"""infra/: what runs Yima as a service (issue 34), held on infra/generate.py's output.

Point-in-time recovery on every table within its retention, deletion protection on
people's tables, a dead-letter queue behind every queue and an alarm on each, an
action on every alarm, an alias and a canary on every function Chalice packages, the
API invoking the alias, and a daily backup copied to the other China region.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from chalicelib.federation.store import CONVERSION_RETENTION
from chalicelib.kernel import retention
from tests.unit.test_infra import _load

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "infra" / "resources.json"


generate = _load("infra_generate_ops", ROOT / "infra" / "generate.py")


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return dict(json.loads(RESOURCES.read_text(encoding="utf-8"))["Resources"])


def _of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: v for k, v in resources.items() if v.get("Type") == kind}


def _table_name(table: dict[str, Any]) -> str:
    return str(table["Properties"]["TableName"]["Fn::Sub"]).removeprefix("yima-${Stage}-")


def _retention_days(table: str) -> int:
    """The longest any item of ``table`` is kept, in days (35+ for the kept tables)."""
    if table in retention.KEPT:
        return 10_000
    keep = retention.RULES[table].keep
    if keep is None:  # per item: the reasons in retention.py, read in infra/ops.py
        return {
            "partner_status": 30,
            "conversions": CONVERSION_RETENTION.days,  # the store's expiry
            "runtime": 10_000,
            "printed_codes": 31,
            "care_requests": 7,
        }[table]
    return max(1, keep.days)


# --- data that survives mistakes ---------------------------------------------------------


def test_every_table_has_pitr_no_longer_than_its_retention(resources: dict[str, Any]) -> None:
    tables = _of_type(resources, "AWS::DynamoDB::Table")
    assert tables
    for table in tables.values():
        name = _table_name(table)
        pitr = table["Properties"]["PointInTimeRecoverySpecification"]
        assert pitr["PointInTimeRecoveryEnabled"] is True, name
        days = pitr["RecoveryPeriodInDays"]
        assert 1 <= days <= 35, name
        assert days <= _retention_days(name), name
        if _retention_days(name) >= 35:
            assert days == 35, f"{name}: kept long, the longest window"
    # spot checks of the arithmetic
    by_name = {_table_name(t): t for t in tables.values()}
    period = "RecoveryPeriodInDays"
    assert by_name["stays"]["Properties"]["PointInTimeRecoverySpecification"][period] == 15
    assert by_name["idempotency"]["Properties"]["PointInTimeRecoverySpecification"][period] == 1


def test_tables_holding_people_are_protected_from_deletion(resources: dict[str, Any]) -> None:
    tables = {_table_name(t): t for t in _of_type(resources, "AWS::DynamoDB::Table").values()}
    assert set(retention.PERSONAL_TABLES) <= set(tables)
    for name in retention.PERSONAL_TABLES:
        assert tables[name]["Properties"]["DeletionProtectionEnabled"] is True, name
        assert tables[name]["DeletionPolicy"] == "Retain"
    for name in set(tables) - set(retention.PERSONAL_TABLES):  # public data: prod only
        assert tables[name]["Properties"]["DeletionProtectionEnabled"] == {
            "Fn::If": ["IsProd", True, False]
        }


def test_daily_backups_copied_to_the_other_china_region(resources: dict[str, Any]) -> None:
    template = json.loads(RESOURCES.read_text(encoding="utf-8"))
    [rule] = resources["BackupPlan"]["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert (
        rule["ScheduleExpression"].startswith("cron(") and "* * ? *" in rule["ScheduleExpression"]
    )
    assert rule["TargetBackupVault"] == {"Ref": "BackupVault"}
    [copy] = rule["CopyActions"]
    assert copy["DestinationBackupVaultArn"] == {"Ref": "BackupCopyVaultArn"}
    assert copy["Lifecycle"]["DeleteAfterDays"] == rule["Lifecycle"]["DeleteAfterDays"]

    pattern = re.compile(template["Parameters"]["BackupCopyVaultArn"]["AllowedPattern"])
    for region in ("cn-north-1", "cn-northwest-1"):
        arn = f"arn:aws-cn:backup:{region}:123456789012:backup-vault:yima-prod-backups"
        assert pattern.match(arn)
    assert not pattern.match("arn:aws:backup:us-east-1:123456789012:backup-vault:yima-prod")

    # Backups are kept 35 days: only tables whose data may be kept that long are taken.
    selected = {
        r["Fn::GetAtt"][0]
        for r in resources["BackupSelection"]["Properties"]["BackupSelection"]["Resources"]
    }
    tables = _of_type(resources, "AWS::DynamoDB::Table")
    keep = rule["Lifecycle"]["DeleteAfterDays"]
    for logical_id, table in tables.items():
        long_lived = _retention_days(_table_name(table)) >= keep
        assert (logical_id in selected) == long_lived, logical_id
    for name in ("people", "colours", "identities", "users", "runtime", "status_marks"):
        assert generate.table_logical_id(_model(name)) in selected
    policy = resources["BackupVault"]["Properties"]["AccessPolicy"]["Statement"][0]
    assert policy["Effect"] == "Deny" and "backup:DeleteRecoveryPoint" in policy["Action"]


def _model(name: str) -> Any:
    from chalicelib.datamodel import logical_names

    return next(m for m, n in logical_names().items() if n == name)


# --- queues and alarms -------------------------------------------------------------------


def test_every_queue_has_a_dead_letter_queue_and_every_dead_letter_queue_an_alarm(
    resources: dict[str, Any],
) -> None:
    queues = _of_type(resources, "AWS::SQS::Queue")
    text = json.dumps(resources)
    dead_letter = set()
    for queue in queues.values():
        redrive = queue["Properties"].get("RedrivePolicy")
        if redrive is not None:
            target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
            assert target in queues and redrive["maxReceiveCount"] >= 1
            dead_letter.add(target)
    for logical_id in queues:
        if (
            logical_id not in dead_letter
            and "RedrivePolicy" not in queues[logical_id]["Properties"]
        ):
            # a failure target of the schedules (EventBridge DLQ, Lambda on-failure)
            assert json.dumps({"Fn::GetAtt": [logical_id, "Arn"]}) in text, logical_id
            dead_letter.add(logical_id)
    assert dead_letter == {"RecolourDeadLetterQueue", "ScheduleDeadLetterQueue"}
    for queue in dead_letter:
        alarm = resources[f"{queue}NotEmptyAlarm"]["Properties"]
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert alarm["Dimensions"] == [
            {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}
        ]
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (
            1,
            "GreaterThanOrEqualToThreshold",
        )


def test_every_alarm_has_an_action(resources: dict[str, Any]) -> None:
    alarms = _of_type(resources, "AWS::CloudWatch::Alarm")
    assert resources["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    for logical_id, alarm in alarms.items():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}], logical_id
        assert props["OKActions"] == [{"Ref": "AlarmTopic"}], logical_id
        assert props.get("ActionsEnabled", True) is True


def test_the_issues_alarms_exist_on_the_metrics_the_app_emits(resources: dict[str, Any]) -> None:
    alarms = _of_type(resources, "AWS::CloudWatch::Alarm")
    yima = {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in alarms.values()
        if a["Properties"].get("Namespace") == "Yima"
    }
    for metric in (
        "RequestsShed",
        "RecolourLagSeconds",
        "RecolourFailed",
        "NoticesFailed",
        "StaffBurstAlerts",
        "CheckpointBurstAlerts",
    ):
        assert {"Name": "service", "Value": "yima"} in yima[metric]["Dimensions"], metric
    routes = {
        next(d["Value"] for d in a["Properties"]["Dimensions"] if d["Name"] == "route")
        for a in alarms.values()
        if a["Properties"].get("MetricName") == "Latency"
    }
    assert routes == {"GET /v1/code", "POST /v1/verify"}
    math = resources["ServerErrorRateAlarm"]["Properties"]["Metrics"]
    names = {m["MetricStat"]["Metric"]["MetricName"] for m in math if "MetricStat" in m}
    assert names == {"5XXError", "Count"}
    for function in generate.chalice_functions():
        assert f"{function}ThrottlesAlarm" in alarms
        assert f"{function}ErrorsAlarm" in alarms


def test_the_dashboard_shows_every_alarm(resources: dict[str, Any]) -> None:
    body = json.loads(resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"])
    [alarm_widget] = [w for w in body["widgets"] if w["type"] == "alarm"]
    shown = {
        a.removeprefix("${").removesuffix(".Arn}") for a in alarm_widget["properties"]["alarms"]
    }
    assert shown == set(_of_type(resources, "AWS::CloudWatch::Alarm"))
    assert len(shown) <= 100  # an alarm widget's limit


# --- safe deploys ------------------------------------------------------------------------


def test_the_functions_are_the_ones_chalice_packages() -> None:
    from app import app

    assert set(generate.chalice_functions()) == {
        "APIHandler",
        "RefreshRiskAreas",
        "Recolour",
        "ExpireDue",
        "ExpireDueAtMidnight",
    }
    assert len(app.event_sources) + 1 == len(generate.chalice_functions())


def test_every_function_has_an_alias_and_a_canary_on_its_alarms(resources: dict[str, Any]) -> None:
    for function, (kind, _events) in generate.chalice_functions().items():
        overlay = resources[function]
        assert "Type" not in overlay  # deep-merged into Chalice's function
        props = overlay["Properties"]
        assert props["AutoPublishAlias"] == "live", function
        preference = props["DeploymentPreference"]
        assert preference["Type"] == "Canary10Percent5Minutes"
        alarms = [a["Ref"] for a in preference["Alarms"]]
        assert f"{function}ErrorsAlarm" in alarms
        for alarm in alarms:
            assert resources[alarm]["Type"] == "AWS::CloudWatch::Alarm"
        if kind == "api":
            assert "ServerErrorRateAlarm" in alarms and "CodeLatencyAlarm" in alarms
            assert "ReservedConcurrentExecutions" not in props  # the account's pool is its
        else:
            assert props["ReservedConcurrentExecutions"] >= 1, function
        log_group = resources[f"{function}LogGroup"]["Properties"]
        assert log_group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{function}}}"}
        assert log_group["RetentionInDays"] >= 1


def test_the_api_invokes_the_alias(resources: dict[str, Any]) -> None:
    paths = resources["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    for path, methods in generate.chalice_routes().items():
        for method in methods:
            uri = paths[path][method.lower()]["x-amazon-apigateway-integration"]["uri"]
            assert "${APIHandler.Alias}" in uri["Fn::Sub"], (path, method)
    permission = resources["APIHandlerInvokePermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "APIHandler.Alias"}


def test_provisioned_concurrency_for_the_morning_peak(resources: dict[str, Any]) -> None:
    target = resources["ApiPeakConcurrency"]["Properties"]
    assert target["ResourceId"] == {"Fn::Sub": "function:${APIHandler}:live"}
    assert target["ScalableDimension"] == "lambda:function:ProvisionedConcurrency"
    up, down = target["ScheduledActions"]
    assert up["Timezone"] == down["Timezone"] == "Asia/Shanghai"
    assert up["Schedule"] == "cron(30 6 * * ? *)" and down["Schedule"] == "cron(30 9 * * ? *)"
    assert up["ScalableTargetAction"]["MinCapacity"] == {"Ref": "PeakProvisionedConcurrency"}
    assert down["ScalableTargetAction"] == {"MinCapacity": 0, "MaxCapacity": 0}


def test_a_mass_recolour_cannot_starve_the_api(resources: dict[str, Any]) -> None:
    recolour = resources["Recolour"]["Properties"]
    reserved = recolour["ReservedConcurrentExecutions"]
    scaling = recolour["Events"]["RecolourSqsEventSource"]["Properties"]["ScalingConfig"]
    # the poller never asks for more than the function may run: no throttled receives
    assert 2 <= scaling["MaximumConcurrency"] <= reserved
