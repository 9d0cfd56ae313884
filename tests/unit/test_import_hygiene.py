"""Cold-start hygiene: importing the app reads no env var and builds no AWS client."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
import chalice, chalice.app  # the framework itself may read what it likes

reads = []
chalice_dir = os.path.dirname(chalice.__file__)

def record(key):
    # Who asked? Chalice's own constructor stamps AWS_EXECUTION_ENV with its user
    # agent; that is the framework's business, not a read of our configuration.
    caller = sys._getframe(1)
    plumbing = ("os.py", "<frozen os>", "_collections_abc>", "_collections_abc.py", "<string>")
    while caller and caller.f_code.co_filename.endswith(plumbing):
        caller = caller.f_back
    if caller and not caller.f_code.co_filename.startswith(chalice_dir):
        reads.append(f"{key} by {caller.f_code.co_filename}:{caller.f_lineno}")

class Recorder(os._Environ):
    def __getitem__(self, key):
        record(key)
        return super().__getitem__(key)
    def get(self, key, default=None):
        record(key)
        return super().get(key, default)
    def __contains__(self, key):
        record(key)
        return super().__contains__(key)

os.environ = Recorder(os.environ._data, os.environ.encodekey, os.environ.decodekey,
                      os.environ.encodevalue, os.environ.decodevalue)
real_getenv = os.getenv
os.getenv = lambda key, default=None: (record(key), real_getenv(key, default))[1]

before = set(sys.modules)
import app  # noqa: E402
loaded = sorted(set(sys.modules) - before)
print(json.dumps({"reads": reads, "loaded": loaded}))
"""


def _probe() -> dict[str, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=60,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_app_reads_no_environment_variable_and_loads_no_sdk():
    probe = _probe()

    assert probe["reads"] == []
    heavy = {
        "boto3",
        "botocore",
        "pynamodb",
        "aws_lambda_powertools",
        "cryptography",
        "nacl",
        "Crypto",
    }
    assert not heavy & {name.split(".")[0] for name in probe["loaded"]}
