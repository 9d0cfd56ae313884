"""``make run-two``: two regions side by side, recognising each other's codes (互通互认).

1. starts region A (Xi'an, 610100) on PORT and region B (Guangzhou, 440100) on
   PORT_B, each with ``scripts/devserver.py`` (its own AWS stand-in, tables,
   secret and signing keys), both sharing one federation key
   (``.local/federation.key``) and pinning the local stand-in for the national
   root (``.local/national-root.json``);
2. plays the national platform: signs a trust list of both regions' keys with
   that root (``cli sign-trust-list``) and loads it into both
   (``PUT /v1/admin/trust-list``), so each region's checkpoints accept the
   other's codes.

Ctrl-C stops both.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REGIONS = (("A", "local", "610100"), ("B", "local-b", "440100"))


def _wait(base: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server for {base} exited")
        try:
            if requests.get(f"{base}/v1/openapi.json", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{base} did not answer within {timeout:.0f} s")


def federate(bases: dict[str, str], root_key_file: str, *, version: int) -> dict[str, Any]:
    """Sign a trust list of every region's published keys and load it into every region."""
    import requests

    from chalicelib.cli import sign_trust_list

    keys = [requests.get(f"{base}/v1/keys", timeout=10).json() for base in bases.values()]
    document = sign_trust_list(root_key_file, keys, version=version)
    loaded = {}
    for name, base in bases.items():
        session = requests.post(
            f"{base}/v1/auth/dev", json={"subject": "national-sync", "role": "admin"}, timeout=10
        ).json()
        response = requests.put(
            f"{base}/v1/admin/trust-list",
            json={"document": document},
            headers={"Authorization": f"Bearer {session['token']}"},
            timeout=10,
        )
        response.raise_for_status()
        loaded[name] = response.json()
    return loaded


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8000, help="region A's port")
    parser.add_argument("--port-b", type=int, default=8001, help="region B's port")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo data")
    args = parser.parse_args()

    from chalicelib.cli import local_national_root, local_state_dir

    root = local_national_root()
    federation_key = local_state_dir() / "federation.key"
    if not federation_key.exists():
        federation_key.touch(mode=0o600)
        federation_key.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
    env = {**os.environ, "YIMA_NATIONAL_ROOT_KEYS": root["public_key"]}
    ports = {"A": args.port, "B": args.port_b}
    children: dict[str, subprocess.Popen[bytes]] = {}

    def stop(*_args: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    # Ctrl-C, even when started from a shell that ignores SIGINT in background jobs
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for name, stage, _code in REGIONS:
            command = [
                sys.executable,
                str(ROOT / "scripts" / "devserver.py"),
                "--stage",
                stage,
                "--port",
                str(ports[name]),
                "--federation-key-file",
                str(federation_key),
            ]
            if args.no_demo:
                command.append("--no-demo")
            children[name] = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        bases = {name: f"http://127.0.0.1:{ports[name]}" for name in ports}
        for name, base in bases.items():
            _wait(base, children[name], 120)
        loaded = federate(bases, root["private_key_file"], version=int(time.time()))
        print(f"yima: trust list loaded: {json.dumps(loaded)}", flush=True)
        for name, _stage, code in REGIONS:
            print(f"yima: region {name} ({code}) on {bases[name]}", flush=True)
        print(
            "yima: a code shown in A verifies at B's checkpoints (POST /v1/verify) and "
            "converts there (POST /v1/federation/convert); Ctrl-C stops both",
            flush=True,
        )
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGINT)
        for child in children.values():
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
