"""The per-container caches that keep the morning peak off single items (docs/capacity.md).

- The ``@active`` risk pointer: readers that only show risk (card, pass, region pages, a
  scan's check) get an answer at most ``risk_cache_seconds`` old, stored colours read it
  fresh once per batch, and a switch or a message naming another feed invalidates it.
- The shared WeChat access token: each container keeps its copy until shortly before the
  token expires, looks at the table at most once a minute, and only one container at a
  time fetches a new one.

The clock is the tests' settable one: a cache that served a value past its bound fails.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import responses

from chalicelib.identity.wechat import RECHECK, DynamoTokenStorage, WeChatGateway
from chalicelib.kernel.dynamo.lease import DynamoLease
from chalicelib.kernel.dynamo.runtime import RuntimeRecord
from chalicelib.kernel.settings import Settings
from chalicelib.risk.store import ACTIVE, ActivePointer, RiskFeedRecord
from tests.app.channel_standins import APPID, SESSION_KEY, SESSION_URL, TOKEN_URL
from tests.app.test_risk_refresh import HIGH_YANTA, snapshot
from tests.conftest import TEST_ENV
from tests.helpers import assert_error, body, get, login, post

# --- the @active risk pointer -----------------------------------------------------------


def _point_at(feed_id: str) -> None:
    """Another container switches the pointer: this one learns of it only by reading."""
    RiskFeedRecord(ACTIVE, state="pointer", active_feed_id=feed_id, stored_at=_EPOCH).save()


_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_pointer_is_served_from_memory_within_its_bound_and_never_past_it(aws, clock):
    pointer = ActivePointer(max_age_seconds=30, clock=clock)
    _point_at("f1")
    assert pointer.current() == "f1"
    _point_at("f2")

    clock.now += timedelta(seconds=29.999)
    assert pointer.current() == "f1"  # inside the bound: the cached answer, no read
    assert pointer.reads == 1
    clock.now += timedelta(milliseconds=1)
    assert pointer.current() == "f2"  # at the bound it is read again
    assert pointer.reads == 2


def test_the_local_stages_cache_nothing(aws, clock):
    assert Settings.from_mapping(TEST_ENV).risk_cache_seconds == 0
    pointer = ActivePointer(max_age_seconds=0, clock=clock)
    _point_at("f1")
    assert pointer.current() == "f1"
    _point_at("f2")
    assert pointer.current() == "f2"  # the same instant, and still read again


def test_deployed_stages_cache_thirty_seconds_and_the_old_name_still_counts():
    deployed = {**TEST_ENV, "YIMA_STAGE": "dev"}
    assert Settings.from_mapping(deployed).risk_cache_seconds == 30
    old = {**deployed, "YIMA_SCAN_RISK_CACHE_SECONDS": "12"}
    assert Settings.from_mapping(old).risk_cache_seconds == 12
    both = {**old, "YIMA_RISK_CACHE_SECONDS": "5"}
    assert Settings.from_mapping(both).risk_cache_seconds == 5


def test_a_clock_that_goes_back_counts_as_stale(aws, clock):
    pointer = ActivePointer(max_age_seconds=30, clock=clock)
    _point_at("f1")
    pointer.current()
    _point_at("f2")
    clock.now -= timedelta(seconds=1)
    assert pointer.current() == "f2"


def test_a_version_named_by_a_message_or_a_switch_here_invalidates_at_once(aws, clock):
    pointer = ActivePointer(max_age_seconds=30, clock=clock)
    _point_at("f1")
    pointer.current()
    _point_at("f2")
    pointer.expect("f1")  # the cache holds f1: nothing to do
    assert pointer.current() == "f1"
    pointer.expect("f2")  # a recolour message for f2: read again, whatever the age
    assert pointer.current() == "f2"
    pointer.switched("f3")  # this container switched: no read needed
    assert pointer.current() == "f3" and pointer.reads == 2


def test_fresh_reads_are_consistent_and_held_once_per_batch(aws, clock):
    pointer = ActivePointer(max_age_seconds=30, clock=clock)
    _point_at("f1")
    with pointer.held():
        assert pointer.current(fresh=True) == "f1"
        _point_at("f2")
        assert pointer.current(fresh=True) == "f1"  # one batch, one snapshot
    assert pointer.reads == 1
    assert pointer.current(fresh=True) == "f2"


@pytest.fixture
def deployed_cache(container):
    """The container's pointer with the deployed stages' bound."""
    pointer = container.colours.facts.pointer
    pointer.max_age = timedelta(seconds=30)
    return pointer


def test_passes_and_region_pages_read_the_pointer_once_per_bound(
    client, container, deployed_cache, clock
):
    citizen = login(client, "cache-pass", phone="13811112222")
    for _ in range(5):
        assert get(client, "/v1/itinerary", citizen).status_code == 200
        assert get(client, "/v1/regions/610113").status_code == 200
    assert deployed_cache.reads <= 1
    clock.now += timedelta(seconds=31)
    get(client, "/v1/regions/610113")
    assert deployed_cache.reads <= 2


def test_a_recolour_batch_reads_the_pointer_once_and_fresh(client, container, deployed_cache):
    from tests.helpers import declaration, make_id_number

    people = []
    for n in range(3):
        token = login(client, f"cache-batch-{n}", phone=f"1381111300{n}")
        answers = declaration(
            id_number=make_id_number(f"61011319900101{n:03d}"), phone=f"1381111300{n}"
        )
        assert post(client, "/v1/declarations", answers, token).status_code == 201
        people.append(token)
    reads = deployed_cache.reads
    from chalicelib.colours.store import ColourRecord

    ids = [r.person_id for r in ColourRecord.scan()]
    counts = container.colours.recolour_many(ids, "test")
    assert counts["recoloured"] == 3
    assert deployed_cache.reads == reads + 1


def test_a_worker_with_a_stale_pointer_colours_from_the_feed_its_message_names(
    client, container, deployed_cache, clock
):
    """A recolour worker (another container) cached the pointer before the switch; a
    stored colour reads the pointer fresh, so the people are coloured against the new feed."""
    official = login(client, "cache-official", role="official")
    from tests.helpers import declaration, make_id_number

    resident = login(client, "cache-resident", phone="13811114444")
    answers = declaration(
        id_number=make_id_number("61011319900101456"),
        phone="13811114444",
        residence_region="610113",
    )
    assert post(client, "/v1/declarations", answers, resident).status_code == 201
    deployed_cache.current()  # cached: no feed yet
    before = deployed_cache.__dict__.copy()
    queued = []
    container.risk.queue.submit = lambda ids, reason, **_: queued.append((ids, reason)) or {}
    pushed = post(
        client,
        "/v1/feeds/risk-areas",
        snapshot("f1", "2026-11-20T09:00:00+08:00", HIGH_YANTA),
        official,
    )
    assert body(pushed)["state"] == "active"
    deployed_cache.__dict__.update(before)  # the worker's container never saw the switch
    ((ids, reason),) = queued

    container.risk.process({"person_ids": ids, "reason": reason})

    assert body(get(client, "/v1/code", resident))["colour"] == "red"


# --- the shared WeChat access token -----------------------------------------------------


@pytest.fixture
def wechat_http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(TOKEN_URL, json={"access_token": "ACCESS-1", "expires_in": 7200})
        mock.get(SESSION_URL, json={"openid": "oCache", "session_key": SESSION_KEY})
        yield mock


def _token_fetches(mock) -> int:
    return sum(1 for c in mock.calls if c.request.url.startswith(TOKEN_URL))


def test_a_container_keeps_the_token_and_rechecks_the_table_once_a_minute(
    client, container, clock, wechat_http
):
    storage = DynamoTokenStorage(clock)
    gateway = WeChatGateway(APPID, "wechat-app-secret", storage=storage)
    container.auth.wechat = lambda: gateway
    for n in range(5):
        assert post(client, "/v1/auth/wechat", {"code": f"c{n}"}).status_code == 200
    assert _token_fetches(wechat_http) == 1
    assert storage.reads == 1  # the first login's miss; then memory

    clock.now += RECHECK - timedelta(microseconds=1)
    post(client, "/v1/auth/wechat", {"code": "later"})
    assert storage.reads == 1
    clock.now += timedelta(microseconds=1)
    post(client, "/v1/auth/wechat", {"code": "a minute"})
    assert storage.reads == 2  # at the bound it looks at the table again


def test_a_token_another_container_replaced_is_picked_up_within_a_minute(aws, clock):
    storage = DynamoTokenStorage(clock)
    storage.set(f"{APPID}_access_token", "OLD", 7200)
    assert storage.get(f"{APPID}_access_token") == "OLD"
    other = DynamoTokenStorage(clock)
    other.set(f"{APPID}_access_token", "NEW", 7200)

    clock.now += RECHECK - timedelta(seconds=1)
    assert storage.get(f"{APPID}_access_token") == "OLD"
    clock.now += timedelta(seconds=1)
    assert storage.get(f"{APPID}_access_token") == "NEW"


def test_the_copy_is_never_used_past_the_tokens_stored_expiry(aws, clock):
    storage = DynamoTokenStorage(clock, recheck=timedelta(hours=10))
    storage.set(f"{APPID}_access_token", "T", 600)  # stored until 5 minutes before expiry
    clock.now += timedelta(seconds=299)
    assert storage.get(f"{APPID}_access_token") == "T"
    clock.now += timedelta(seconds=1)
    assert storage.get(f"{APPID}_access_token") is None  # wechatpy must fetch a new one


def test_one_refresh_at_a_time_the_others_wait_for_its_token(aws, clock):
    key = f"{APPID}_access_token"
    first = DynamoTokenStorage(clock)
    assert first.get(key) is None  # it holds the refresh lease and lets wechatpy fetch

    waited: list[float] = []
    second = DynamoTokenStorage(
        clock, sleep=lambda s: waited.append(s) or (first.set(key, "FETCHED", 7200))
    )
    assert second.get(key) == "FETCHED"  # it waited for the first one's token
    assert waited == [0.1]
    # set() released the lease: after expiry, the next refresh can take it again
    clock.now += timedelta(hours=2)
    assert DynamoTokenStorage(clock).get(key) is None


def test_a_refresh_that_never_lands_is_a_503_with_retry_after(client, container, clock):
    key = f"{APPID}_access_token"
    assert DynamoLease().acquire(
        f"wechat-refresh:{key}",
        owner="elsewhere",
        until=clock.now + timedelta(seconds=10),
        now=clock.now,
    )
    waited: list[float] = []
    storage = DynamoTokenStorage(clock, sleep=waited.append)
    gateway = WeChatGateway(APPID, "wechat-app-secret", storage=storage)
    container.auth.wechat = lambda: gateway
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(SESSION_URL, json={"openid": "oCache", "session_key": SESSION_KEY})
        response = post(client, "/v1/auth/wechat", {"code": "c"})
        assert _token_fetches(mock) == 0  # never a second fetch while one is under way

    assert_error(response, 503, code="wechat_unavailable")
    assert response.headers["Retry-After"] == "1"
    assert sum(waited) < 1.0  # bounded: a login never hangs on someone else's fetch
    assert not any(r.key.startswith("wechat:") for r in RuntimeRecord.scan())
