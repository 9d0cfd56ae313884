"""The region-loss drill (issue 34, docs/operations.md "The drill"): two regions on this
machine, traffic on the primary, the primary killed, the secondary taking over.

1. starts one AWS stand-in (moto's server, its own process) and two API processes on it
   (``scripts/drill_region.py``), ``primary`` and ``secondary``, with the same table
   prefix and secret: one store stands in for the global tables and the replica secret,
   which a real pair of regions would replicate (about a second behind; not modelled);
2. runs traffic from a thread through a client that fails over as a mini-program behind
   Route 53 would: citizens log in, declare, fetch their code, and a checkpoint verifies
   it, all on the primary; after ``--failover-after`` consecutive failures (connection
   refused, time-out, 5xx) the client switches to the secondary for good;
3. kills the primary's process (SIGKILL: no clean shutdown, as a lost region gives none);
4. checks that the codes the primary issued verify offline (``python -m chalicelib.verify``
   with the saved ``GET /v1/keys`` of each region) and online at the secondary
   (``POST /v1/verify``), that declarations resume at the secondary, and, once the
   primary is started again, that every declaration acknowledged before and after the
   switch is listed by both regions.

It prints the measured figures: requests failed during the switch, and seconds from the
kill to the first declaration acknowledged by the secondary. ``python scripts/drill.py``
runs it by hand; ``tests/e2e/test_region_drill.py`` runs it as a test.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STARTUP_SECONDS = 120  # two busy cores; an idle machine takes a few seconds
REQUEST_TIMEOUT = 5.0
RESIDENCE = "610113"  # Xi'an's Yanta district: the stage's region (610100) homes them


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def id_number(serial: int) -> str:
    """A GB 11643 ID number of Yanta district with a valid check digit, one per serial."""
    first17 = f"{RESIDENCE}1990{1 + serial // 28 % 12:02d}{1 + serial % 28:02d}{serial % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11
    return first17 + "10X98765432"[total]


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed with its children
            )

    def kill(self) -> None:
        """SIGKILL: what losing the region's compute looks like, no clean stop."""
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(timeout=20)

    def tail(self) -> str:
        try:
            return "".join(self.log.read_text(errors="replace").splitlines(True)[-30:])
        except OSError:
            return ""


def wait_for(url: str, process: Process, timeout: float = STARTUP_SECONDS) -> float:
    """Seconds until ``url`` answers (any status); raise if the process exits first."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        assert process.popen is not None
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited:\n{process.tail()}")
        try:
            requests.get(url, timeout=2)
            return time.monotonic() - started
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{process.name} did not answer {url} within {timeout:.0f} s")


class Unavailable(Exception):
    """The region did not answer, or answered 5xx: what a failover counts."""


@dataclass
class FailoverClient:
    """One client's view of the service: the primary until ``failover_after`` consecutive
    failures, then the secondary (as Route 53 stops answering with a region whose health
    check failed, or a mini-program moves to its second host)."""

    primary: str
    secondary: str
    failover_after: int
    base: str = ""
    consecutive: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    switched_at: float | None = None
    http: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.base = self.primary

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        base = self.base
        try:
            response = self.http.request(
                method, base + path, headers=headers, timeout=REQUEST_TIMEOUT, **kwargs
            )
        except requests.RequestException as exc:
            self._failure(base, method, path, type(exc).__name__)
            raise Unavailable(path) from exc
        if response.status_code >= 500:
            self._failure(base, method, path, str(response.status_code))
            raise Unavailable(path)
        self.consecutive = 0
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} at {base}: {response.status_code} {response.text}")
        return response.json()

    def _failure(self, base: str, method: str, path: str, why: str) -> None:
        self.failed.append(
            {"at": time.monotonic(), "base": base, "call": f"{method} {path}", "why": why}
        )
        self.consecutive += 1
        if self.base == self.primary and self.consecutive >= self.failover_after:
            self.base = self.secondary
            self.switched_at = time.monotonic()
            self.http = requests.Session()  # no kept-alive connection to the lost region
            self.consecutive = 0


@dataclass
class Traffic:
    """Citizens declaring and showing codes, a checkpoint verifying them, in a loop."""

    client: FailoverClient
    checkpoint: str  # a checkpoint's session token (the replica secret signs for both)
    stop: threading.Event = field(default_factory=threading.Event)
    # every declaration a region acknowledged: subject, token, declaration id, where, when
    declarations: list[dict[str, Any]] = field(default_factory=list)
    codes: list[dict[str, Any]] = field(default_factory=list)  # tokens issued, and where
    verified: int = 0
    requests: int = 0
    error: BaseException | None = None

    def run(self) -> None:
        serial = 0
        try:
            while not self.stop.is_set():
                try:
                    self._one(serial)
                    serial += 1
                except Unavailable:
                    time.sleep(0.05)  # the same citizen again, at whichever region is current
        except BaseException as exc:  # the drill reports it; a thread would swallow it
            self.error = exc

    def _call(self, *args: Any, **kwargs: Any) -> Any:
        self.requests += 1
        return self.client.call(*args, **kwargs)

    def _one(self, serial: int) -> None:
        subject = f"drill-{serial}"
        phone = f"139{serial:08d}"
        login = self._call("POST", "/v1/auth/dev", json={"subject": subject, "phone": phone})
        token = login["token"]
        body = {
            "name": "演练者",
            "id_number": id_number(serial),
            "phone": phone,
            "residence_region": RESIDENCE,
            "address": "雁塔路1号",
            "symptoms": [],
            "contact_with_confirmed": False,
            "abroad_14d": False,
        }
        base = self.client.base
        declared = self._call("POST", "/v1/declarations", token, json=body)
        self.declarations.append(
            {
                "subject": subject,
                "token": token,
                "id": declared["id"],
                "base": base,
                "at": time.monotonic(),
            }
        )
        base = self.client.base
        code = self._call("GET", "/v1/code", token)
        self.codes.append({"token": code["token"], "base": base, "subject": subject})
        verdict = self._call("POST", "/v1/verify", self.checkpoint, json={"token": code["token"]})
        if not verdict.get("valid"):
            raise RuntimeError(f"a fresh code did not verify: {verdict}")
        self.verified += 1


def offline_verify(token: str, keys_file: Path) -> dict[str, Any]:
    """``python -m chalicelib.verify TOKEN --keys FILE``, as a checkpoint runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "chalicelib.verify", token, "--keys", str(keys_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    outcome: dict[str, Any] = json.loads(result.stdout)
    outcome["exit"] = result.returncode
    return outcome


def listed_declarations(base: str, token: str) -> set[str]:
    ids: set[str] = set()
    cursor = None
    while True:
        params = {"cursor": cursor} if cursor else {}
        response = requests.get(
            f"{base}/v1/declarations",
            headers={"Authorization": f"Bearer {token}"},
            params=params,
            timeout=REQUEST_TIMEOUT,
        )
        response.raise_for_status()
        page = response.json()
        ids.update(item["id"] for item in page["items"])
        cursor = page.get("cursor")
        if not cursor:
            return ids


def run(
    work: Path,
    *,
    failover_after: int = 3,
    before_seconds: float = 6.0,
    after_declarations: int = 5,
    offline_cli_samples: int = 2,
) -> dict[str, Any]:
    """Run the drill in ``work`` (logs, saved keys); return what it measured and found."""
    from chalicelib.verify import verify_offline

    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "YIMA_"))}
    env["YIMA_LOCAL_STATE"] = str(work / "state")  # the local national root, not the repo's
    aws_port, ports = free_port(), {"primary": free_port(), "secondary": free_port()}
    aws = f"http://127.0.0.1:{aws_port}"
    bases = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    stand_in = Process(
        "aws",
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(aws_port)],
        env,
        work / "aws.log",
    )

    def region(name: str, *extra: str) -> Process:
        command = [
            sys.executable,
            "scripts/drill_region.py",
            "--name",
            name,
            "--port",
            str(ports[name]),
            "--aws-endpoint",
            aws,
            *extra,
        ]
        return Process(name, command, env, work / f"{name}.log")

    primary, secondary = region("primary", "--bootstrap"), region("secondary")
    started: list[Process] = []
    report: dict[str, Any] = {"bases": bases, "failover_after": failover_after}
    try:
        for process, url in (
            (stand_in, aws),
            (primary, bases["primary"]),
            (secondary, bases["secondary"]),
        ):
            process.start()
            started.append(process)
            wait_for(url + ("/v1/openapi.json" if process is not stand_in else ""), process)
        keys = {}
        for name, base in bases.items():
            keys[name] = work / f"keys-{name}.json"
            keys[name].write_text(requests.get(f"{base}/v1/keys", timeout=10).text)
        checkpoint = requests.post(
            f"{bases['primary']}/v1/auth/dev",
            json={"subject": "drill-gate", "role": "checkpoint"},
            timeout=10,
        ).json()["token"]

        client = FailoverClient(bases["primary"], bases["secondary"], failover_after)
        traffic = Traffic(client, checkpoint)
        thread = threading.Thread(target=traffic.run, name="drill-traffic", daemon=True)
        thread.start()
        deadline = time.monotonic() + before_seconds
        while time.monotonic() < deadline or not traffic.declarations:
            if traffic.error is not None or time.monotonic() > deadline + 30:
                break
            time.sleep(0.1)

        killed_at = time.monotonic()
        primary.kill()
        before = [d for d in traffic.declarations if d["at"] < killed_at]

        deadline = killed_at + 60
        while time.monotonic() < deadline and traffic.error is None:
            after = [d for d in traffic.declarations if d["base"] == bases["secondary"]]
            if len(after) >= after_declarations:
                break
            time.sleep(0.1)
        traffic.stop.set()
        thread.join(timeout=30)
        if traffic.error is not None:
            raise RuntimeError(f"the traffic stopped: {traffic.error!r}") from traffic.error

        after = [d for d in traffic.declarations if d["base"] == bases["secondary"]]
        during = [f for f in client.failed if f["at"] >= killed_at]
        report |= {
            "requests": traffic.requests,
            "verified_online_during_traffic": traffic.verified,
            "declarations_before": len(before),
            "declarations_after": len(after),
            "requests_failed_during_switch": len(during),
            "failed_calls": sorted({f["call"] for f in during}),
            "requests_failed_before_kill": len(client.failed) - len(during),
            "seconds_to_switch": None
            if client.switched_at is None
            else round(client.switched_at - killed_at, 3),
            "seconds_to_resume": round(after[0]["at"] - killed_at, 3) if after else None,
        }

        # The primary's codes, with the primary gone: offline with each region's saved
        # keys (the CLI for a few, the same function in process for all), online at the
        # secondary, by the same checkpoint session.
        issued = [c for c in traffic.codes if c["base"] == bases["primary"]]
        documents = {name: json.loads(path.read_text()) for name, path in keys.items()}
        offline = {
            name: sum(
                bool(verify_offline(c["token"], doc, now=datetime.now(UTC))["valid"])
                for c in issued
            )
            for name, doc in documents.items()
        }
        cli_runs = [
            offline_verify(c["token"], keys[name])
            for c in issued[-offline_cli_samples:]
            for name in keys
        ]
        online = 0
        for code in issued:
            verdict = requests.post(
                f"{bases['secondary']}/v1/verify",
                json={"token": code["token"]},
                headers={"Authorization": f"Bearer {checkpoint}"},
                timeout=REQUEST_TIMEOUT,
            ).json()
            online += bool(verdict.get("valid"))
        report |= {
            "primary_codes": len(issued),
            "offline_valid": offline,
            "offline_cli": [
                {"exit": r["exit"], "valid": r["valid"], "kid": r.get("kid")} for r in cli_runs
            ],
            "online_valid_at_secondary": online,
        }

        # The primary comes back (its tables were never gone: the other replica kept
        # taking writes); every acknowledged declaration must be listed by both regions.
        primary.start()
        report["seconds_primary_restart"] = round(
            wait_for(bases["primary"] + "/v1/openapi.json", primary), 1
        )
        missing: dict[str, list[str]] = {name: [] for name in bases}
        for declaration in [*before, *after]:
            for name, base in bases.items():
                if declaration["id"] not in listed_declarations(base, declaration["token"]):
                    missing[name].append(declaration["id"])
        report["missing_after_return"] = missing
        return report
    finally:
        for process in reversed(started):
            process.kill()
        if primary.popen is not None:
            primary.kill()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--failover-after", type=int, default=3, help="consecutive failures")
    parser.add_argument("--seconds", type=float, default=6.0, help="traffic before the kill")
    parser.add_argument("--work", help="where logs and saved keys go (default: a temp dir)")
    args = parser.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="yima-drill-"))
    report = run(work, failover_after=args.failover_after, before_seconds=args.seconds)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
