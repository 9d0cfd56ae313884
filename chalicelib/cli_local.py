"""The AWS resources of a local stack (``python -m chalicelib.cli``): ``create-tables``
from the pynamodb models, the data-key KMS key, and ``bootstrap-local``, everything
``make run`` needs on the embedded AWS stand-in. Deployed stages get theirs from ``infra/``.
"""

from __future__ import annotations

from typing import Any

from chalicelib.cli_federation import local_national_root
from chalicelib.cli_secrets import init_secrets
from chalicelib.cli_stack import stack_aws
from chalicelib.kernel.errors import ConfigError
from chalicelib.kernel.settings import Settings


def create_tables(settings: Settings) -> list[str]:
    """Create the missing tables (with their TTL); return the names created."""
    from chalicelib import datamodel

    datamodel.bind(
        table_prefix=settings.table_prefix, region=settings.aws_region, host=settings.aws_endpoint
    )
    created = []
    for model in datamodel.all_models():
        if not model.exists():
            model.create_table(wait=True)
            created.append(model.Meta.table_name)
    return created


def ensure_kms_key(settings: Settings) -> bool:
    """Create the data-key KMS key and its alias on the AWS stand-in; True if created.

    Deployed stages get the key from ``infra/`` (CloudFormation), never from here.
    """
    from botocore.exceptions import ClientError

    kms = stack_aws(settings).client("kms")
    try:
        kms.describe_key(KeyId=settings.kms_key_id)
        return False
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
    key = kms.create_key(Description=f"yima {settings.stage}: wraps field data keys")
    kms.create_alias(AliasName=settings.kms_key_id, TargetKeyId=key["KeyMetadata"]["KeyId"])
    return True


def bootstrap_local(settings: Settings) -> dict[str, Any]:
    """The AWS resources ``make run`` needs on the embedded AWS stand-in (idempotent)."""
    if not settings.is_local:
        raise ConfigError("bootstrap-local only runs on the local and test stages")
    tables = create_tables(settings)
    wrote_secret = init_secrets(settings)
    ensure_kms_key(settings)
    aws = stack_aws(settings)
    s3 = aws.client("s3")
    try:
        s3.head_bucket(Bucket=settings.feed_bucket)
    except Exception:
        kwargs: dict[str, Any] = {"Bucket": settings.feed_bucket}
        if settings.aws_region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": settings.aws_region}
        s3.create_bucket(**kwargs)
    aws.client("sqs").create_queue(QueueName=settings.queue_name)
    root = local_national_root()
    return {
        "tables_created": len(tables),
        "secret_written": wrote_secret,
        "national_root": {
            **root,
            "pinned": root["public_key"] in settings.national_root_keys,
        },
    }
