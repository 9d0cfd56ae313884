"""End to end, two regions over HTTP: a code issued in region A (Xi'an, 610100) is verified
at a checkpoint of region B (Guangzhou, 440100) and converted there.

Starts ``scripts/devserver.py`` twice, as ``make run-two`` does: region A on the
``local`` stage, region B on ``local-b``, each with its own AWS stand-in, tables and
keys. A test national root (its public key pinned in both through
``YIMA_NATIONAL_ROOT_KEYS``) signs the trust list that makes B trust A's key.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.federation_helpers import KeyPair, trust_list, window
from tests.helpers import declaration, make_id_number
from tests.serial import one_local_stack_at_a_time

ROOT_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
# Seeded, and its base64url starts with "-" (one random key in 64 does, and the offline
# CLI below once read it as an option): the same key, and the hard case, in every run.
NATIONAL_ROOT = KeyPair.seeded("yima e2e national root", b64_first="-")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(base: str, process: subprocess.Popen[str], deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/v1/openapi.json", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            if process.poll() is not None:
                out = process.stdout.read() if process.stdout else ""
                pytest.fail(f"devserver for {base} exited: {out}")
        time.sleep(0.3)
    pytest.fail(f"{base} did not answer /v1/openapi.json in time")


@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with one_local_stack_at_a_time():
        yield from _regions(tmp_path_factory)


def _regions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    state = tmp_path_factory.mktemp("local-state")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "YIMA_"))}
    env |= {
        "YIMA_NATIONAL_ROOT_KEYS": NATIONAL_ROOT.public_b64,
        "YIMA_LOCAL_STATE": str(state),  # nothing lands in the repository's .local/
    }
    processes: dict[str, subprocess.Popen[str]] = {}
    bases: dict[str, str] = {}
    for name, stage in (("A", "local"), ("B", "local-b")):
        port = _free_port()
        processes[name] = subprocess.Popen(
            [
                sys.executable,
                "scripts/devserver.py",
                "--stage",
                stage,
                "--port",
                str(port),
                "--no-demo",
            ],
            cwd=ROOT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        bases[name] = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        for name, base in bases.items():
            _wait(base, processes[name], deadline)
        yield bases
    finally:
        # Ctrl-C's clean stop is test_local_server's business; here, only be quick.
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def _login(base: str, subject: str, role: str = "citizen", **extra: Any) -> str:
    response = requests.post(
        f"{base}/v1/auth/dev", json={"subject": subject, "role": role, **extra}, timeout=10
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _trust_a_in_b(bases: dict[str, str], *, version: int, status: str = "active") -> Any:
    """The national platform's part: A's published keys, signed into B's trust list."""
    now = datetime.now(UTC).replace(microsecond=0)
    a_keys = requests.get(f"{bases['A']}/v1/keys", timeout=10).json()["keys"]
    entries = [
        {
            "region": key["region"],
            "kid": key["kid"],
            "alg": "EdDSA",
            "public_key": key["public_key"],
            "not_before": window(now)["not_before"].isoformat(),
            "not_after": window(now)["not_after"].isoformat(),
            "status": status,
        }
        for key in a_keys
    ]
    document = trust_list(NATIONAL_ROOT, entries, version=version, issued_at=now)
    admin = _login(bases["B"], "b-admin", role="admin")
    response = requests.put(
        f"{bases['B']}/v1/admin/trust-list",
        json={"document": document},
        headers=_auth(admin),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_region_a_code_is_verified_at_a_region_b_checkpoint_and_converted_there(
    regions, tmp_path
):
    a, b = regions["A"], regions["B"]
    # In A: a citizen declares and shows their code.
    citizen = _login(a, "xian-citizen", phone="13812340000")
    declared = requests.post(
        f"{a}/v1/declarations",
        json=declaration(id_number=make_id_number("61011319900101555"), residence_region="610113"),
        headers=_auth(citizen),
        timeout=10,
    )
    assert declared.status_code == 201, declared.text
    token = requests.get(f"{a}/v1/code", headers=_auth(citizen), timeout=10).json()["token"]
    gate = _login(b, "guangzhou-gate", role="checkpoint")

    def verify_at_b(code: str) -> dict[str, Any]:
        response = requests.post(
            f"{b}/v1/verify", json={"token": code}, headers=_auth(gate), timeout=10
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    # Before the trust list, B does not know A's key.
    assert verify_at_b(token)["reason"] == "unknown_key"

    loaded = _trust_a_in_b(regions, version=1)
    at_b = verify_at_b(token)

    assert loaded["regions"] == ["610100"]
    assert at_b["valid"] is True and at_b["colour"] == "green"
    assert (at_b["region"], at_b["issuer"]) == ("610100", "partner")

    # Way (b): a visitor converts A's code into one of B's, which B's checkpoint knows.
    visitor = _login(b, "visitor-from-xian")
    converted = requests.post(
        f"{b}/v1/federation/convert", json={"token": token}, headers=_auth(visitor), timeout=10
    )
    assert converted.status_code == 201, converted.text
    local = converted.json()
    assert (local["colour"], local["region"], local["source"]["region"]) == (
        "green",
        "440100",
        "610100",
    )
    scanned = verify_at_b(local["token"])
    assert (scanned["valid"], scanned["issuer"], scanned["converted_from"]) == (
        True,
        "local",
        "610100",
    )

    # Offline at B: the saved trust list verifies A's code, checked against the root.
    saved = tmp_path / "trust-list.json"
    saved.write_text(requests.get(f"{b}/v1/trust-list", timeout=10).text)
    for root in (
        ["--national-root", NATIONAL_ROOT.public_b64],
        [f"--national-root={NATIONAL_ROOT.public_b64}"],
    ):
        offline = subprocess.run(
            [sys.executable, "-m", "chalicelib.verify", token, "--keys", str(saved), *root],
            cwd=ROOT_DIR,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert offline.returncode == 0, offline.stdout + offline.stderr
        assert json.loads(offline.stdout)["region"] == "610100"

    # The national platform revokes A's key: B refuses A's code at once.
    _trust_a_in_b(regions, version=2, status="revoked")
    assert verify_at_b(token)["reason"] == "revoked_key"
