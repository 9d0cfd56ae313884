"""``make urls``: the running local stack's URLs, as shell variables.

::

    $ make -s urls
    API=http://127.0.0.1:8000
    PAGES=http://127.0.0.1:8000/v1/pages/
    STANDINS=http://127.0.0.1:40123
    $ eval "$(make -s urls)"; curl -s $STANDINS/alipay/phone -d '{"mobile": "13812345678"}'

``API``: the API (``make run``'s ``PORT``); ``PAGES``: where the citizen page, the
scanner and the console are (``citizen.html``, ``scanner.html``, ``console.html``);
``STANDINS``: the WeChat and Alipay stand-ins (``/wechat/...``, ``/alipay/...``), on a
free port of their own. Read from the stack file ``make run`` writes
(``.local/stack.json``; ``YIMA_LOCAL_STACK=.local/stack-local-b.json`` for ``make
run-two``'s second region). With no running stack it says to run ``make run``, exit 2.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chalicelib.cli_stack import UsageError, local_stack  # noqa: E402  (needs ROOT on the path)


def lines(document: dict[str, object]) -> list[str]:
    standins = document.get("standins")
    urls = {
        "API": document.get("api"),
        "PAGES": document.get("pages"),
        "STANDINS": standins.get("url") if isinstance(standins, dict) else None,
    }
    return [f"{name}={shlex.quote(str(url))}" for name, url in urls.items() if url]


def main() -> int:
    try:
        document = local_stack()
    except UsageError as refused:
        print(f"make urls: {refused}", file=sys.stderr)
        return 2
    print("\n".join(lines(document)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
