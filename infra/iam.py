"""The Lambda role's least-privilege IAM policies, one per stage.

``infra/generate.py --write`` renders them into ``.chalice/policy-<stage>.json``;
Chalice's ``autogen_policy`` is off for every stage, since it sees only the boto3
calls in ``app.py``. Item actions on the stage's tables only (no Scan: the one
command that scans, ``decommission``, runs with an operator's credentials), the
stage's secret, data key, feed bucket and recolour queue. Resources are named
``yima-<stage>-*``, as ``infra/generate.py`` names them in the template.
"""

from __future__ import annotations

from typing import Any

# The partition we deploy to: cn-northwest-1 (Ningxia). Data about Chinese
# citizens' health stays in China. The template itself uses ${AWS::Partition}.
PARTITION = "aws-cn"
APP = "yima"  # the stack's name and every resource's prefix
POLICY_STAGES = ("local", "dev", "prod")

DYNAMODB_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
)
SQS_ACTIONS = (
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
)


def lambda_policy(stage: str) -> dict[str, Any]:
    """The least-privilege policy of the stage's Lambda role (no Scan, no wildcard actions)."""
    if stage not in POLICY_STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    prefix = f"{APP}-{stage}-"
    arn = f"arn:{PARTITION}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                # Function names start with the stack name: deploy the stack as yima-<stage>.
                "Resource": [
                    f"{arn}:logs:*:*:log-group:/aws/lambda/{prefix}*",
                    f"{arn}:logs:*:*:log-group:/aws/lambda/{prefix}*:log-stream:*",
                ],
            },
            {
                "Sid": "Tables",
                "Effect": "Allow",
                "Action": list(DYNAMODB_ACTIONS),
                "Resource": [
                    f"{arn}:dynamodb:*:*:table/{prefix}*",
                    f"{arn}:dynamodb:*:*:table/{prefix}*/index/*",
                ],
            },
            {
                "Sid": "AppSecret",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                # Secrets Manager appends "-" and six random characters to the name.
                "Resource": [f"{arn}:secretsmanager:*:*:secret:{APP}/{stage}/app-??????"],
            },
            {
                "Sid": "DataKeys",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": [f"{arn}:kms:*:*:key/*"],
                # Only the stage's key, named by its alias, and only for this stage's context.
                "Condition": {
                    "ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/{prefix}data"},
                    "StringEquals": {"kms:EncryptionContext:stage": stage},
                },
            },
            {
                "Sid": "FeedObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": [f"{arn}:s3:::{prefix}feeds/*"],
            },
            {
                "Sid": "FeedBucket",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [f"{arn}:s3:::{prefix}feeds"],
            },
            {
                "Sid": "RecolourQueue",
                "Effect": "Allow",
                "Action": list(SQS_ACTIONS),
                "Resource": [f"{arn}:sqs:*:*:{prefix}recolour"],
            },
            {
                # Lambda's on-failure destination of the scheduled functions sends with
                # the function's role (infra/ops.py, ScheduleDeadLetterQueue).
                "Sid": "ScheduleFailures",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": [f"{arn}:sqs:*:*:{prefix}schedule-dlq"],
            },
        ],
    }
