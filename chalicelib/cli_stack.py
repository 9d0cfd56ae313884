"""Where an operator command's settings come from (``python -m chalicelib.cli``).

From the environment, as in Lambda (``YIMA_*``, ``AWS_*``); when ``YIMA_STAGE`` is not
set, from the stack ``make run`` is running, which it describes in ``.local/stack.json``
(``$YIMA_LOCAL_STACK`` names another such file). Also the AWS clients for those settings
and ``UsageError``, bad input reported as one line and exit 2.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from chalicelib.kernel.settings import Settings

# What ``make run`` writes into its stack file for these commands: settings and
# endpoints, never a key (those stay in the AWS stand-in's Secrets Manager).
LOCAL_STACK_VARIABLES = (
    "YIMA_STAGE",
    "YIMA_REGION_CODE",
    "YIMA_TABLE_PREFIX",
    "YIMA_SECRET_ID",
    "YIMA_KMS_KEY_ID",
    "YIMA_FEED_BUCKET",
    "YIMA_FEED_KEY",
    "YIMA_QUEUE_NAME",
    "YIMA_AWS_ENDPOINT",
    "YIMA_WECHAT_API_URL",
    "YIMA_ALIPAY_GATEWAY_URL",
    "YIMA_NATIONAL_ROOT_KEYS",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
)


class UsageError(Exception):
    """Bad input to a command: reported as one line, exit 2."""


def stack_file(stage: str = "local") -> Path:
    """Where ``make run`` describes the stack of ``stage`` it is running."""
    name = "stack.json" if stage == "local" else f"stack-{stage}.json"
    return local_state_dir() / name


def _running(pid: object, endpoint: str) -> bool:
    """The stack's process is alive and its AWS stand-in answers on its port."""
    import socket
    from urllib.parse import urlsplit

    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, someone else's
    where = urlsplit(endpoint)
    try:
        with socket.create_connection((where.hostname or "", where.port or 80), timeout=1):
            return True
    except (OSError, ValueError):
        return False


def local_stack(path: Path | None = None) -> dict[str, Any]:
    """The stack file of the stack ``make run`` is running (``$YIMA_LOCAL_STACK``, or
    :func:`stack_file`); a UsageError saying to run ``make run`` when there is none or
    it has stopped."""
    configured = os.environ.get("YIMA_LOCAL_STACK")
    path = path or (Path(configured) if configured else stack_file())
    hint = "start it with `make run` (or set YIMA_STAGE and the stage's variables)"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        env = {str(k): str(v) for k, v in document["env"].items()}
        pid = document.get("pid")
    except FileNotFoundError:
        raise UsageError(f"YIMA_STAGE is not set and no local stack is running: {hint}") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise UsageError(f"{path} is not a stack file `make run` wrote: {hint}") from None
    if not _running(pid, env.get("YIMA_AWS_ENDPOINT", "")):
        raise UsageError(f"{path} is stale: the local stack (pid {pid}) is not running; {hint}")
    return {**document, "env": env}


def local_stack_env(path: Path | None = None) -> dict[str, str]:
    """The variables of the stack ``make run`` is running, from its stack file; a
    UsageError saying to run ``make run`` when there is none or it has stopped."""
    env: dict[str, str] = local_stack(path)["env"]
    # moto takes any credentials; these only keep botocore from looking for real ones
    return {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", **env}


def _settings() -> Settings:
    if not os.environ.get("YIMA_STAGE"):
        # the services read os.environ (bootstrap.get_container), so they see it too
        os.environ.update(local_stack_env())
    return Settings.from_mapping(os.environ)


def stack_aws(settings: Settings) -> Any:
    from chalicelib.kernel.wiring import AwsClients

    return AwsClients(settings)


def local_state_dir() -> Path:
    """Where local demos keep state outside the AWS stand-in: ``$YIMA_LOCAL_STATE``, or
    ``.local/`` in the repository (git-ignored)."""
    configured = os.environ.get("YIMA_LOCAL_STATE")
    return Path(configured) if configured else Path(__file__).resolve().parents[1] / ".local"
