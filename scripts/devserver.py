"""``make run``: the whole stack on this machine, no AWS account needed.

1. starts moto's server mode on 127.0.0.1 (DynamoDB, S3, SQS, Secrets Manager,
   KMS over their real wire protocols) on a free port;
2. creates the tables, the secret with fresh keys, the feed bucket and the
   queue (``python -m chalicelib.cli bootstrap-local``), and loads demo data;
   starts stand-ins for WeChat's and Alipay's servers (``scripts/standins/``)
   with fresh credentials, written into the secret as the stage's channel
   credentials, so that the WeChat and Alipay logins work with test codes;
3. serves the API (the pages are among its routes) on 127.0.0.1:PORT through
   waitress (``scripts/localhttp.py``), which hands requests to the Chalice app
   as API Gateway would (``scripts/apigateway.py``): unknown paths 404, unknown
   methods 405, both in the app's error shape, and no dropped keep-alive
   connections. Unlike ``chalice local`` it does not reload on file changes:
   restart it after editing the code.

Once it answers, it writes ``.local/stack.json`` (``stack-<stage>.json`` for another
stage; in ``$YIMA_LOCAL_STATE`` if set): the stage's settings, its URLs (the API, the
pages, the stand-ins) and moto's port, never a key, so that ``python -m chalicelib.cli``
finds the running stack by itself and ``make urls`` prints its URLs. It removes the file
when it stops.

Ctrl-C (or SIGTERM) stops everything it started.

``--stage local-b`` runs a second region (Guangzhou, 440100, with its own
tables, secret and keys) beside the first, for mutual recognition: see
``scripts/run_two.py`` (``make run-two``) and docs/federation.md. Both pin
the national root key from ``YIMA_NATIONAL_ROOT_KEYS``, or else the local
stand-in that ``bootstrap-local`` keeps in ``.local/national-root.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.apigateway import ApiGateway  # noqa: E402  (needs ROOT on the path)
from scripts.localhttp import Handler, LocalHTTPServer  # noqa: E402

FAKE_AWS = {
    # moto accepts any credentials; these only keep botocore from looking for real ones.
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "cn-northwest-1",
    "AWS_REGION": "cn-northwest-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local_stages() -> list[str]:
    """The chalice stages that run on the AWS stand-in (YIMA_STAGE=local)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return [
        name
        for name, stage in config["stages"].items()
        if stage.get("environment_variables", {}).get("YIMA_STAGE") == "local"
    ]


def stage_env(stage: str) -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


def start_channels(settings: Any, env: dict[str, str], port: int) -> tuple[LocalHTTPServer, Any]:
    """Start the WeChat and Alipay stand-ins with fresh credentials in the stage's secret,
    and point the stage at them; returns their server and the settings that now say so."""
    from chalicelib.kernel.settings import Settings
    from scripts import standins

    stand_ins = standins.provision(settings)
    server = standins.server(stand_ins, port).start()
    env.update(standins.urls(server.url))
    os.environ.update(standins.urls(server.url))
    print(f"yima: WeChat and Alipay stand-ins: {standins.describe(stand_ins, server.url)}")
    return server, Settings.from_mapping(env)


def api_handlers(stage: str) -> list[Handler]:
    """What the API port serves, in order: put handlers for other paths (pages, say)
    in front of the API's, which answers everything else (404 for unknown paths)."""
    from app import app

    return [ApiGateway(app, stage)]


def write_stack_file(
    stage: str, env: dict[str, str], *, moto_port: int, api: str, channels: str
) -> Path:
    """What the operator commands need to reach this stack (``chalicelib.cli``), and its
    URLs for people (``make urls``): no keys, those stay in the stand-in's Secrets Manager."""
    from chalicelib.cli import LOCAL_STACK_VARIABLES, stack_file
    from scripts import standins

    path = stack_file(stage)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "stage": stage,
        "pid": os.getpid(),
        "api": api,
        "pages": f"{api}/v1/pages/",
        "standins": standins.urls_for_people(channels),
        "moto_port": moto_port,
        "region": env["AWS_REGION"],
        "table_prefix": env["YIMA_TABLE_PREFIX"],
        "env": {name: env[name] for name in LOCAL_STACK_VARIABLES if env.get(name)},
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def remove_stack_file(path: Path) -> None:
    """Only our own: a second stack of the same stage may have written it since."""
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def api_server(stage: str, port: int) -> LocalHTTPServer:
    return LocalHTTPServer(("127.0.0.1", port), api_handlers(stage))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8000, help="API port (default 8000)")
    parser.add_argument("--moto-port", type=int, default=0, help="AWS stand-in port (free one)")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo data")
    parser.add_argument(
        "--channel-port", type=int, default=0, help="WeChat and Alipay stand-ins' port (free one)"
    )
    parser.add_argument(
        "--stage",
        default="local",
        choices=local_stages(),
        help="the chalice stage: local (Xi'an, 610100) or local-b (Guangzhou, 440100)",
    )
    parser.add_argument(
        "--federation-key-file",
        help="the federation key shared with partner regions (base64); default: a fresh one",
    )
    args = parser.parse_args()
    phases: dict[str, float] = {}  # how long each start-up step took, for the last line
    clock = [time.monotonic()]

    def took(phase: str) -> None:
        now = time.monotonic()
        phases[phase] = now - clock[0]
        clock[0] = now

    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request lines
    moto_port = args.moto_port or free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    took("moto")
    env = {
        **os.environ,
        **FAKE_AWS,
        **stage_env(args.stage),
        "YIMA_AWS_ENDPOINT": f"http://127.0.0.1:{moto_port}",
    }
    if not env.get("YIMA_NATIONAL_ROOT_KEYS"):
        from chalicelib.cli import local_national_root

        env["YIMA_NATIONAL_ROOT_KEYS"] = local_national_root()["public_key"]
    os.environ.update(env)
    server: LocalHTTPServer | None = None
    channels: LocalHTTPServer | None = None
    written: Path | None = None

    def stop(*_args: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    # Ctrl-C, even when started from a shell that ignores SIGINT in background jobs
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        from chalicelib import bootstrap, cli

        print(f"yima: AWS stand-in (moto) on http://127.0.0.1:{moto_port}", flush=True)
        settings = cli.Settings.from_mapping(env)
        took("imports")
        print(f"yima: {json.dumps(cli.bootstrap_local(settings))}", flush=True)
        took("tables and secret")
        if args.federation_key_file:
            cli.set_federation_key(settings, key_file=args.federation_key_file)
            print(f"yima: federation key from {args.federation_key_file}", flush=True)
        # before the app's container is built: it reads the secret and the channel URLs once
        channels, settings = start_channels(settings, env, args.channel_port)
        took("stand-ins")
        if not args.no_demo:
            import demo

            loaded = demo.load(bootstrap.get_container(env))
            print(
                f"yima: demo data: {len(loaded['accounts'])} accounts, "
                f"{loaded['carrier_rows']} carrier stays, risk feed at {loaded['risk_feed']}",
                flush=True,
            )
            took("demo data")
        # the local server runs no schedules: pull the risk feed once, as refresh_risk_areas
        # would within ten minutes on AWS (later pushes go through the API).
        report = bootstrap.get_container(env).risk.refresh_scheduled()
        # the report itself is the refresh_risk_areas log line just above (a JSON object)
        print(f"yima: risk feed refresh: {report.get('state')}", flush=True)
        took("risk refresh")
        server = api_server(args.stage, args.port)
        base = server.url
        print(
            f"yima: API of region {settings.region_code} on {base}  "
            f"(try: curl {base}/v1/openapi.json)",
            flush=True,
        )
        assert channels is not None
        written = write_stack_file(
            args.stage, env, moto_port=moto_port, api=base, channels=channels.url
        )
        print(f"yima: operator commands find this stack through {written}", flush=True)
        took("app")
        steps = ", ".join(f"{name} {seconds:.1f}" for name, seconds in phases.items())
        print(f"yima: up in {sum(phases.values()):.1f} s ({steps})", flush=True)
        print("yima: Ctrl-C stops everything", flush=True)
        server.serve_forever()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        if written is not None:
            remove_stack_file(written)
        for running in (server, channels):
            if running is not None:
                running.stop()
        moto.stop()
        print("yima: stopped", flush=True)


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is stopped; the interpreter's own teardown of moto's in-memory AWS and
    # the imported app would take seconds more, so Ctrl-C would seem to hang.
    os._exit(status)
