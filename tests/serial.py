"""One local stack at a time: the e2e and browser modules each start `make run`'s server.

On two cores, two of them starting at once (moto, the demo data, chalice local) with a
headless Chromium beside them push each other past their timeouts. Each module holds
this lock while its server runs, so under ``pytest -n 2`` the second waits for the first.
"""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK = Path(tempfile.gettempdir()) / "yima-local-stack.lock"


@contextmanager
def one_local_stack_at_a_time() -> Iterator[None]:
    with LOCK.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield
