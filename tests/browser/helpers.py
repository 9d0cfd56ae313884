"""What the page tests in Chromium drive the pages with (tests/browser).

- ``Server``: ``make run``'s server (scripts/devserver.py on a free port), with dev
  logins, API calls and declared citizens; ``_server`` starts it and waits for it.
- Chromium: where it is (``YIMA_CHROMIUM``), its flags, a phone's viewport, a launch.
- The scanner's fake camera: a y4m video of a QR written by hand, a forged code, the
  answer the scanner shows.
- Intercepted API answers in the SPEC's shapes, and axe-core's serious violations.

The fixtures that hold the server, Playwright, the browser and the screenshots for a
module are in tests/browser/conftest.py.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("YIMA_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "tests" / "browser" / "vendor" / "axe.min.js"
VECTORS = sorted((ROOT / "tests" / "vectors").glob("*.json"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 420, "height": 900}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _make_id_number(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11
    return first17 + "10X98765432"[total]


class Server:
    def __init__(self, base: str, process: subprocess.Popen[str]) -> None:
        self.base, self.process = base, process
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def login(self, subject: str, role: str = "citizen", phone: str | None = None) -> str:
        payload = {"subject": subject, "role": role, **({"phone": phone} if phone else {})}
        response = requests.post(f"{self.base}/v1/auth/dev", json=payload, timeout=10)
        assert response.status_code == 200, response.text
        return str(response.json()["token"])

    def call(self, method: str, path: str, token: str, body: Any = None) -> Any:
        response = requests.request(
            method,
            f"{self.base}{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json()

    def page_url(self, token: str, page: str) -> str:
        issued = self.call("POST", "/v1/auth/page-code", token, {"page": page})
        return f"{self.base}{issued['path']}"

    def citizen(self, subject: str, phone: str, id17: str, region: str = "610112") -> str:
        token = self.login(subject, phone=phone)
        self.call(
            "POST",
            "/v1/declarations",
            token,
            {
                "name": "张小三",
                "id_number": _make_id_number(id17),
                "phone": phone,
                "residence_region": region,
                "address": "未央路1号",
                "symptoms": [],
                "contact_with_confirmed": False,
                "abroad_14d": False,
            },
        )
        return token


def _server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "YIMA_"))}
    state = tmp_path_factory.mktemp("local-state")
    env["YIMA_LOCAL_STATE"] = str(state)
    log = (state / "devserver.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "scripts/devserver.py", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/v1/openapi.json", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            if process.poll() is not None:
                pytest.fail("devserver exited")
        time.sleep(0.5)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("the API did not answer within 150 s")
    running = Server(base, process)
    yield running
    if process.poll() is not None and not running.stopped:  # died under a test: say why
        print("devserver exited early:", (state / "devserver.log").read_text()[-3000:])
    running.stop()
    log.close()


def _launch(playwright: Any, *extra: str) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*FLAGS, *extra])


DOC_SHOTS = (
    "citizen",
    "citizen-empty",
    "citizen-offline",
    "scanner",
    "console",
    "console-queue",
    "console-risk",
    "console-venue",
    "console-phone",
)


def _screenshot(page: Any, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"))


def _errors(page: Any) -> list[str]:
    found: list[str] = []
    page.on("pageerror", lambda exc: found.append(str(exc)))
    return found


def _y4m(text: str, path: Path, size: int = 480) -> Path:
    """A video of the QR of ``text``: a few identical 4:2:0 frames, written by hand."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    cell = size // len(matrix)
    offset = (size - cell * len(matrix)) // 2
    luma = bytearray([235]) * (size * size)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for y in range(offset + r * cell, offset + (r + 1) * cell):
                    start = y * size + offset + c * cell
                    luma[start : start + cell] = bytes([16]) * cell
    chroma = bytes([128]) * ((size // 2) * (size // 2))
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    path.write_bytes(f"YUV4MPEG2 W{size} H{size} F5:1 Ip A1:1 C420jpeg\n".encode() + frame * 3)
    return path


def _forge(token: str) -> str:
    """The same signature over a payload that claims green for 23 minutes: a forger's try
    at a code that stays green past its expiry."""
    sys.path.insert(0, str(ROOT))
    from chalicelib.codes import token as hc

    parsed = hc.parse(token)
    claims = hc.cbor_decode(parsed.payload)
    assert isinstance(claims, list)
    claims[1] = 0  # green
    claims[3] = hc.MAX_LIFETIME_MINUTES
    payload = hc.cbor_encode(claims)
    forged = hc.cbor_encode([parsed.protected, {}, payload, parsed.signature])
    return hc.PREFIX + hc.b45encode(forged)


def _scanner(playwright: Any, video: Path) -> tuple[Any, Any]:
    browser = _launch(
        playwright,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    context = browser.new_context(viewport=PHONE)
    return browser, context


def _result(page: Any, count: int = 1) -> dict[str, str]:
    """The ``count``-th answer the scanner showed."""
    page.wait_for_selector(f"#result:not([hidden])[data-count='{count}']", timeout=20_000)
    return {
        "valid": page.get_attribute("#result", "data-valid"),
        "colour": page.get_attribute("#result", "data-colour"),
        "source": page.get_attribute("#result", "data-source"),
        "text": page.inner_text("#result"),
    }


def _future(minutes: int) -> str:
    moment = datetime.now(UTC) + timedelta(minutes=minutes)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _fulfil(route: Any, status: int, body: Any) -> None:
    route.fulfill(status=status, content_type="application/json", body=json.dumps(body))


def _code_answer(colour: str, name: str, token: str, **extra: Any) -> dict[str, Any]:
    return {
        "colour": colour,
        "reasons": extra.pop("reasons", []),
        "issued_at": _future(0),
        "expires_at": _future(5),
        "valid_until": None,
        "token": token,
        "holder": {"name_masked": name, "id_masked": "6101**********1234"},
        "latest_test": None,
        **extra,
    }


def _serious_violations(page: Any) -> list[str]:
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
