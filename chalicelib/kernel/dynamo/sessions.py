"""One botocore session per thread for every table, not one per table.

pynamodb gives each model its own connection, and each connection asks
``botocore.session.get_session()`` for a fresh session on first use in a thread.
A fresh session parses botocore's JSON service and endpoint models again: about
0.28 s per table on the development machine, so the first request to touch five
tables in a new Lambda container paid well over a second, and ``make run`` spent
nine of its eighteen seconds of start-up creating 28 clients (measured with
cProfile: 33 ``create_client`` calls, 6.3 s in ``json.loads``).

A botocore session caches what it has parsed, so sharing one across the tables
parses each model once. It is shared per thread, not per process, because
pynamodb keeps sessions thread-local on purpose: creating clients from one
session in several threads at once is not safe (pynamodb issue 153). Each table
still gets its own client (clients are cheap once the models are parsed), so
pynamodb's per-connection hooks stay as they are.
"""

from __future__ import annotations

import threading

import botocore.session
from pynamodb.connection import base

_local = threading.local()


def thread_session() -> botocore.session.Session:
    """This thread's botocore session, made on first use."""
    session: botocore.session.Session | None = getattr(_local, "session", None)
    if session is None:
        session = _local.session = botocore.session.get_session()
    return session


def share_sessions() -> None:
    """Have every pynamodb connection made from now on use :func:`thread_session`.

    pynamodb looks ``get_session`` up in its connection module each time it needs a
    session, which is the one place to hand it ours; it sets credentials on the
    session only when a model's Meta names keys, which ours never do.
    """
    base.get_session = thread_session
