"""Generate the AWS resources Chalice does not create, and the Lambda IAM policies.

Run from the repository root::

    python infra/generate.py > infra/resources.json             # what `make infra` runs
    python infra/generate.py --policy dev > .chalice/policy-dev.json
    python infra/generate.py --write                             # all of them at once

``infra/resources.json`` is merged into Chalice's SAM template by
``chalice package --merge-template infra/resources.json``. It holds the DynamoDB
tables (derived from the pynamodb models, so the two cannot disagree), the
recolour queue and its dead-letter queue, the feed bucket, the application
secret (a placeholder until ``python -m chalicelib.cli init-secrets`` fills it),
the API Gateway responses that give gateway-made errors the app's shape, and
``*/*`` as the API's binary media types, so a browser gets the PNG code as bytes.

The ``.chalice/policy-<stage>.json`` files are the Lambda role's least-privilege
policies (``infra/iam.py``); Chalice's ``autogen_policy`` is off for every stage.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chalicelib import datamodel  # noqa: E402 - needs the repo root on sys.path
from chalicelib.kernel.dynamo.tables import ttl_attribute  # noqa: E402
from infra import ops  # noqa: E402
from infra.iam import APP, POLICY_STAGES, lambda_policy  # noqa: E402

DEPLOYED_STAGES = ("dev", "prod")
LAMBDA_TIMEOUT_SECONDS = 30  # .chalice/config.json lambda_timeout
REST_API_ID = "RestAPI"  # the logical id of Chalice's AWS::Serverless::Api
RECOLOUR_FUNCTION = "Recolour"  # the logical id Chalice gives @app.on_sqs_message recolour
RECOLOUR_EVENT = "RecolourSqsEventSource"

RESOURCES_FILE = ROOT / "infra" / "resources.json"
BACKUP_VAULT_ARN_PATTERN = (
    r"^arn:aws-cn:backup:cn-(north|northwest)-1:[0-9]{12}:backup-vault:[A-Za-z0-9_.-]+$"
)


def policy_file(stage: str) -> Path:
    return ROOT / ".chalice" / f"policy-{stage}.json"


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _tags() -> list[dict[str, Any]]:
    return [{"Key": "app", "Value": APP}, {"Key": "stage", "Value": {"Ref": "Stage"}}]


def _retained(resource: dict[str, Any]) -> dict[str, Any]:
    return {**resource, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}


def _deleted(resource: dict[str, Any]) -> dict[str, Any]:
    """Said explicitly (cfn-lint I3011): messages in flight are not worth keeping."""
    return {**resource, "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"}


# --- DynamoDB ------------------------------------------------------------------


def table_logical_id(model: type[Any]) -> str:
    """``place_days`` → ``PlaceDaysTable``."""
    logical = datamodel.logical_names()[model]
    return "".join(part.capitalize() for part in re.split(r"[_\-]", logical)) + "Table"


def _key_schema(elements: list[dict[str, str]]) -> list[dict[str, str]]:
    # DynamoDB wants the HASH element first; pynamodb does not promise an order.
    keys = [{"AttributeName": e["AttributeName"], "KeyType": e["KeyType"]} for e in elements]
    return sorted(keys, key=lambda e: e["KeyType"])


def table_resource(model: type[Any]) -> dict[str, Any]:
    schema = model._get_schema()
    definitions = {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}
    properties: dict[str, Any] = {
        "TableName": _sub(f"{APP}-${{Stage}}-{datamodel.logical_names()[model]}"),
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": definitions[name]}
            for name in sorted(definitions)
        ],
        "KeySchema": _key_schema(schema["key_schema"]),
        # The window reaches back no further than the data is kept (infra/ops.py).
        "PointInTimeRecoverySpecification": {
            "PointInTimeRecoveryEnabled": True,
            "RecoveryPeriodInDays": ops.pitr_days(datamodel.logical_names()[model]),
        },
        "SSESpecification": {"SSEEnabled": True},
        # People's data: protected in every stage (turn it off by hand to delete a table);
        # public data (risk feeds, test sites, venues, trust lists) in prod only.
        "DeletionProtectionEnabled": (
            True
            if ops.holds_people(datamodel.logical_names()[model])
            else {"Fn::If": ["IsProd", True, False]}
        ),
        "Tags": _tags(),
    }
    if schema["local_secondary_indexes"]:
        raise NotImplementedError(f"{model.__name__}: local secondary indexes are not generated")
    indexes = sorted(schema["global_secondary_indexes"], key=lambda i: i["index_name"])
    if indexes:
        properties["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index["index_name"],
                "KeySchema": _key_schema(index["key_schema"]),
                "Projection": dict(index["projection"]),
            }
            for index in indexes
        ]
    ttl = ttl_attribute(model)
    if ttl is not None:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    return _retained({"Type": "AWS::DynamoDB::Table", "Properties": properties})


# --- queue, bucket, secret ----------------------------------------------------------


def _queues() -> dict[str, Any]:
    return {
        "RecolourDeadLetterQueue": _deleted(
            {
                "Type": "AWS::SQS::Queue",
                "Metadata": ops.dead_letter_queue_waiver("RecolourQueue's redrive target"),
                "Properties": {
                    "QueueName": _sub(f"{APP}-${{Stage}}-recolour-dlq"),
                    "MessageRetentionPeriod": 14 * 24 * 3600,  # the maximum
                    "SqsManagedSseEnabled": True,
                    "Tags": _tags(),
                },
            }
        ),
        "RecolourQueue": _deleted(
            {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "QueueName": _sub(f"{APP}-${{Stage}}-recolour"),
                    # AWS's advice for a queue feeding Lambda: at least 6x the function timeout.
                    "VisibilityTimeout": 6 * LAMBDA_TIMEOUT_SECONDS,
                    "MessageRetentionPeriod": 4 * 24 * 3600,
                    "SqsManagedSseEnabled": True,
                    "RedrivePolicy": {
                        "deadLetterTargetArn": {"Fn::GetAtt": ["RecolourDeadLetterQueue", "Arn"]},
                        "maxReceiveCount": 5,
                    },
                    "Tags": _tags(),
                },
            }
        ),
    }


def _bucket() -> dict[str, Any]:
    bucket = _retained(
        {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": _sub(f"{APP}-${{Stage}}-feeds"),
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "expire-old-feed-versions",
                            "Status": "Enabled",
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                        }
                    ]
                },
                "Tags": _tags(),
            },
        }
    )
    policy = {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": "FeedBucket"},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [
                            {"Fn::GetAtt": ["FeedBucket", "Arn"]},
                            _sub("${FeedBucket.Arn}/*"),
                        ],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            },
        },
    }
    return {"FeedBucket": bucket, "FeedBucketPolicy": policy}


def _secret() -> dict[str, Any]:
    return {
        "AppSecret": _retained(
            {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {
                    "Name": _sub(f"{APP}/${{Stage}}/app"),
                    "Description": (
                        "Yima application keys (session signing, keyed hash, data encryption). "
                        "Created as a placeholder that the app refuses to run on: fill it with "
                        "`python -m chalicelib.cli init-secrets` using the stage's environment."
                    ),
                    "GenerateSecretString": {
                        "SecretStringTemplate": json.dumps({"placeholder": True}),
                        "GenerateStringKey": "placeholder_nonce",
                        "PasswordLength": 32,
                        "ExcludePunctuation": True,
                    },
                    "Tags": _tags(),
                },
            }
        )
    }


def _data_key() -> dict[str, Any]:
    """The KMS key that wraps the field-encryption data keys (envelope encryption)."""
    return {
        "DataKey": _retained(
            {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "Description": _sub(
                        f"{APP} ${{Stage}}: wraps the data keys that encrypt personal fields"
                    ),
                    "EnableKeyRotation": True,
                    "KeySpec": "SYMMETRIC_DEFAULT",
                    "KeyUsage": "ENCRYPT_DECRYPT",
                    "KeyPolicy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                # The account administers the key; IAM policies grant use.
                                "Sid": "AccountAdministers",
                                "Effect": "Allow",
                                "Principal": {
                                    "AWS": _sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")
                                },
                                "Action": "kms:*",
                                "Resource": "*",
                            }
                        ],
                    },
                    "Tags": _tags(),
                },
            }
        ),
        "DataKeyAlias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {
                "AliasName": _sub(f"alias/{APP}-${{Stage}}-data"),
                "TargetKeyId": {"Ref": "DataKey"},
            },
        },
    }


# --- API Gateway responses ----------------------------------------------------------

MESSAGE = "$context.error.messageString"  # API Gateway substitutes a quoted JSON string

# (response type, status to answer with or None to keep API Gateway's, code, message).
# A message of None uses API Gateway's own message.
GATEWAY_RESPONSES: tuple[tuple[str, int | None, str, str | None], ...] = (
    ("DEFAULT_4XX", None, "bad_request", None),
    ("DEFAULT_5XX", None, "internal_error", None),
    # A REST API answers an unknown path or method with 403 "Missing Authentication Token".
    ("MISSING_AUTHENTICATION_TOKEN", 404, "not_found", "no route matches this method and path"),
    ("RESOURCE_NOT_FOUND", 404, "not_found", None),
    ("THROTTLED", 429, "throttled", None),
    ("REQUEST_TOO_LARGE", 413, "payload_too_large", None),
    ("UNSUPPORTED_MEDIA_TYPE", 415, "unsupported_media_type", None),
)


def gateway_response_template(code: str, message: str | None) -> str:
    """The app's error body, ``{"error": {"code": ..., "message": ...}}``, as a template."""
    quoted = MESSAGE if message is None else json.dumps(message)
    return f'{{"error":{{"code":{json.dumps(code)},"message":{quoted}}}}}'


def gateway_responses() -> dict[str, Any]:
    """The ``x-amazon-apigateway-gateway-responses`` extension for Chalice's API.

    They go into the API's OpenAPI body rather than standalone
    ``AWS::ApiGateway::GatewayResponse`` resources: SAM re-imports the body on
    every change, which drops gateway responses the body does not carry, and a
    standalone resource does not trigger a new deployment either.
    """
    responses: dict[str, Any] = {}
    for response_type, status, code, message in GATEWAY_RESPONSES:
        headers = {"gatewayresponse.header.Cache-Control": "'no-store'"}
        if response_type in ("THROTTLED", "DEFAULT_5XX"):  # shed load: say when to retry
            headers["gatewayresponse.header.Retry-After"] = "'1'"
        response: dict[str, Any] = {
            "responseParameters": headers,
            "responseTemplates": {"application/json": gateway_response_template(code, message)},
        }
        if status is not None:
            response["statusCode"] = str(status)
        responses[response_type] = response
    return responses


# The stage's ceiling, every route together: the hot paths' abuse limits count in each
# container's memory (chalicelib/kernel/limits.py), so the total is capped here, at the
# edge, before a Lambda runs. Raise it with the account's API Gateway quota.
API_RATE_LIMIT = 10_000  # requests per second, steady
API_BURST_LIMIT = 5_000


# Public data behind API Gateway's cache (the routes declared `cache=` in app.py, with
# their max-age): a checkpoint fetching the keys while the functions are saturated is
# answered at the edge. Each path's cache key holds what selects its answer (the path
# parameter, the query) and If-None-Match, so a 304 is only ever replayed to a request
# that sent the same validator.
CACHE_CLUSTER_SIZE = "0.5"  # GB, the smallest: these answers are a few KB each
CACHED_ROUTES: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {
    # path: (TTL seconds = the route's max-age, path parameters, query parameters)
    "/v1/keys": (300, (), ()),
    "/v1/trust-list": (300, (), ()),
    "/v1/regions/{code}": (60, ("code",), ()),
    "/v1/regions": (60, (), ("parent",)),
    "/v1/test-sites": (600, (), ("lat", "lng", "limit", "radius_km")),
}


def _cached_paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, (_ttl, in_path, in_query) in CACHED_ROUTES.items():
        parameters = [
            {"name": n, "in": "path", "required": True, "type": "string"} for n in in_path
        ]
        parameters += [
            {"name": n, "in": "query", "required": False, "type": "string"} for n in in_query
        ]
        parameters.append(
            {"name": "If-None-Match", "in": "header", "required": False, "type": "string"}
        )
        keys = [f"method.request.path.{n}" for n in in_path]
        keys += [f"method.request.querystring.{n}" for n in in_query]
        keys.append("method.request.header.If-None-Match")
        paths[path] = {
            "get": {
                "parameters": parameters,
                "x-amazon-apigateway-integration": {"cacheKeyParameters": keys},
            }
        }
    return paths


def method_setting_path(path: str) -> str:
    """A stage's MethodSettings name a resource as ``/`` then the path with every ``/``
    as ``~1``: ``/v1/keys`` is ``/~1v1~1keys``."""
    return "/" + path.replace("/", "~1")


def _method_settings() -> list[dict[str, Any]]:
    throttle = {"ThrottlingRateLimit": API_RATE_LIMIT, "ThrottlingBurstLimit": API_BURST_LIMIT}
    settings: list[dict[str, Any]] = [
        {"ResourcePath": "/*", "HttpMethod": "*", "CachingEnabled": False, **throttle}
    ]
    for path, (ttl, _in_path, _in_query) in CACHED_ROUTES.items():
        settings.append(
            {
                "ResourcePath": method_setting_path(path),
                "HttpMethod": "GET",
                "CachingEnabled": True,
                "CacheTtlInSeconds": ttl,
                **throttle,
            }
        )
    return settings


# API Gateway turns a Lambda proxy's base64 body into bytes only when the request's first
# Accept type is one of these. Chalice lists its own binary types (image/png, ...), but a
# browser's <img> asks ``image/avif,image/webp,...,*/*;q=0.8``, whose first type is none
# of them: the citizen got the PNG code's base64 text. ``*/*`` decodes every body the app
# marks base64 (its binary routes) and passes the rest (JSON, SVG, HTML) as they are; a
# request body now reaches the app base64-encoded, which Chalice's raw_body decodes.
# A list in the merge template replaces Chalice's list rather than joining it.
BINARY_MEDIA_TYPES = ["*/*"]


# One JSON line per request in the API's access log: no source IP (personal data), the
# request id joins it to the function's log lines.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "requestTime": "$context.requestTimeEpoch",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLatency": "$context.responseLatency",
        "integrationLatency": "$context.integration.latency",
        "integrationStatus": "$context.integration.status",
        "errorType": "$context.error.responseType",
    },
    separators=(",", ":"),
)


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _rest_api_overlay(alias_paths: dict[str, Any]) -> dict[str, Any]:
    # No Type: this only deep-merges into the resource `chalice package` emits.
    return {
        "Properties": {
            # The name CloudWatch's AWS/ApiGateway metrics carry (ApiName), for the alarms.
            "Name": _sub(f"{APP}-${{Stage}}"),
            "DefinitionBody": {
                "x-amazon-apigateway-binary-media-types": BINARY_MEDIA_TYPES,
                "x-amazon-apigateway-gateway-responses": gateway_responses(),
                "paths": _deep_merge(_cached_paths(), alias_paths),
            },
            "CacheClusterEnabled": True,
            "CacheClusterSize": CACHE_CLUSTER_SIZE,
            "MethodSettings": _method_settings(),
            "AccessLogSetting": {
                "DestinationArn": {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]},
                "Format": ACCESS_LOG_FORMAT,
            },
        }
    }


def _api_access_log_group() -> dict[str, Any]:
    return {
        "ApiAccessLogGroup": _deleted(
            {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {
                    "LogGroupName": _sub(f"/aws/apigateway/{APP}-${{Stage}}-access"),
                    "RetentionInDays": ops.LOG_RETENTION_DAYS,
                    "Tags": _tags(),
                },
            }
        )
    }


# --- the functions Chalice packages ---------------------------------------------------------


def chalice_functions() -> dict[str, tuple[str, list[str]]]:
    """Every function ``chalice package`` emits: logical id -> (kind, its event names).

    Read from the app (``app.py``) as Chalice reads it: one function for every route
    (``APIHandler``), one per schedule and queue handler, named as Chalice names them.
    """
    from chalice.app import ScheduledEventConfig, SQSEventConfig
    from chalice.utils import to_cfn_resource_name

    from app import app

    functions: dict[str, tuple[str, list[str]]] = {}
    if app.routes:
        functions[ops.API_FUNCTION] = ("api", [])
    for source in app.event_sources:
        name = to_cfn_resource_name(source.name)
        if isinstance(source, ScheduledEventConfig):
            functions[name] = ("schedule", [f"{name}Event"])
        elif isinstance(source, SQSEventConfig):
            functions[name] = ("sqs", [f"{name}SqsEventSource"])
        else:  # pragma: no cover - a new kind of handler needs its overlay decided
            raise NotImplementedError(f"{source.name}: {type(source).__name__}")
    if app.pure_lambda_functions:  # pragma: no cover
        raise NotImplementedError("@app.lambda_function handlers need an overlay")
    return functions


def chalice_routes() -> dict[str, list[str]]:
    from app import app

    return {path: sorted(methods) for path, methods in sorted(app.routes.items())}


def _recolour_overlay() -> dict[str, Any]:
    """Point the recolour worker at the stage's queue. app.py has to name a queue at import
    time, when the stage is unknown (``yima-recolour``); this deep-merges the stage's queue
    ARN over that name in the function Chalice packages (same ``Fn::Sub`` key, so the merge
    replaces it), and makes the function wait for the queue."""
    return {
        "DependsOn": ["RecolourQueue"],
        "Properties": {
            "Events": {
                RECOLOUR_EVENT: {
                    "Properties": {
                        "Queue": _sub(
                            "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:"
                            + APP
                            + "-${Stage}-recolour"
                        )
                    }
                }
            }
        },
    }


# --- the template -------------------------------------------------------------------


def tables_template() -> dict[str, Any]:
    """The CloudFormation fragment merged into Chalice's packaged SAM template."""
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for model in datamodel.all_models():
        logical_id = table_logical_id(model)
        if logical_id in resources:
            raise ValueError(f"two models map to the resource id {logical_id}")
        resources[logical_id] = table_resource(model)
        outputs[f"{logical_id}Name"] = {"Value": {"Ref": logical_id}}
    resources.update(_queues())
    resources.update(_bucket())
    resources.update(_secret())
    resources.update(_data_key())
    resources.update(ops.schedule_dead_letter_queue())
    resources.update(_api_access_log_group())
    alias_paths, permission = ops.api_alias_overlays(chalice_routes())
    resources[REST_API_ID] = _rest_api_overlay(alias_paths)
    resources[ops.API_INVOKE_PERMISSION] = permission

    functions = chalice_functions()
    for function, (kind, events) in functions.items():
        overlay = ops.function_overlay(function, kind, events)
        if function == RECOLOUR_FUNCTION:
            overlay = _deep_merge(_recolour_overlay(), overlay)
        resources[function] = overlay
        resources[f"{function}LogGroup"] = ops.log_group(function)
    resources.update(ops.peak_concurrency())

    queues = [k for k, v in resources.items() if v.get("Type") == "AWS::SQS::Queue"]
    dead_letter_queues = [q for q in queues if "RedrivePolicy" not in resources[q]["Properties"]]
    alarms = ops.alarms(list(functions), dead_letter_queues)
    resources.update(ops.alarm_topic())
    resources.update(alarms)
    resources.update(ops.dashboard(list(functions), dead_letter_queues, sorted(alarms)))
    tables = {datamodel.logical_names()[m]: table_logical_id(m) for m in datamodel.all_models()}
    resources.update(ops.backups(tables))
    outputs.update(
        {
            "RecolourQueueUrl": {"Value": {"Ref": "RecolourQueue"}},
            "RecolourDeadLetterQueueUrl": {"Value": {"Ref": "RecolourDeadLetterQueue"}},
            "FeedBucketName": {"Value": {"Ref": "FeedBucket"}},
            "AppSecretArn": {"Value": {"Ref": "AppSecret"}},
            "DataKeyArn": {"Value": {"Fn::GetAtt": ["DataKey", "Arn"]}},
            "AlarmTopicArn": {"Value": {"Ref": ops.ALARM_TOPIC}},
            "BackupVaultArn": {"Value": {"Fn::GetAtt": ["BackupVault", "BackupVaultArn"]}},
        }
    )
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            "Yima: the resources Chalice does not create (DynamoDB tables from the pynamodb "
            "models, recolour queue, feed bucket, application secret, gateway responses), "
            "and what runs it as a service (alarms, dashboard, backups, aliases with canary "
            "deploys, concurrency). "
            "Generated by infra/generate.py; do not edit by hand."
        ),
        "Parameters": {
            "Stage": {
                "Type": "String",
                "AllowedValues": list(DEPLOYED_STAGES),
                "Default": "dev",
                "Description": "Must equal the stage given to `chalice package --stage`.",
            },
            "BackupCopyVaultArn": {
                "Type": "String",
                "Description": (
                    "The backup vault in the other China region that each daily backup is "
                    "copied to: arn:aws-cn:backup:<cn-north-1 or cn-northwest-1>:<account>:"
                    "backup-vault:yima-<stage>-backups (the same stack's vault there)."
                ),
                "AllowedPattern": BACKUP_VAULT_ARN_PATTERN,
            },
            "PeakProvisionedConcurrency": {
                "Type": "Number",
                "Default": 10,
                "MinValue": 1,
                "Description": (
                    "Provisioned concurrency of the API function's alias from 06:30 to 09:30 "
                    "Beijing time (docs/capacity.md sizes the morning peak)."
                ),
            },
        },
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
        "Resources": resources,
        "Outputs": outputs,
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def expected_files() -> dict[Path, str]:
    """Every generated file and the text it should hold."""
    files = {RESOURCES_FILE: render(tables_template())}
    files.update({policy_file(stage): render(lambda_policy(stage)) for stage in POLICY_STAGES})
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--policy", choices=POLICY_STAGES, help="print this stage's IAM policy")
    group.add_argument(
        "--write", action="store_true", help="write infra/resources.json and .chalice/policy-*.json"
    )
    group.add_argument(
        "--check", action="store_true", help="exit 1 if a generated file is out of date"
    )
    args = parser.parse_args(argv)
    if args.write or args.check:
        stale = []
        for path, text in expected_files().items():
            if path.exists() and path.read_text(encoding="utf-8") == text:
                continue
            stale.append(path.relative_to(ROOT))
            if args.write:
                path.write_text(text, encoding="utf-8")
        verb = "wrote" if args.write else "out of date:"
        for path in stale:
            print(f"{verb} {path}", file=sys.stderr)
        return 1 if args.check and stale else 0
    document = lambda_policy(args.policy) if args.policy else tables_template()
    sys.stdout.write(render(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
