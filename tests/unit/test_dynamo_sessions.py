"""Every table on one botocore session per thread, not one session per table."""

from __future__ import annotations

import threading

import pytest

from chalicelib.datamodel import all_models
from chalicelib.identity.store import UserRecord
from chalicelib.kernel.dynamo import sessions
from chalicelib.kernel.dynamo.sessions import share_sessions, thread_session


def _forget_connections() -> None:
    sessions._local.__dict__.pop("session", None)
    for model in all_models():
        model._connection = None


@pytest.fixture(autouse=True)
def _fresh_connections():
    """Connections an earlier test in this worker made keep their own sessions; and the
    sessions these tests make are forgotten after them. A botocore session made before
    moto starts never routes to moto (its handlers are fixed when the session is made),
    so a later test in this worker that ran under moto would reach for the real AWS."""
    share_sessions()  # what bind() does first
    _forget_connections()
    yield
    _forget_connections()


def _session(model):
    return model._get_connection().connection.session


def test_all_tables_share_this_threads_session():
    sessions = {id(_session(model)) for model in all_models()}

    assert sessions == {id(thread_session())}


def test_another_thread_gets_its_own():
    mine = _session(UserRecord)
    seen = []
    worker = threading.Thread(target=lambda: seen.append(_session(UserRecord)))
    worker.start()
    worker.join()

    assert seen[0] is not mine
    assert _session(UserRecord) is mine
