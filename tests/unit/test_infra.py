"""infra/: the CloudFormation Chalice does not create, and the Lambda IAM policies.

No network and no AWS: the models are read in-process, ``chalice package`` runs
on a copy of the app with an empty requirements.txt, and cfn-lint runs locally.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint

from chalicelib.codes.store import ScanRecord
from chalicelib.datamodel import all_models, logical_names
from chalicelib.itinerary.store import PlaceDayRecord, StayRecord
from chalicelib.kernel.dynamo.tables import ttl_attribute

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "infra" / "resources.json"
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
DEPLOYED_STAGES = ("dev", "prod")
POLICY_STAGES = ("local", "dev", "prod")
LINT_REGION = "cn-northwest-1"
ERROR_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _load_generator() -> Any:
    return _load("infra_generate", ROOT / "infra" / "generate.py")


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _load_generator()
expand_sam = _load("expand_sam", ROOT / "scripts" / "expand_sam.py")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return json.loads(RESOURCES.read_text(encoding="utf-8"))


def _lint(document: dict[str, Any], serverless: bool = False) -> list[str]:
    """cfn-lint errors, warnings and informational findings, as readable lines; with the
    serverless rules (cfn-lint-serverless) too if asked."""
    config = ManualArgs(regions=[LINT_REGION], include_checks=["I"])
    if serverless:
        config = ManualArgs(
            regions=[LINT_REGION], include_checks=["I"], append_rules=["cfn_lint_serverless.rules"]
        )
    matches = lint(json.dumps(document, indent=2), config=config)
    return [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches]


def _tables_by_logical_name(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    tables = {}
    for resource in template["Resources"].values():
        if resource.get("Type") != "AWS::DynamoDB::Table":
            continue
        name = resource["Properties"]["TableName"]["Fn::Sub"]
        assert name.startswith("yima-${Stage}-"), name
        tables[name.removeprefix("yima-${Stage}-")] = resource
    return tables


# --- the committed files are what the generator makes now ------------------------------


def test_resources_json_is_regenerated() -> None:
    expected = json.dumps(generate.tables_template(), indent=2, ensure_ascii=False) + "\n"
    assert RESOURCES.read_text(encoding="utf-8") == expected, (
        "infra/resources.json is stale: run `make infra` (python infra/generate.py --write)"
    )


@pytest.mark.parametrize("stage", POLICY_STAGES)
def test_policy_files_are_regenerated(stage: str) -> None:
    path = ROOT / ".chalice" / f"policy-{stage}.json"
    expected = json.dumps(generate.lambda_policy(stage), indent=2, ensure_ascii=False) + "\n"
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.name} is stale: run python infra/generate.py --write"
    )


# --- tables, checked against the models independently of the generator ------------------


def _key_attributes(attributes: dict[str, Any]) -> tuple[list[dict[str, str]], dict[str, str]]:
    """(KeySchema, {name: type}) of a model's or an index's declared attributes."""
    hash_keys = [a for a in attributes.values() if a.is_hash_key]
    range_keys = [a for a in attributes.values() if a.is_range_key]
    assert len(hash_keys) == 1 and len(range_keys) <= 1
    schema = [{"AttributeName": hash_keys[0].attr_name, "KeyType": "HASH"}]
    schema += [{"AttributeName": a.attr_name, "KeyType": "RANGE"} for a in range_keys]
    types = {a.attr_name: a.attr_type for a in hash_keys + range_keys}
    return schema, types


def test_every_table_is_a_model(template: dict[str, Any]) -> None:
    assert sorted(_tables_by_logical_name(template)) == sorted(logical_names().values())


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m.__name__)
def test_table_matches_model(template: dict[str, Any], model: type[Any]) -> None:
    table = _tables_by_logical_name(template)[logical_names()[model]]
    props = table["Properties"]

    key_schema, types = _key_attributes(model.get_attributes())
    assert props["KeySchema"] == key_schema

    expected_indexes = {}
    for index in model._indexes.values():
        index_schema, index_types = _key_attributes(index.Meta.attributes)
        for name, attr_type in index_types.items():
            assert types.setdefault(name, attr_type) == attr_type, f"{name} has two types"
        projection: dict[str, Any] = {"ProjectionType": index.Meta.projection.projection_type}
        if index.Meta.projection.non_key_attributes:
            projection["NonKeyAttributes"] = index.Meta.projection.non_key_attributes
        expected_indexes[index.Meta.index_name] = {
            "IndexName": index.Meta.index_name,
            "KeySchema": index_schema,
            "Projection": projection,
        }
    actual_indexes = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
    assert actual_indexes == expected_indexes
    # DynamoDB rejects definitions of attributes that are no key of the table or an index.
    definitions = {d["AttributeName"]: d["AttributeType"] for d in props["AttributeDefinitions"]}
    assert len(definitions) == len(props["AttributeDefinitions"])
    assert definitions == types

    ttl = ttl_attribute(model)
    expected_ttl = None if ttl is None else {"AttributeName": ttl, "Enabled": True}
    assert props.get("TimeToLiveSpecification") == expected_ttl

    assert props["BillingMode"] == "PAY_PER_REQUEST"
    pitr = props["PointInTimeRecoverySpecification"]
    assert pitr["PointInTimeRecoveryEnabled"] is True  # windows: tests/unit/test_infra_ops.py
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


def test_stays_and_scans_expire() -> None:
    # SPEC §6: itinerary stays and venue scans expire (TTL).
    for model in (StayRecord, PlaceDayRecord, ScanRecord):
        assert ttl_attribute(model) == "expires"


# --- names agree with .chalice/config.json -----------------------------------------------


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_names_match_the_stage_config(template: dict[str, Any], stage: str) -> None:
    env = CONFIG["stages"][stage]["environment_variables"]
    resources = template["Resources"]

    def name(logical_id: str, prop: str) -> str:
        return str(resources[logical_id]["Properties"][prop]["Fn::Sub"]).replace("${Stage}", stage)

    assert stage in template["Parameters"]["Stage"]["AllowedValues"]
    for logical in logical_names().values():
        assert f"{env['YIMA_TABLE_PREFIX']}{logical}" == f"yima-{stage}-{logical}"
    assert name("RecolourQueue", "QueueName") == env["YIMA_QUEUE_NAME"]
    assert name("FeedBucket", "BucketName") == env["YIMA_FEED_BUCKET"]
    assert name("AppSecret", "Name") == env["YIMA_SECRET_ID"]


# --- queue, bucket, secret ---------------------------------------------------------------


def test_recolour_queue(template: dict[str, Any]) -> None:
    props = template["Resources"]["RecolourQueue"]["Properties"]
    assert props["VisibilityTimeout"] >= 6 * CONFIG["lambda_timeout"]
    assert props["SqsManagedSseEnabled"] is True
    assert props["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["RecolourDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    dlq = template["Resources"]["RecolourDeadLetterQueue"]
    assert dlq["Type"] == "AWS::SQS::Queue"
    assert dlq["Properties"]["SqsManagedSseEnabled"] is True


def test_feed_bucket_is_private_versioned_encrypted_and_tls_only(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["FeedBucket"]
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    assert bucket["DeletionPolicy"] == "Retain"

    policy = template["Resources"]["FeedBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "FeedBucket"}
    [deny] = policy["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {"Fn::GetAtt": ["FeedBucket", "Arn"]} in deny["Resource"]
    assert {"Fn::Sub": "${FeedBucket.Arn}/*"} in deny["Resource"]


def test_secret_is_a_placeholder_the_app_refuses(template: dict[str, Any]) -> None:
    from chalicelib.kernel.errors import ConfigError
    from chalicelib.kernel.secrets import parse_secret

    secret = template["Resources"]["AppSecret"]
    props = secret["Properties"]
    assert secret["DeletionPolicy"] == "Retain"  # losing it loses every encrypted field
    assert "init-secrets" in props["Description"]
    generated = props["GenerateSecretString"]
    placeholder = json.loads(generated["SecretStringTemplate"])
    placeholder[generated["GenerateStringKey"]] = "x" * generated["PasswordLength"]
    with pytest.raises(ConfigError):
        parse_secret(json.dumps(placeholder))


def test_the_api_decodes_every_binary_body_whatever_the_accept(template: dict[str, Any]) -> None:
    """A browser's <img> asks image/avif first: only */* makes API Gateway send the PNG
    code as bytes rather than its base64 text; JSON bodies are not base64 and pass."""
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    assert body["x-amazon-apigateway-binary-media-types"] == ["*/*"]


# --- gateway responses -------------------------------------------------------------------


def _gateway_responses(template: dict[str, Any]) -> dict[str, Any]:
    overlay = template["Resources"]["RestAPI"]
    assert "Type" not in overlay  # it only merges into the API `chalice package` emits
    return overlay["Properties"]["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]


def test_gateway_errors_have_the_app_error_shape(template: dict[str, Any]) -> None:
    responses = _gateway_responses(template)
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN"} <= set(responses)
    # What API Gateway substitutes for $context.error.messageString: a quoted JSON string.
    substituted = json.dumps('Missing "Authentication" Token\n\\ 中文')
    for response_type, response in responses.items():
        assert set(response["responseTemplates"]) == {"application/json"}
        text = response["responseTemplates"]["application/json"]
        body = json.loads(text.replace("$context.error.messageString", substituted))
        assert set(body) == {"error"}, response_type
        assert set(body["error"]) == {"code", "message"}, response_type
        assert ERROR_CODE_RE.match(body["error"]["code"]), response_type
        assert isinstance(body["error"]["message"], str) and body["error"]["message"]
        if "statusCode" in response:
            assert re.fullmatch(r"[45]\d\d", response["statusCode"]), response_type
        for header in response.get("responseParameters", {}).values():
            assert header.startswith("'") and header.endswith("'")  # static values are quoted

    missing = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["statusCode"] == "404"
    assert json.loads(missing["responseTemplates"]["application/json"])["error"]["code"] == (
        "not_found"
    )


# --- cfn-lint ----------------------------------------------------------------------------


def test_resources_json_passes_cfn_lint(template: dict[str, Any]) -> None:
    # The RestAPI, permission and function entries have no Type: they are overlays on what
    # Chalice packages, linted in the merged template below. Everything else lints alone.
    standalone = json.loads(json.dumps(template))
    overlays = [k for k, v in standalone["Resources"].items() if "Type" not in v]
    assert sorted(overlays) == sorted(
        ["RestAPI", "APIHandlerInvokePermission", *generate.chalice_functions()]
    )
    for overlay in overlays:
        del standalone["Resources"][overlay]
    # What the alarms, log groups and the peak's scaling name: stand-ins for the functions
    # Chalice makes and the API function's alias SAM makes.
    for function in generate.chalice_functions():
        standalone["Resources"][function] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.11",
                "Handler": "app.app",
                "Role": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/stand-in"},
                "Code": {"ZipFile": "stand-in"},
            },
        }
    standalone["Resources"]["APIHandlerAliaslive"] = {
        "Type": "AWS::Lambda::Alias",
        "Properties": {
            "FunctionName": {"Ref": "APIHandler"},
            "FunctionVersion": "1",
            "Name": "live",
        },
    }
    assert _lint(standalone) == []


def _package(stage: str, tmp_path: Path) -> dict[str, Any]:
    """``chalice package --merge-template infra/resources.json`` on a copy of the app."""
    project = tmp_path / "project"
    (project / ".chalice").mkdir(parents=True)
    shutil.copy2(ROOT / "app.py", project / "app.py")
    shutil.copytree(
        ROOT / "chalicelib",
        project / "chalicelib",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    shutil.copy2(ROOT / ".chalice" / "config.json", project / ".chalice" / "config.json")
    for policy in (ROOT / ".chalice").glob("policy-*.json"):
        shutil.copy2(policy, project / ".chalice" / policy.name)
    (project / "requirements.txt").write_text("", encoding="utf-8")  # nothing to download

    out = tmp_path / "out"
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": LINT_REGION,
        # Belt and braces: whatever tries the network fails at once.
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "PIP_NO_INDEX": "1",
    }
    command = [
        sys.executable,
        "-c",
        "import sys; from chalice.cli import main; sys.exit(main())",
        "package",
        "--stage",
        stage,
        "--merge-template",
        str(RESOURCES),
        str(out),
    ]
    result = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((out / "sam.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_packaged_template_passes_cfn_lint(stage: str, tmp_path: Path) -> None:
    sam = _package(stage, tmp_path)
    resources = sam["Resources"]

    # The overlay landed on Chalice's API, whose logical id is RestAPI.
    assert resources["RestAPI"]["Type"] == "AWS::Serverless::Api"
    # The recolour worker listens to the stage's queue, not the import-time placeholder.
    events = resources["Recolour"]["Properties"]["Events"]["RecolourSqsEventSource"]
    assert events["Properties"]["Queue"] == {
        "Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:"
        "yima-${Stage}-recolour"
    }
    assert resources["Recolour"]["DependsOn"] == ["RecolourQueue"]
    assert events["Properties"]["BatchSize"] == 1
    body = resources["RestAPI"]["Properties"]["DefinitionBody"]
    assert body["paths"], "the merge must not replace Chalice's routes"
    assert body["x-amazon-apigateway-gateway-responses"] == generate.gateway_responses()
    # Every binary body decoded, whatever the browser's Accept: Chalice's list is replaced.
    assert body["x-amazon-apigateway-binary-media-types"] == ["*/*"]
    for logical_id, resource in generate.tables_template()["Resources"].items():
        if "Type" in resource:
            assert resources[logical_id] == resource
    assert sam["Parameters"]["Stage"]["AllowedValues"] == list(DEPLOYED_STAGES)

    # The role carries the stage's policy file.
    policy = json.loads((ROOT / ".chalice" / f"policy-{stage}.json").read_text(encoding="utf-8"))
    roles = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Role"
        and "lambda.amazonaws.com" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    assert roles
    for role in roles:
        assert [p["PolicyDocument"] for p in role["Properties"]["Policies"]] == [policy]

    # What CloudFormation deploys: the SAM transform expanded, as `make package` lints it.
    expanded = expand_sam.expand(sam, {})
    expand_sam.waive(expanded)  # each waiver says why (scripts/expand_sam.py)
    assert _lint(expanded, serverless=True) == []


# --- IAM policies ------------------------------------------------------------------------


@pytest.mark.parametrize("stage", POLICY_STAGES)
def test_policy_is_least_privilege_and_names_only_the_stage(stage: str) -> None:
    assert CONFIG["stages"][stage]["iam_policy_file"] == f"policy-{stage}.json"
    assert CONFIG["stages"][stage]["autogen_policy"] is False
    text = (ROOT / ".chalice" / f"policy-{stage}.json").read_text(encoding="utf-8")
    policy = json.loads(text)
    assert policy["Version"] == "2012-10-17"

    actions: list[str] = []
    resources: list[str] = []
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement and "NotResource" not in statement
        actions += (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
        res = statement["Resource"]
        if statement["Sid"] == "DataKeys":
            # KMS keys have random ids: the statement is pinned to the stage's key by its
            # alias and to the stage's encryption context instead of by resource name.
            assert res == ["arn:aws-cn:kms:*:*:key/*"]
            condition = statement["Condition"]
            assert condition["ForAnyValue:StringEquals"] == {
                "kms:ResourceAliases": f"alias/yima-{stage}-data"
            }
            assert condition["StringEquals"] == {"kms:EncryptionContext:stage": stage}
            continue
        resources += [res] if isinstance(res, str) else res

    assert "dynamodb:Scan" not in actions
    assert "dynamodb:Scan" not in text
    for action in actions:
        assert "*" not in action, action  # no "*", no "service:*", no "service:Get*"
        assert re.fullmatch(r"[a-z0-9-]+:[A-Za-z]+", action), action
    assert {a.split(":")[0] for a in actions} == {
        "logs",
        "dynamodb",
        "secretsmanager",
        "s3",
        "sqs",
        "kms",
    }

    others = [s for s in POLICY_STAGES if s != stage]
    for resource in resources:
        assert resource != "*"
        assert resource.startswith("arn:aws-cn:"), resource  # China partition only
        assert f"yima-{stage}-" in resource or f"yima/{stage}/" in resource, resource
        for other in others:
            assert f"yima-{other}-" not in resource and f"yima/{other}/" not in resource
    assert f"arn:aws-cn:dynamodb:*:*:table/yima-{stage}-*" in resources
    assert f"arn:aws-cn:dynamodb:*:*:table/yima-{stage}-*/index/*" in resources
    assert f"arn:aws-cn:sqs:*:*:yima-{stage}-recolour" in resources
    assert f"arn:aws-cn:s3:::yima-{stage}-feeds" in resources
    assert f"arn:aws-cn:s3:::yima-{stage}-feeds/*" in resources


# --- public data behind API Gateway's cache ----------------------------------------------


def test_the_cached_routes_are_the_apps_cacheable_ones_with_their_max_age(
    template: dict[str, Any],
) -> None:
    from app import api

    declared = {op.path: op.cache for op in api.operations if op.cache is not None}
    assert {path: ttl for path, (ttl, _p, _q) in generate.CACHED_ROUTES.items()} == declared
    api_overlay = template["Resources"]["RestAPI"]["Properties"]
    assert api_overlay["CacheClusterEnabled"] is True
    settings = {s["ResourcePath"]: s for s in api_overlay["MethodSettings"]}
    assert settings["/*"]["CachingEnabled"] is False  # nothing else is cached
    for path, ttl in declared.items():
        method = settings["/" + path.replace("/", "~1")]  # /v1/keys is /~1v1~1keys
        assert (method["HttpMethod"], method["CachingEnabled"], method["CacheTtlInSeconds"]) == (
            "GET",
            True,
            ttl,
        )
        keys = api_overlay["DefinitionBody"]["paths"][path]["get"][
            "x-amazon-apigateway-integration"
        ]["cacheKeyParameters"]
        # a 304 is replayed only to the same validator; every query parameter selects
        assert "method.request.header.If-None-Match" in keys
        op = next(o for o in api.operations if o.path == path)
        for name in op.path_params:
            assert f"method.request.path.{name}" in keys
        for name in op.query:
            assert f"method.request.querystring.{name}" in keys
