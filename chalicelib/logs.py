"""Structured JSON logs (aws-lambda-powertools Logger), built on first use.

Log lines carry a request id and the route, never a request body, an ID
number, a phone or a token. The logger is created lazily so that importing
the app reads no environment variable (powertools reads its settings then).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def get_logger() -> Any:
    from aws_lambda_powertools import Logger

    return Logger(service="yima")
