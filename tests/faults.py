"""Injecting AWS faults under the app, on moto.

Two depths, because they test different things:

- ``transient(...)`` answers a DynamoDB call with an HTTP error *before* moto
  sees it (a ``before-send`` handler, first in line), so botocore's own retry
  logic runs exactly as against AWS: the app should not even notice.
- ``persistent(...)`` fails a call in ``BaseClient._make_api_call``, above
  botocore's retries: what the app sees once AWS has kept failing through all
  of them. ``unprocessed(...)`` makes BatchWriteItem leave items unprocessed
  (they are really not written), as DynamoDB does under load.

Every injection is counted, so a test can state how many faults it survived.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient
from botocore.exceptions import ClientError

THROTTLED = "ProvisionedThroughputExceededException"
PREFIX = "yima-test-"


@dataclass
class Rule:
    service: str
    operation: str
    table: str | None
    code: str
    times: int | None  # None: every time
    when: Callable[[dict[str, Any]], bool]
    fired: int = 0

    def matches(self, service: str, operation: str, params: dict[str, Any]) -> bool:
        if (service, operation) != (self.service, self.operation):
            return False
        if self.table is not None and params.get("TableName") != PREFIX + self.table:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        return self.when(params)


@dataclass
class Faults:
    rules: list[Rule] = field(default_factory=list)
    injected: Counter[str] = field(default_factory=Counter)
    unprocessed_rounds: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def persistent(
        self,
        operation: str,
        *,
        table: str | None = None,
        service: str = "dynamodb",
        code: str = THROTTLED,
        times: int | None = None,
        when: Callable[[dict[str, Any]], bool] = lambda params: True,
    ) -> None:
        self.rules.append(Rule(service, operation, table, code, times, when))

    def clear(self) -> None:
        self.rules.clear()
        self.unprocessed_rounds.clear()

    def unprocessed(self, table: str, *, rounds: int) -> None:
        """The next ``rounds`` BatchWriteItem calls on ``table`` write only half their items."""
        self.unprocessed_rounds[PREFIX + table] = rounds

    def _fail(self, service: str, operation: str, params: dict[str, Any]) -> None:
        with self._lock:
            rule = next((r for r in self.rules if r.matches(service, operation, params)), None)
            if rule is None:
                return
            rule.fired += 1
            self.injected[f"{service}.{operation}:{rule.code}"] += 1
        raise ClientError({"Error": {"Code": rule.code, "Message": "injected"}}, operation)

    def _batch_write(self, real: Callable[..., Any], client: Any, params: dict[str, Any]) -> Any:
        held: dict[str, list[Any]] = {}
        sent = dict(params["RequestItems"])
        with self._lock:
            for table, requests in params["RequestItems"].items():
                if self.unprocessed_rounds.get(table, 0) > 0 and len(requests) > 1:
                    self.unprocessed_rounds[table] -= 1
                    half = len(requests) // 2
                    sent[table], held[table] = requests[:half], requests[half:]
                    self.injected["dynamodb.BatchWriteItem:UnprocessedItems"] += len(held[table])
        response = real(client, "BatchWriteItem", {**params, "RequestItems": sent})
        if held:
            left = response.setdefault("UnprocessedItems", {})
            for table, requests in held.items():
                left[table] = left.get(table, []) + requests
        return response


@contextmanager
def injected_faults() -> Iterator[Faults]:
    faults = Faults()
    real = BaseClient._make_api_call

    def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        faults._fail(service, operation, params)
        if service == "dynamodb" and operation == "BatchWriteItem" and faults.unprocessed_rounds:
            return faults._batch_write(real, client, params)
        return real(client, operation, params)

    BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
    try:
        yield faults
    finally:
        BaseClient._make_api_call = real  # type: ignore[method-assign]


def _throttle_response(url: str) -> AWSResponse:
    from moto.core.botocore_stubber import MockRawResponse

    payload = json.dumps(
        {
            "__type": f"com.amazonaws.dynamodb.v20120810#{THROTTLED}",
            "message": "The level of configured provisioned throughput for the table was exceeded.",
        }
    )
    headers = {"x-amzn-errortype": f"{THROTTLED}:", "content-type": "application/x-amz-json-1.0"}
    return AWSResponse(url, 400, headers, MockRawResponse(payload))


@contextmanager
def transient_throttles(operation: str, times: int) -> Iterator[Counter[str]]:
    """The next ``times`` DynamoDB ``operation`` calls get a throttling answer over HTTP,
    before moto sees them: botocore retries them as it would against AWS."""
    from chalicelib.datamodel import all_models

    counts: Counter[str] = Counter()
    lock = threading.Lock()

    def before_send(request: Any, event_name: str = "", **_: Any) -> AWSResponse | None:
        if not event_name.endswith(f".{operation}"):
            return None
        with lock:
            if counts["throttled"] >= times:
                return None
            counts["throttled"] += 1
        return _throttle_response(request.url)

    clients = {id(c): c for c in (m._get_connection().connection.client for m in all_models())}
    for client in clients.values():
        client.meta.events.register_first(f"before-send.dynamodb.{operation}", before_send)
    try:
        yield counts
    finally:
        for client in clients.values():
            client.meta.events.unregister(f"before-send.dynamodb.{operation}", before_send)
