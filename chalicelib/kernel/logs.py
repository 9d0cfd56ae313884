"""Structured JSON logs (aws-lambda-powertools Logger), built on first use.

What this decides:

- every line the app writes is one JSON object on stdout, from the one handler
  powertools puts on the ``yima`` logger (Chalice's ``app.log`` is that same
  logger: it is named after the app). On Lambda stdout goes to CloudWatch Logs;
  locally it is the console of ``make run``.
- the ``yima`` logger does not propagate to the root logger. Whatever else puts a
  handler there (``chalice local`` calls ``logging.basicConfig`` at INFO, the
  Lambda runtime installs its own, a test runner its own) would otherwise write
  each line a second time: powertools only filters the root handlers that exist
  when the Logger is built, not one added later.
- the AWS SDK's loggers (``botocore``, ``boto3``, ``urllib3``, ``s3transfer``) are
  held at WARNING: at INFO botocore says "Found credentials in environment
  variables." whenever it builds a session, which says nothing to an operator.
- log lines carry a request id, the route template and codes, never a request
  body, a raw path or query string, an ID number, a phone, a name or a token.

The logger is created lazily so that importing the app reads no environment
variable (powertools reads its settings then).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

SERVICE = "yima"

# Loggers of libraries whose INFO and DEBUG lines are noise (or worse) to an operator.
QUIET_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%FZ"  # %F: powertools' milliseconds


@lru_cache(maxsize=1)
def get_logger() -> Any:
    from aws_lambda_powertools import Logger

    quiet_libraries()
    # RFC 3339 in UTC with a Z like the API's times, to the millisecond: a log is read
    # by ordering lines, and powertools' default is local time with a comma
    logger = Logger(service=SERVICE, datefmt=TIMESTAMP_FORMAT, utc=True)
    logging.getLogger(SERVICE).propagate = False  # one line per record: see the docstring
    return logger


def quiet_libraries() -> None:
    """Hold the SDKs' loggers at WARNING. Idempotent; called before AWS clients are built
    (their credential lookup is what logs)."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
