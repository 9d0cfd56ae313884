"""One region of the failover drill (``scripts/drill.py``): the API alone, against an AWS
stand-in that is already running and that outlives it.

``scripts/devserver.py`` starts its own moto in its own process, so stopping it loses the
data with the API. A lost region is not that: the other region's replicas of the global
tables keep every item. Here the stand-in runs apart, and two of these processes (the
primary and the secondary) share it, with the same table prefix and secret: one store
standing in for the tables as global tables replicate them, and for the replica secret
(docs/operations.md, "The drill"). Killing this process loses a region's compute only.

``--bootstrap`` creates the tables, secret, KMS key, bucket and queue first (idempotent,
``cli bootstrap-local``); the primary's first start does it, nothing else. It writes no
``.local/stack.json``: the operator commands keep pointing at ``make run``'s stack.

SIGINT or SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.devserver import FAKE_AWS, api_server, local_stages, stage_env  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, required=True, help="the API's port")
    parser.add_argument(
        "--aws-endpoint", required=True, help="the running AWS stand-in, http://127.0.0.1:PORT"
    )
    parser.add_argument("--name", default="region", help="what the log lines call it")
    parser.add_argument("--stage", default="local", choices=local_stages())
    parser.add_argument("--bootstrap", action="store_true", help="create tables and secret first")
    args = parser.parse_args()
    env = {
        **os.environ,
        **FAKE_AWS,
        **stage_env(args.stage),
        "YIMA_AWS_ENDPOINT": args.aws_endpoint,
    }
    os.environ.update(env)

    def stop(*_args: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    server = None
    try:
        if args.bootstrap:
            from chalicelib import cli

            cli.bootstrap_local(cli.Settings.from_mapping(env))
            print(f"drill {args.name}: tables and secret ready", flush=True)
        server = api_server(args.stage, args.port)
        print(f"drill {args.name}: API on {server.url}", flush=True)
        server.serve_forever()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    os._exit(status)  # as devserver: skip the slow teardown of the imported app
