"""Fixtures for the federation tests: settings that pin the test national root, staff
logins (an admin, a checkpoint, the partner region) and a loaded trust list (``trusted``).
"""

from __future__ import annotations

import dataclasses

import pytest

from chalicelib.kernel.settings import Settings
from tests.app.federation.world import ROOT, load
from tests.conftest import TEST_ENV
from tests.helpers import body, login


@pytest.fixture
def settings() -> Settings:
    return dataclasses.replace(
        Settings.from_mapping(TEST_ENV), national_root_keys=(ROOT.public_b64,)
    )


@pytest.fixture
def admin(client):
    return login(client, "fed-admin", role="admin")


@pytest.fixture
def checkpoint(client):
    return login(client, "gate-3", role="checkpoint")


@pytest.fixture
def partner(client):
    return login(client, "440100", role="partner")


@pytest.fixture
def trusted(client, admin, clock):
    response = load(client, admin, clock)
    assert response.status_code == 200, response.body
    return body(response)
