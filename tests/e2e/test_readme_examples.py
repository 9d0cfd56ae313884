"""The README's examples, run as a newcomer would against a fresh `make run`.

The README marks each runnable block with ``<!-- readme-example -->``; the blocks run in
order in one shell (so ``$TOKEN`` carries over), from a scratch directory, with no
``YIMA_*`` or ``AWS_*`` variable exported: the operator command finds the stack through
the stack file ``make run`` writes. Each ``# {…}`` line under a command is what the
README promises it prints; ``…`` stands for anything.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e import stack
from tests.serial import one_local_stack_at_a_time

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MARK = "<!-- readme-example -->"
pytestmark = pytest.mark.e2e


def readme_examples(text: str) -> list[tuple[str, str | None]]:
    """(commands, the output promised for them or None), in the README's order."""
    steps: list[tuple[str, str | None]] = []
    for block in re.findall(re.escape(MARK) + r"\s*```sh\n(.*?)```", text, re.S):
        pending: list[str] = []
        for line in block.splitlines():
            if line.startswith("# {"):
                steps.append(("\n".join(pending), line[2:]))
                pending = []
            else:
                pending.append(line)
        if any(line.strip() for line in pending):
            steps.append(("\n".join(pending), None))
    return steps


def promised(expected: str, output: str) -> bool:
    """The output holds the promised text's parts in order (``…`` is anything); spaces
    do not count (the CLI indents its JSON, curl prints it compact)."""

    def squeeze(text: str) -> str:
        return re.sub(r"\s+", "", text)

    pattern = ".*?".join(re.escape(part) for part in squeeze(expected).split("…"))
    return re.search(pattern, squeeze(output), re.S) is not None


def test_the_readme_marks_examples_with_promises():
    steps = readme_examples(README.read_text(encoding="utf-8"))

    promises = [expected for _, expected in steps if expected]
    assert any('"colour":"green"' in p for p in promises)  # the declaration example
    assert any("issue-token" in commands for commands, _ in steps)


@pytest.mark.parametrize(
    "path", [README, *sorted((ROOT / "docs").glob("*.md"))], ids=lambda p: p.name
)
def test_every_code_fence_opens_with_a_language_and_closes_on_a_line_of_its_own(path):
    """A fence with text after it (```` ``` A checkpoint… ````) cannot close a block: the
    README rendered the prose after it, and the examples, as one code block."""
    inside = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("```"):
            continue
        if inside:
            assert stripped == "```", f"{path.name}:{number}: a closing fence stands alone"
        else:
            assert re.fullmatch(r"```[a-z0-9+-]+", stripped), (
                f"{path.name}:{number}: an opening fence names its language: {line!r}"
            )
        inside = not inside
    assert not inside, f"{path.name}: a code block is never closed"


def test_promised_matches_parts_in_order_only():
    assert promised('{"colour":"green",…}', '{"colour": "green", "reasons": []}')
    assert not promised('{"colour":"green",…}', '{"colour":"red","reasons":[]}')
    assert not promised('{"a":1,…,"b":2}', '{"b":2,"a":1}')


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.Stack]:
    with one_local_stack_at_a_time():
        running = stack.start(tmp_path_factory.mktemp("local-state"))
        try:
            yield running
        finally:
            running.stop()


def _bare_env(state_dir: Path) -> dict[str, str]:
    """A shell with the venv first on PATH and nothing of the stack exported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "YIMA_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    env["YIMA_LOCAL_STATE"] = str(state_dir)  # where the test's stack wrote its stack file
    return env


def test_the_readme_examples_give_what_they_promise(local_stack, tmp_path):
    steps = readme_examples(README.read_text(encoding="utf-8"))
    script = ["set -euo pipefail"]
    for n, (commands, _) in enumerate(steps):
        script += [f"printf '\\n@@step {n}@@\\n'", commands]
    shell = "\n".join(script).replace("http://127.0.0.1:8000", local_stack.base)

    done = subprocess.run(
        ["bash", "-c", shell],
        cwd=tmp_path,
        env=_bare_env(local_stack.state_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    outputs = re.split(r"\n@@step \d+@@\n", done.stdout)[1:]
    assert len(outputs) == len(steps)
    for (commands, expected), output in zip(steps, outputs, strict=True):
        if expected is not None:
            assert promised(expected, output), f"{commands}\n\nprinted {output!r}"
    assert (tmp_path / ".local" / "code.svg").read_text().startswith("<")


def test_an_operator_command_finds_the_running_stack_with_nothing_exported(local_stack, tmp_path):
    sites = tmp_path / "sites.json"
    sites.write_text(
        '{"sites": [{"site_id": "e2e-1", "name": "雁塔核酸点", "address": "雁塔路2号",'
        ' "region_code": "610113", "lat": 34.2, "lng": 108.9, "hours": "08:00-20:00"}]}'
    )

    def cli(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "chalicelib.cli", *argv],
            cwd=tmp_path,
            env=_bare_env(local_stack.state_dir),
            capture_output=True,
            text=True,
            timeout=60,
        )

    issued = cli("issue-token", "--role", "official", "--subject", "wang.li")
    loaded = cli("load-test-sites", str(sites))

    assert issued.returncode == 0, issued.stderr
    token = json.loads(issued.stdout)["token"]
    official_only = requests.get(
        f"{local_stack.base}/v1/admin/status",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert official_only.status_code == 200, official_only.text  # the stack took its token
    assert loaded.returncode == 0, loaded.stderr
    nearby = requests.get(f"{local_stack.base}/v1/test-sites?lat=34.2&lng=108.9", timeout=5)
    assert "e2e-1" in nearby.text


def test_writing_files_in_the_repository_does_not_restart_the_server(local_stack):
    before = requests.get(f"{local_stack.base}/v1/keys", timeout=5)
    starts = sum("yima: API of region" in line for line in local_stack.output)
    written = [ROOT / "keys.e2e-probe.json", ROOT / ".local" / "keys.e2e-probe.json"]
    try:
        for path in written:
            path.parent.mkdir(exist_ok=True)
            path.write_text(before.text)
        # a request while (and just after) the files change: answered, by the same server
        answers = [requests.get(f"{local_stack.base}/v1/keys", timeout=5) for _ in range(10)]
    finally:
        for path in written:
            path.unlink(missing_ok=True)

    assert before.status_code == 200
    assert all(a.status_code == 200 for a in answers)
    assert local_stack.process.poll() is None
    assert sum("yima: API of region" in line for line in local_stack.output) == starts == 1
