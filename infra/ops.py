"""Running Yima as a national service: alarms, a dashboard, backups and safe deploys.

``infra/generate.py`` merges these into ``infra/resources.json`` (issue 34):

- an SNS topic that every alarm notifies, on ALARM and on OK;
- alarms on the 5xx rate, the p99 latency of ``GET /v1/code`` and ``POST /v1/verify``,
  each function's errors and throttles, requests shed, every dead-letter queue not
  empty, recolour lag and failures, the staff and checkpoint burst alerts, notice
  failures; a CloudWatch dashboard of the same;
- an AWS Backup vault and a daily plan whose backups are copied to the vault of the
  other China region (a parameter), and which tables it takes;
- for every function Chalice packages: an alias (``live``) with a CodeDeploy canary
  that rolls back on that function's alarms, its log group with a retention, reserved
  concurrency for the background ones, and provisioned concurrency on the API's alias
  for the morning peak (Application Auto Scaling, Asia/Shanghai time).

The application's own metrics (namespace ``Yima``, dimension ``service=yima``) are
emitted by Powertools in ``chalicelib`` (docs/metrics.md); the names below must match.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.federation.store import CONVERSION_RETENTION
from chalicelib.kernel import retention

APP = "yima"
NAMESPACE = "Yima"  # Powertools' metrics namespace
SERVICE = {"Name": "service", "Value": APP}  # the dimension every Yima metric carries

ALIAS = "live"  # AutoPublishAlias: API Gateway and the schedules invoke this alias
DEPLOYMENT_TYPE = "Canary10Percent5Minutes"  # 10 % of traffic for 5 minutes, then all

API_FUNCTION = "APIHandler"  # Chalice's logical id of the function behind every route
API_INVOKE_PERMISSION = "APIHandlerInvokePermission"
ALARM_TOPIC = "AlarmTopic"
SCHEDULE_DLQ = "ScheduleDeadLetterQueue"

# --- thresholds ------------------------------------------------------------------------

SERVER_ERROR_PERCENT = 1.0  # of the API's requests in a minute, two minutes out of three
SERVER_ERROR_MIN_REQUESTS = 100  # fewer requests in a minute: too few to call it a rate
# p99 in ms over a minute, 3 minutes out of 5. Measured on Lambda: 6.6 ms for a code,
# 12.3 ms for a verification (docs/capacity.md); a cold start adds 1.6 s of imports, so
# a p99 past a second is many cold starts or a slow table, not a scaling blip.
P99_LATENCY_MS = {"GET /v1/code": 1000, "POST /v1/verify": 1500}
SHED_PER_MINUTE = 100  # chalicelib/kernel/shedding.py's 429s: the API is saturated
RECOLOUR_LAG_SECONDS = 3600  # a feed's arrival to its last person recoloured
NOTICES_FAILED_PER_5_MINUTES = 10

# --- concurrency -----------------------------------------------------------------------

# Reserved concurrency of the background functions (their ceiling, and what the API can
# never lose to them). Recolouring writes an audit event per person, and audit.by_day
# takes 1,000 writes a second at most (docs/capacity.md, "Keys that writes pile onto"):
# a worker recolours about 16 people a second (12 DynamoDB requests of 5 ms each), so
# more than 60 workers would only throttle on that key while taking the API's Lambdas.
RECOLOUR_CONCURRENCY = 60
SCHEDULED_CONCURRENCY = 2  # each schedule runs once per period; a lease serialises them
# The morning peak: provisioned concurrency on the API's alias from 06:30 to 09:30
# Beijing time (the parameter PeakProvisionedConcurrency sets how much).
PEAK_TIMEZONE = "Asia/Shanghai"
PEAK_UP = "cron(30 6 * * ? *)"
PEAK_DOWN = "cron(30 9 * * ? *)"

LOG_RETENTION_DAYS = 30  # request ids in the logs are the trace (no X-Ray in China)

# --- backups ---------------------------------------------------------------------------

PITR_MAX_DAYS = 35  # DynamoDB's longest point-in-time recovery window
# Tables whose items each carry their own expiry (retention.RULES with keep=None): the
# longest a restore may reach back, from retention.py's reasons.
PITR_DAYS_PER_ITEM = {
    "partner_status": 30,  # an attestation lives until valid_until, at most 30 days
    "conversions": CONVERSION_RETENTION.days,  # as long as the scans of the code
    "runtime": PITR_MAX_DAYS,  # wrapped data keys have no expiry: losing one loses data
    "printed_codes": 31,  # a day after the printed code's expiry, 30 days at most
    "care_requests": 7,  # an unanswered request lapses after a week
}
BACKUP_KEEP_DAYS = 35  # in this region's vault and in the other region's copy
BACKUP_SCHEDULE = "cron(0 2 * * ? *)"  # 02:00 Beijing time, the quietest hour


def pitr_days(table: str) -> int:
    """How far back a restore of ``table`` may reach: its retention, at most 35 days.

    A point-in-time restore brings back every item as it was then, including items
    deleted since because their retention ended: a window longer than the retention
    would keep, in effect, what retention.py says must go.
    """
    if table in retention.KEPT:
        return PITR_MAX_DAYS
    rule = retention.RULES[table]
    if rule.keep is None:
        return min(PITR_DAYS_PER_ITEM[table], PITR_MAX_DAYS)
    return max(1, min(rule.keep.days, PITR_MAX_DAYS))


def holds_people(table: str) -> bool:
    """A table holding people's data (retention.PERSONAL_TABLES): deletion protection."""
    return table in retention.PERSONAL_TABLES


def backed_up(table: str) -> bool:
    """Backups are kept :data:`BACKUP_KEEP_DAYS`: only tables whose data may be kept that
    long are backed up; the short-lived ones (stays, scans, ...) have their PITR window."""
    return pitr_days(table) >= BACKUP_KEEP_DAYS


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def _tags() -> list[dict[str, Any]]:
    return [{"Key": "app", "Value": APP}, {"Key": "stage", "Value": {"Ref": "Stage"}}]


# --- alarms ----------------------------------------------------------------------------


def _alarm(name: str, description: str, threshold: float, **spec: Any) -> dict[str, Any]:
    """An alarm that notifies the topic on ALARM and on OK. ``spec`` holds the metric
    (MetricName, Namespace, Dimensions, Statistic...) or Metrics (math)."""
    properties: dict[str, Any] = {
        "AlarmName": _sub(f"{APP}-${{Stage}}-{name}"),
        "AlarmDescription": description,
        "AlarmActions": [_ref(ALARM_TOPIC)],
        "OKActions": [_ref(ALARM_TOPIC)],
        "Threshold": threshold,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "TreatMissingData": "notBreaching",  # no data: nothing failed
    }
    if "Metrics" not in spec:
        properties["Period"] = 60
    properties.update(spec)
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": properties}


def _yima_metric(name: str, **dimensions: str) -> dict[str, Any]:
    dims = [SERVICE] + [{"Name": k, "Value": v} for k, v in dimensions.items()]
    return {"Namespace": NAMESPACE, "MetricName": name, "Dimensions": dims}


def _lambda_metric(function: str, name: str) -> dict[str, Any]:
    """A function's metric through its alias (the version CodeDeploy is shifting to and
    the one it shifts from both answer under it)."""
    return {
        "Namespace": "AWS/Lambda",
        "MetricName": name,
        "Dimensions": [
            {"Name": "FunctionName", "Value": _ref(function)},
            {"Name": "Resource", "Value": _sub(f"${{{function}}}:{ALIAS}")},
        ],
    }


def latency_alarm_id(route: str) -> str:
    return {"GET /v1/code": "CodeLatencyAlarm", "POST /v1/verify": "VerifyLatencyAlarm"}[route]


def function_alarm_ids(function: str) -> list[str]:
    """The alarms CodeDeploy watches while it shifts ``function``'s traffic."""
    alarms = [f"{function}ErrorsAlarm", f"{function}ThrottlesAlarm"]
    if function == API_FUNCTION:
        alarms += ["ServerErrorRateAlarm"] + [latency_alarm_id(r) for r in P99_LATENCY_MS]
    return alarms


def alarms(functions: list[str], dead_letter_queues: list[str]) -> dict[str, Any]:
    api_dims = [
        {"Name": "ApiName", "Value": _sub(f"{APP}-${{Stage}}")},
        {"Name": "Stage", "Value": "api"},
    ]

    def api_metric(id_: str, name: str) -> dict[str, Any]:
        return {
            "Id": id_,
            "ReturnData": False,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/ApiGateway",
                    "MetricName": name,
                    "Dimensions": api_dims,
                },
                "Period": 60,
                "Stat": "Sum",
            },
        }

    result: dict[str, Any] = {
        "ServerErrorRateAlarm": _alarm(
            "server-error-rate",
            f"More than {SERVER_ERROR_PERCENT} % of the API's requests answered 5xx (API "
            "Gateway's count: the app's errors, Lambda throttles and timeouts). Rolls back "
            "a deploy of the API function.",
            SERVER_ERROR_PERCENT,
            EvaluationPeriods=3,
            DatapointsToAlarm=2,
            Metrics=[
                api_metric("errors", "5XXError"),
                api_metric("requests", "Count"),
                {
                    "Id": "rate",
                    "Label": "5xx, % of requests",
                    "ReturnData": True,
                    "Expression": (
                        f"IF(requests >= {SERVER_ERROR_MIN_REQUESTS}, 100 * errors / requests, 0)"
                    ),
                },
            ],
        ),
        "RequestsShedAlarm": _alarm(
            "requests-shed",
            "The API is shedding load (429 from chalicelib/kernel/shedding.py): it is "
            "saturated. See the runbook, the Monday morning peak.",
            SHED_PER_MINUTE,
            EvaluationPeriods=5,
            DatapointsToAlarm=3,
            Statistic="Sum",
            **_yima_metric("RequestsShed"),
        ),
        "RecolourLagAlarm": _alarm(
            "recolour-lag",
            "A risk feed took more than an hour from its arrival to its last person "
            "recoloured: codes are showing yesterday's risk.",
            RECOLOUR_LAG_SECONDS,
            Period=300,
            Statistic="Maximum",
            **_yima_metric("RecolourLagSeconds"),
        ),
        "RecolourFailedAlarm": _alarm(
            "recolour-failed",
            "People whose recolour failed (SQS redelivers them; five failures send the "
            "message to the dead-letter queue).",
            1,
            Period=300,
            Statistic="Sum",
            **_yima_metric("RecolourFailed"),
        ),
        "NoticesFailedAlarm": _alarm(
            "notices-failed",
            "Notices to people (a colour change, an appeal's answer) failed to send.",
            NOTICES_FAILED_PER_5_MINUTES,
            Period=300,
            Statistic="Sum",
            **_yima_metric("NoticesFailed"),
        ),
        "StaffBurstAlarm": _alarm(
            "staff-lookup-burst",
            "A staff account looked up more people than its alert rate allows "
            "(alert: staff_lookup_burst, chalicelib/kernel/limits.py): a leaked or "
            "misused official account? Read its audit trail.",
            1,
            Period=300,
            Statistic="Sum",
            **_yima_metric("StaffBurstAlerts"),
        ),
        "CheckpointBurstAlarm": _alarm(
            "checkpoint-recolour-burst",
            "A checkpoint account's scans recoloured more people than its alert rate "
            "allows (alert: checkpoint_recolour_burst): a checkpoint turning codes red?",
            1,
            Period=300,
            Statistic="Sum",
            **_yima_metric("CheckpointBurstAlerts"),
        ),
    }
    for route, threshold in P99_LATENCY_MS.items():
        result[latency_alarm_id(route)] = _alarm(
            "p99-" + route.split()[-1].rsplit("/", 1)[-1] + "-latency",
            f"p99 latency of {route} above {threshold} ms. Rolls back a deploy of the API.",
            threshold,
            EvaluationPeriods=5,
            DatapointsToAlarm=3,
            ExtendedStatistic="p99",
            **_yima_metric("Latency", route=route),
        )
    for function in functions:
        api = function == API_FUNCTION
        result[f"{function}ErrorsAlarm"] = _alarm(
            f"{function}-errors",
            f"{function} failed (unhandled errors and timeouts, through the {ALIAS} alias). "
            "Rolls back its deploy.",
            5 if api else 1,  # the API answers its own errors: these are crashes
            Statistic="Sum",
            **_lambda_metric(function, "Errors"),
        )
        result[f"{function}ThrottlesAlarm"] = _alarm(
            f"{function}-throttles",
            f"{function} was throttled: "
            + (
                "the account's concurrency is used up; citizens get 5xx."
                if api
                else "its reserved concurrency is used up."
            ),
            1,
            EvaluationPeriods=3 if not api else 1,
            DatapointsToAlarm=2 if not api else 1,
            Statistic="Sum",
            **_lambda_metric(function, "Throttles"),
        )
    for queue in dead_letter_queues:
        result[f"{queue}NotEmptyAlarm"] = _alarm(
            f"{queue}-not-empty",
            f"Messages in {queue}: work that failed every retry. Read them, fix the "
            "cause, then redrive them (the runbook).",
            1,
            Period=300,
            Statistic="Maximum",
            Namespace="AWS/SQS",
            MetricName="ApproximateNumberOfMessagesVisible",
            Dimensions=[{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}],
        )
    return result


def alarm_topic() -> dict[str, Any]:
    # Not encrypted: CloudWatch cannot publish to a topic under the AWS managed SNS key,
    # and a message holds an alarm's name and state only. Subscribe the on-call's
    # endpoint once per stage (infra/README.md).
    return {
        ALARM_TOPIC: {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": _sub(f"{APP}-${{Stage}}-alarms"),
                "DisplayName": _sub("Yima ${Stage} alarms"),
                "Tags": _tags(),
            },
        }
    }


# --- dashboard -------------------------------------------------------------------------


def _graph(title: str, metrics: list[list[Any]], stat: str = "Sum", **extra: Any) -> dict[str, Any]:
    return {
        "type": "metric",
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "metrics": metrics,
            "stat": stat,
            "period": 60,
            "view": "timeSeries",
            **extra,
        },
    }


def _search(expression: str, label: str) -> list[Any]:
    return [{"expression": expression, "label": label, "id": label.lower().replace(" ", "_")}]


def dashboard(
    functions: list[str], dead_letter_queues: list[str], alarm_ids: list[str]
) -> dict[str, Any]:
    """One page: alarms, traffic, latency, Lambda, recolour, queues, security alerts."""
    yima = f"{{{NAMESPACE},service,route,status}} MetricName="
    lambdas = [
        ["AWS/Lambda", m, "FunctionName", "${" + f + "}", {"label": f"{f} {m}"}]
        for f in functions
        for m in ("Throttles", "Errors")
    ]
    widgets = [
        {
            "type": "alarm",
            "width": 24,
            "height": 4,
            "properties": {
                "title": "Alarms",
                "alarms": ["${" + a + ".Arn}" for a in alarm_ids],
            },
        },
        _graph(
            "Requests by route and status",
            [_search(f"SEARCH('{yima}\"Requests\"', 'Sum', 60)", "Requests")],
        ),
        _graph(
            "5xx and requests shed",
            [
                [NAMESPACE, "ServerErrors", "service", APP],
                [NAMESPACE, "RequestsShed", "service", APP],
            ],
        ),
        _graph(
            "p99 latency (ms)",
            [[NAMESPACE, "Latency", "service", APP, "route", r] for r in P99_LATENCY_MS],
            stat="p99",
        ),
        _graph("Lambda throttles and errors", lambdas),
        _graph(
            "API concurrency (provisioned for the morning peak)",
            [
                ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", "${APIHandler}"],
                [
                    "AWS/Lambda",
                    "ProvisionedConcurrencyUtilization",
                    "FunctionName",
                    "${APIHandler}",
                    "Resource",
                    "${APIHandler}:" + ALIAS,
                    {"stat": "Maximum"},
                ],
            ],
            stat="Maximum",
        ),
        _graph(
            "Codes issued by colour, verifications",
            [
                _search(
                    f"SEARCH('{{{NAMESPACE},service,colour}} MetricName=\"CodesIssued\"', "
                    "'Sum', 60)",
                    "Codes issued",
                ),
                [NAMESPACE, "Verifications", "service", APP],
            ],
        ),
        _graph(
            "Recolour lag (s) and failures",
            [
                [NAMESPACE, "RecolourLagSeconds", "service", APP, {"stat": "Maximum"}],
                [NAMESPACE, "RecolourFailed", "service", APP],
            ],
        ),
        _graph(
            "Queues: recolour backlog and dead letters",
            [
                [
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    "${" + q + ".QueueName}",
                ]
                for q in ["RecolourQueue", *dead_letter_queues]
            ],
            stat="Maximum",
        ),
        _graph(
            "Notices failed, staff and checkpoint burst alerts",
            [
                [NAMESPACE, "NoticesFailed", "service", APP],
                [NAMESPACE, "StaffBurstAlerts", "service", APP],
                [NAMESPACE, "CheckpointBurstAlerts", "service", APP],
            ],
        ),
    ]
    body = json.dumps({"widgets": widgets}, separators=(",", ":"))
    return {
        "Dashboard": {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {
                "DashboardName": _sub(f"{APP}-${{Stage}}"),
                "DashboardBody": _sub(body),
            },
        }
    }


# --- backups ---------------------------------------------------------------------------


def backups(tables: dict[str, str]) -> dict[str, Any]:
    """The vault, the daily plan with its copy to the other region, and its selection.

    ``tables``: logical table name -> logical id of its resource.
    """
    selected = [tables[name] for name in sorted(tables) if backed_up(name)]
    return {
        "BackupVault": {
            "Type": "AWS::Backup::BackupVault",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BackupVaultName": _sub(f"{APP}-${{Stage}}-backups"),
                # Nobody deletes a recovery point by hand; the plan's lifecycle still does.
                "AccessPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "NoManualDeletion",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": [
                                "backup:DeleteRecoveryPoint",
                                "backup:UpdateRecoveryPointLifecycle",
                            ],
                            "Resource": "*",
                        }
                    ],
                },
                "BackupVaultTags": {"app": APP, "stage": _ref("Stage")},
            },
        },
        "BackupPlan": {
            "Type": "AWS::Backup::BackupPlan",
            "Properties": {
                "BackupPlan": {
                    "BackupPlanName": _sub(f"{APP}-${{Stage}}-daily"),
                    "BackupPlanRule": [
                        {
                            "RuleName": "daily",
                            "TargetBackupVault": _ref("BackupVault"),
                            "ScheduleExpression": BACKUP_SCHEDULE,
                            "ScheduleExpressionTimezone": PEAK_TIMEZONE,
                            "StartWindowMinutes": 60,
                            "CompletionWindowMinutes": 480,
                            "Lifecycle": {"DeleteAfterDays": BACKUP_KEEP_DAYS},
                            "CopyActions": [
                                {
                                    "DestinationBackupVaultArn": _ref("BackupCopyVaultArn"),
                                    "Lifecycle": {"DeleteAfterDays": BACKUP_KEEP_DAYS},
                                }
                            ],
                        }
                    ],
                },
                "BackupPlanTags": {"app": APP, "stage": _ref("Stage")},
            },
        },
        "BackupRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "backup.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "ManagedPolicyArns": [
                    _sub(
                        "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                        f"AWSBackupServiceRolePolicyFor{what}"
                    )
                    for what in ("Backup", "Restores")
                ],
                "Tags": _tags(),
            },
        },
        "BackupSelection": {
            "Type": "AWS::Backup::BackupSelection",
            "Properties": {
                "BackupPlanId": _ref("BackupPlan"),
                "BackupSelection": {
                    "SelectionName": _sub(f"{APP}-${{Stage}}-tables"),
                    "IamRoleArn": {"Fn::GetAtt": ["BackupRole", "Arn"]},
                    "Resources": [{"Fn::GetAtt": [t, "Arn"]} for t in selected],
                },
            },
        },
    }


# --- functions -------------------------------------------------------------------------


def _async_failure_config() -> dict[str, Any]:
    return {
        "MaximumRetryAttempts": 2,
        "DestinationConfig": {
            "OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": [SCHEDULE_DLQ, "Arn"]}}
        },
    }


def function_overlay(
    function: str, kind: str, events: list[str], peak_dependency: bool = False
) -> dict[str, Any]:
    """What the merge adds to a function Chalice packages (no Type: it deep-merges).

    ``kind``: ``api``, ``schedule`` or ``sqs``; ``events``: Chalice's event names.
    """
    properties: dict[str, Any] = {
        "AutoPublishAlias": ALIAS,
        "DeploymentPreference": {
            "Type": DEPLOYMENT_TYPE,
            "Alarms": [_ref(a) for a in function_alarm_ids(function)],
        },
    }
    if kind == "schedule":
        properties["ReservedConcurrentExecutions"] = SCHEDULED_CONCURRENCY
        properties["EventInvokeConfig"] = _async_failure_config()
        properties["Events"] = {
            event: {
                "Properties": {
                    "DeadLetterConfig": {"Arn": {"Fn::GetAtt": [SCHEDULE_DLQ, "Arn"]}},
                    "RetryPolicy": {"MaximumRetryAttempts": 2},
                }
            }
            for event in events
        }
    elif kind == "sqs":
        properties["ReservedConcurrentExecutions"] = RECOLOUR_CONCURRENCY
        # The poller stays under the reserved concurrency, so it is never throttled
        # (a throttled message counts as a receive, and five of them dead-letter it).
        properties["Events"] = {
            event: {"Properties": {"ScalingConfig": {"MaximumConcurrency": RECOLOUR_CONCURRENCY}}}
            for event in events
        }
    # The log group names the function (its name is CloudFormation's), so it follows it.
    return {"Properties": properties}


def log_group(function: str) -> dict[str, Any]:
    """The function's log group, made before it, with a retention (Lambda's own has none)."""
    return {
        "Type": "AWS::Logs::LogGroup",
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": {
            "LogGroupName": _sub(f"/aws/lambda/${{{function}}}"),
            "RetentionInDays": LOG_RETENTION_DAYS,
            "Tags": _tags(),
        },
    }


def api_alias_overlays(routes: dict[str, list[str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(OpenAPI paths, permission overlay) that make API Gateway invoke the ``live`` alias.

    ``routes``: path -> HTTP methods, as Chalice registers them.
    """
    uri = _sub(
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
        f"${{{API_FUNCTION}.Alias}}/invocations"
    )
    paths = {
        path: {m.lower(): {"x-amazon-apigateway-integration": {"uri": uri}} for m in methods}
        for path, methods in routes.items()
    }
    permission = {"Properties": {"FunctionName": _ref(f"{API_FUNCTION}.Alias")}}
    return paths, permission


def peak_concurrency() -> dict[str, Any]:
    return {
        "ApiPeakConcurrency": {
            "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
            # SAM names the alias <function>Alias<alias>; it must exist first.
            "DependsOn": [f"{API_FUNCTION}Alias{ALIAS}"],
            "Properties": {
                "ServiceNamespace": "lambda",
                "ScalableDimension": "lambda:function:ProvisionedConcurrency",
                "ResourceId": _sub(f"function:${{{API_FUNCTION}}}:{ALIAS}"),
                "MinCapacity": 0,
                "MaxCapacity": _ref("PeakProvisionedConcurrency"),
                "ScheduledActions": [
                    {
                        "ScheduledActionName": "morning-peak-start",
                        "Schedule": PEAK_UP,
                        "Timezone": PEAK_TIMEZONE,
                        "ScalableTargetAction": {
                            "MinCapacity": _ref("PeakProvisionedConcurrency"),
                            "MaxCapacity": _ref("PeakProvisionedConcurrency"),
                        },
                    },
                    {
                        "ScheduledActionName": "morning-peak-end",
                        "Schedule": PEAK_DOWN,
                        "Timezone": PEAK_TIMEZONE,
                        "ScalableTargetAction": {"MinCapacity": 0, "MaxCapacity": 0},
                    },
                ],
            },
        }
    }


def dead_letter_queue_waiver(what: str) -> dict[str, Any]:
    """cfn-lint-serverless ES6000 wants a redrive policy on every queue; a dead-letter
    queue is the end of the line (an alarm watches it instead)."""
    return {
        "cfn-lint": {"config": {"ignore_checks": ["ES6000"]}},
        "Waiver": f"ES6000: a dead-letter queue ({what}); its not-empty alarm watches it",
    }


def schedule_dead_letter_queue() -> dict[str, Any]:
    """Where a scheduled run goes when it could not be delivered (EventBridge) or failed
    every retry (Lambda's on-failure destination)."""
    return {
        SCHEDULE_DLQ: {
            "Type": "AWS::SQS::Queue",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Metadata": dead_letter_queue_waiver("EventBridge's and Lambda's failure target"),
            "Properties": {
                "QueueName": _sub(f"{APP}-${{Stage}}-schedule-dlq"),
                "MessageRetentionPeriod": 14 * 24 * 3600,
                "SqsManagedSseEnabled": True,
                "Tags": _tags(),
            },
        },
        f"{SCHEDULE_DLQ}Policy": {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [_ref(SCHEDULE_DLQ)],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "EventBridgeDeadLetters",
                            "Effect": "Allow",
                            "Principal": {"Service": "events.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": {"Fn::GetAtt": [SCHEDULE_DLQ, "Arn"]},
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": _sub("${AWS::AccountId}")}
                            },
                        }
                    ],
                },
            },
        },
    }
