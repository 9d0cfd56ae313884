"""Overload keeps codes showing: past the throttle the API sheds load with 429 / 503 and
Retry-After in the error shape, and a code already issued verifies offline all its life.

``bench/load.py``'s burst phase shows the same over HTTP against the local stack.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from app import api
from chalicelib.kernel.errors import RateLimited, UpstreamUnavailable
from chalicelib.kernel.shedding import Shedder
from tests.helpers import assert_error, body, declaration, get, login, post


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_bucket_lets_a_burst_through_then_throttles_with_the_wait():
    ticks = Ticks()
    shedder = Shedder(rate=2, burst=3, max_in_flight=0, clock=ticks)
    for _ in range(3):
        shedder.admit()
        shedder.done()
    with pytest.raises(RateLimited) as refused:
        shedder.admit()
    assert refused.value.code == "throttled" and refused.value.retry_after == 1
    ticks.now += 0.5  # one token back at two a second
    shedder.admit()
    with pytest.raises(RateLimited):
        shedder.admit()
    ticks.now += 60  # never more than the burst saved up
    for _ in range(3):
        shedder.admit()
    with pytest.raises(RateLimited):
        shedder.admit()


def test_a_slow_refill_says_how_long_to_wait():
    ticks = Ticks()
    shedder = Shedder(rate=0.2, burst=1, max_in_flight=0, clock=ticks)
    shedder.admit()
    with pytest.raises(RateLimited) as refused:
        shedder.admit()
    assert refused.value.retry_after == 5


def test_past_the_requests_in_flight_the_answer_is_503_at_once():
    shedder = Shedder(rate=0, burst=0, max_in_flight=2)
    shedder.admit()
    shedder.admit()
    with pytest.raises(UpstreamUnavailable) as refused:
        shedder.admit()
    assert refused.value.code == "overloaded" and refused.value.retry_after == 1
    shedder.done()
    shedder.admit()


@pytest.fixture
def throttled(container, monkeypatch):
    """The container with the local stand-in of the stage throttle on: 5 at once, one
    every 100 s after that (no refill during the test), at most 3 requests in flight."""
    settings = dataclasses.replace(
        container.settings, throttle_rate=0.01, throttle_burst=5, max_in_flight=3
    )
    monkeypatch.setattr(container, "settings", settings)
    monkeypatch.setattr(api, "_shedder", None)
    yield container
    api._shedder = None


def _citizen_with_code(client):
    citizen = login(client, "burst-citizen", phone="13812345678")
    assert post(client, "/v1/declarations", declaration(), citizen).status_code == 201
    return citizen


def test_a_burst_beyond_the_throttle_is_shed_with_429_in_the_error_shape(client, container):
    citizen = _citizen_with_code(client)
    token = body(get(client, "/v1/code", citizen))["token"]
    keys = body(get(client, "/v1/keys"))
    api._shedder = Shedder(rate=1.0, burst=5, max_in_flight=3, clock=Ticks())
    try:
        answers = [get(client, "/v1/code", citizen) for _ in range(20)]
    finally:
        api._shedder = None

    statuses = [a.status_code for a in answers]
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}
    for refused in answers[5:]:
        error = assert_error(refused, 429, code="throttled")
        assert error["message"]
        assert refused.headers["Retry-After"] == "1"
        assert refused.headers["Cache-Control"] == "no-store"

    # The code shown before the burst still verifies offline, with the cached keys only,
    # until it expires: the checkpoint keeps working while the API sheds load.
    from chalicelib.verify import verify_offline

    lifetime = timedelta(minutes=container.settings.code_lifetime_minutes)
    assert verify_offline(token, keys, now=container.clock() + lifetime - timedelta(seconds=1))[
        "valid"
    ]
    assert not verify_offline(token, keys, now=container.clock() + lifetime)["valid"]


def test_the_settings_switch_the_shedder_on(client, throttled):
    citizen = _citizen_with_code(client)  # the login and the declaration take 2 of the 5
    answers = [get(client, "/v1/code", citizen).status_code for _ in range(6)]
    assert answers.count(200) == 3 and answers.count(429) == 3


def test_requests_beyond_those_in_flight_get_503_with_retry_after(client, throttled):
    citizen = _citizen_with_code(client)
    api._shedder = Shedder(rate=0, burst=0, max_in_flight=1)
    api._shedder.admit()  # one request is being served
    try:
        refused = get(client, "/v1/code", citizen)
    finally:
        api._shedder.done()
    assert_error(refused, 503, code="overloaded")
    assert refused.headers["Retry-After"] == "1"
    assert get(client, "/v1/code", citizen).status_code == 200  # the slot is free again


def test_every_503_says_when_to_retry(client, container, monkeypatch):
    citizen = _citizen_with_code(client)

    def busy(*args, **kwargs):
        raise UpstreamUnavailable("the database is busy; try again shortly")

    monkeypatch.setattr(container.codes.colours, "get", busy)
    response = get(client, "/v1/code", citizen)
    assert_error(response, 503, code="upstream_unavailable")
    assert response.headers["Retry-After"] == "1"


def test_the_openapi_document_names_the_shedding_answers(client):
    doc = json.loads(client.http.get("/v1/openapi.json").body)
    responses = doc["paths"]["/v1/code"]["get"]["responses"]
    assert "Retry-After" in responses["429"]["description"]
    assert "Retry-After" in responses["503"]["description"]
