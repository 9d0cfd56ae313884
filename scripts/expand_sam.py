"""Expand the SAM transform of the template ``chalice package`` wrote, without AWS.

``make package`` runs it after ``chalice package``, so cfn-lint and the serverless
rules (``cfn-lint-serverless``) read the CloudFormation that will actually be
deployed: the aliases, versions, CodeDeploy groups, event source mappings, rules
and permissions SAM makes out of each ``AWS::Serverless::Function``::

    python scripts/expand_sam.py build/sam.json build/expanded.json

The translator is the one CloudFormation runs (``aws-sam-translator``). It asks IAM
for AWS managed policies' ARNs only to resolve a function's ``Policies`` by name;
Chalice gives every function an explicit ``Role``, so a static map stands in for IAM
(a name missing from it is an error, not a guess).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
from samtranslator.translator.transform import transform

REGION = "cn-northwest-1"  # Ningxia; the partition is aws-cn
PARTITION = "aws-cn"
ARTIFACT_BUCKET = "artifact-bucket"  # what `aws cloudformation package --s3-bucket` names

# The AWS managed policies a template may name, by name (none today: Chalice's
# functions each have a Role). SAM's own roles (CodeDeploy's) are built from ARNs.
MANAGED_POLICIES: dict[str, str] = {
    "AWSLambdaBasicExecutionRole": (
        f"arn:{PARTITION}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ),
    "AWSCodeDeployRoleForLambda": (
        f"arn:{PARTITION}:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda"
    ),
}


class StaticPolicyLoader(ManagedPolicyLoader):
    """A :class:`ManagedPolicyLoader` that never calls IAM."""

    def __init__(self, policies: dict[str, str]) -> None:
        self._policy_map = dict(policies)
        self.max_items = 0

    def load(self) -> dict[str, str]:
        return dict(self._policy_map or {})


def _as_uploaded(template: dict[str, Any]) -> None:
    """Point each local ``CodeUri`` at S3, as ``aws cloudformation package`` does on upload
    (the translator accepts only S3 code). The key is a stand-in: nothing is uploaded."""
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        code = properties.get("CodeUri")
        function = resource.get("Type") == "AWS::Serverless::Function"
        if function and isinstance(code, str) and not code.startswith("s3://"):
            properties["CodeUri"] = f"s3://{ARTIFACT_BUCKET}/{Path(code).name}"


# Findings of the serverless rules that do not apply here, waived on the resources SAM
# generates (a rule id in the resource's Metadata, as cfn-lint reads it) with the reason.
# Waivers of resources infra/generate.py writes are in its template (dead-letter queues).
WAIVERS: dict[str, tuple[str, str]] = {
    # rule: (resource type, why)
    "WS1000": (
        "AWS::Lambda::Function",
        "X-Ray is not offered to Lambda in the China regions: the request id in the "
        "JSON logs is the trace (issue 34)",
    ),
    "WS2002": (
        "AWS::ApiGateway::Stage",
        "no X-Ray for the functions behind it in China, so a trace would stop at the "
        "gateway; the access log's requestId joins the function's log lines instead",
    ),
    "ES1001": (
        "AWS::Lambda::EventSourceMapping",
        "an SQS mapping takes no DestinationConfig; the queue's RedrivePolicy is its "
        "failure destination (RecolourDeadLetterQueue, alarmed when not empty)",
    ),
    "ES1007": (
        "AWS::Lambda::Permission",
        "the rule matches EventInvokeConfig by FunctionName only; SAM's config names the "
        "function plus Qualifier live while the schedule's permission names the alias: "
        "checked here instead (an on-failure destination on the same function and alias)",
    ),
}


def _on_failure_configured(resources: dict[str, Any], alias_id: str) -> bool:
    """Whether the function behind the alias ``alias_id`` has an EventInvokeConfig with an
    on-failure destination on that alias."""
    alias = resources.get(alias_id, {})
    if alias.get("Type") != "AWS::Lambda::Alias":
        return False
    function = alias["Properties"]["FunctionName"]
    name = alias["Properties"]["Name"]
    for resource in resources.values():
        props = resource.get("Properties", {})
        if (
            resource.get("Type") == "AWS::Lambda::EventInvokeConfig"
            and props.get("FunctionName") == function
            and props.get("Qualifier") == name
            and props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        ):
            return True
    return False


def waive(template: dict[str, Any]) -> list[str]:
    """Mark the generated resources :data:`WAIVERS` covers; the ones marked."""
    resources = template["Resources"]
    marked = []
    for logical_id, resource in resources.items():
        for rule, (resource_type, why) in WAIVERS.items():
            if resource.get("Type") != resource_type:
                continue
            if rule == "ES1001" and "sqs" not in json.dumps(
                resource["Properties"].get("EventSourceArn")
            ):
                continue
            if rule == "ES1007":
                target = resource["Properties"].get("FunctionName")
                if not (isinstance(target, dict) and "Ref" in target):
                    continue
                if not _on_failure_configured(resources, target["Ref"]):
                    continue
            metadata = resource.setdefault("Metadata", {})
            checks = metadata.setdefault("cfn-lint", {}).setdefault("config", {})
            checks.setdefault("ignore_checks", []).append(rule)
            metadata.setdefault("Waivers", {})[rule] = why
            marked.append(f"{rule} {logical_id}")
    return marked


def expand(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """The template with its SAM transform applied, as CloudFormation would."""
    _as_uploaded(template)
    # The translator logs every feature toggle it does not find: not news to us.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    # The translator reads the region from a boto3 session (no call is made).
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    values = {"AWS::Region": REGION, "AWS::Partition": PARTITION, **parameters}
    return transform(template, values, StaticPolicyLoader(MANAGED_POLICIES))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", type=Path, help="the SAM template (build/sam.json)")
    parser.add_argument("output", type=Path, help="where to write the expanded template")
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a template parameter's value (the defaults are used otherwise)",
    )
    args = parser.parse_args(argv)
    parameters = dict(p.split("=", 1) for p in args.parameter)
    template = json.loads(args.template.read_text(encoding="utf-8"))
    expanded = expand(template, parameters)
    for line in waive(expanded):
        print(f"waived {line}", file=sys.stderr)
    args.output.write_text(json.dumps(expanded, indent=2, ensure_ascii=False) + "\n")
    resources = expanded["Resources"]
    print(f"{args.output}: {len(resources)} resources after the SAM transform", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
