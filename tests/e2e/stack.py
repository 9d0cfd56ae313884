"""Start ``scripts/devserver.py`` as ``make run`` does, on free ports, for a test module."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 180  # the demo data on two busy cores; an idle machine takes ~15 s


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    base: str  # the API
    channels: str  # the WeChat and Alipay stand-ins
    process: subprocess.Popen[str]
    state_dir: Path  # its YIMA_LOCAL_STATE: the national root stand-in, the stack file
    output: list[str] = field(default_factory=list)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # what Ctrl-C sends
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start(state_dir: Path, *args: str) -> Stack:
    """The local stack, answering; its output is collected (a full pipe would block it)."""
    port, channel_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "YIMA_"))}
    env["YIMA_LOCAL_STATE"] = str(state_dir)  # the stand-in national root, not in the repo
    process = subprocess.Popen(
        [
            sys.executable,
            "scripts/devserver.py",
            "--port",
            str(port),
            "--channel-port",
            str(channel_port),
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    stack = Stack(
        f"http://127.0.0.1:{port}", f"http://127.0.0.1:{channel_port}", process, state_dir
    )
    assert process.stdout is not None
    pipe = process.stdout
    threading.Thread(target=lambda: stack.output.extend(pipe), daemon=True).start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("devserver exited:\n" + "".join(stack.output[-40:]))
        try:
            if requests.get(f"{stack.base}/v1/openapi.json", timeout=2).status_code == 200:
                return stack
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    stack.stop()
    raise RuntimeError(f"the API did not answer within {STARTUP_SECONDS} s")
