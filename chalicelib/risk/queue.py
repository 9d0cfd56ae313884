"""Handing people to the recolour worker: SQS in AWS, inline on the local stack.

``SqsRecolourQueue`` sends ``{"person_ids": [...], "reason": ...}`` messages
of up to 100 people (or ``phone_hashes`` / ``id_hashes`` whose people the
worker looks up), ten messages per SendMessageBatch call; the
``recolour`` handler (``@app.on_sqs_message``) recomputes them, and SQS
redelivers a chunk whose handler failed (recomputing is idempotent).
``InlineRecolourQueue`` recolours at once, in the same process: ``chalice
local`` runs no queue consumers, so the local stack and the API tests use it.

A feed's people carry ``arrived_at`` (when the feed came in) in each message, from
which the worker measures ``RecolourLagSeconds``; every message sent counts in
``RecolourChunksQueued`` (docs/metrics.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.kernel import metrics
from chalicelib.kernel.times import rfc3339

CHUNK = 100


def chunks(items: list[str], size: int = CHUNK) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _source(
    actor: str | None, actor_role: str | None, arrived_at: datetime | None, people: list[str]
) -> dict[str, str]:
    """What a message of people carries besides them: the audited source of a scan's
    recolour, and a feed's arrival (only with people to recolour: no lag for nobody)."""
    source = {"actor": actor, "actor_role": actor_role} if actor and actor_role else {}
    if arrived_at is not None and people:
        source["arrived_at"] = rfc3339(arrived_at)
    return source


class SqsRecolourQueue:
    def __init__(self, client: Callable[[], Any], queue_name: str) -> None:
        self._client = client  # built on first use: most requests never touch the queue
        self._name = queue_name
        self._url: str | None = None

    def _queue_url(self) -> str:
        if self._url is None:
            self._url = str(self._client().get_queue_url(QueueName=self._name)["QueueUrl"])
        return self._url

    def submit(
        self,
        person_ids: list[str],
        *,
        reason: str,
        actor: str | None = None,
        actor_role: str | None = None,
        arrived_at: datetime | None = None,
    ) -> dict[str, int]:
        """``actor``: the source the recolour is audited with (a scan's checkpoint);
        ``arrived_at``: the feed's arrival, for the worker's lag."""
        source = _source(actor, actor_role, arrived_at, person_ids)
        self._send("person_ids", person_ids, reason, **source)
        return {"queued": len(person_ids)}

    def submit_phones(self, phone_hashes: list[str], *, reason: str) -> dict[str, int]:
        """The worker finds the people behind the phones (a carrier batch names phones)."""
        self._send("phone_hashes", phone_hashes, reason)
        return {"queued_phones": len(phone_hashes)}

    def submit_ids(self, id_hashes: list[str], *, reason: str) -> dict[str, int]:
        """The worker finds the people behind keyed ID hashes (a lab batch names them)."""
        self._send("id_hashes", id_hashes, reason)
        return {"queued_ids": len(id_hashes)}

    def submit_rescan(
        self, regions: list[str], *, day: str, reason: str, delay_seconds: int
    ) -> dict[str, int]:
        """Later (SQS DelaySeconds, at most 900): recolour whoever was scanned in these
        districts on ``day``. Scan checks read a risk snapshot cached for a few seconds; a
        scan made just after a switch, against the older snapshot, is caught here."""
        body = {"rescan_regions": regions, "day": day, "reason": reason}
        self._client().send_message(
            QueueUrl=self._queue_url(),
            MessageBody=json.dumps(body),
            DelaySeconds=max(0, min(900, delay_seconds)),
        )
        metrics.emit("RecolourChunksQueued", 1)
        return {"queued_rescans": len(regions)}

    def _send(self, kind: str, items: list[str], reason: str, **source: str) -> None:
        from chalicelib.kernel.errors import UpstreamUnavailable

        messages = [
            {"Id": str(n), "MessageBody": json.dumps({kind: part, "reason": reason, **source})}
            for n, part in enumerate(chunks(items))
        ]
        queued = 0  # the messages SQS took, counted even when a later batch fails
        try:
            for start in range(0, len(messages), 10):
                batch = messages[start : start + 10]
                sending = len(batch)
                for _attempt in range(3):
                    result = self._client().send_message_batch(
                        QueueUrl=self._queue_url(), Entries=batch
                    )
                    failed = {f["Id"] for f in result.get("Failed", [])}
                    batch = [m for m in batch if m["Id"] in failed]
                    if not batch:
                        break
                queued += sending - len(batch)
                if batch:
                    raise UpstreamUnavailable("the recolour queue refused messages; try again")
        finally:
            if queued:
                metrics.emit("RecolourChunksQueued", queued)


class InlineRecolourQueue:
    """Does the worker's job at once (``process`` is the worker's own entry point)."""

    def __init__(self, process: Callable[[dict[str, Any]], dict[str, int]]) -> None:
        self._process = process

    def submit(
        self,
        person_ids: list[str],
        *,
        reason: str,
        actor: str | None = None,
        actor_role: str | None = None,
        arrived_at: datetime | None = None,
    ) -> dict[str, int]:
        source = _source(actor, actor_role, arrived_at, person_ids)
        return self._process({"person_ids": person_ids, "reason": reason, **source})

    def submit_phones(self, phone_hashes: list[str], *, reason: str) -> dict[str, int]:
        return self._process({"phone_hashes": phone_hashes, "reason": reason})

    def submit_ids(self, id_hashes: list[str], *, reason: str) -> dict[str, int]:
        return self._process({"id_hashes": id_hashes, "reason": reason})

    def submit_rescan(
        self, regions: list[str], *, day: str, reason: str, delay_seconds: int
    ) -> dict[str, int]:
        """Nothing to catch up: the local stacks' scan check caches nothing (no delayed
        delivery here: YIMA_SCAN_RISK_CACHE_SECONDS stays 0 on them)."""
        return {}


class S3FeedSource:
    """The risk-area feed object the scheduled refresh pulls."""

    def __init__(self, client: Callable[[], Any], bucket: str, key: str) -> None:
        self._client, self._bucket, self._key = client, bucket, key

    def read(self) -> Any:
        from botocore.exceptions import ClientError

        from chalicelib.kernel.errors import InvalidInput, UpstreamUnavailable

        try:
            raw = self._client().get_object(Bucket=self._bucket, Key=self._key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NoSuchBucket"):
                return None
            raise UpstreamUnavailable("the feed bucket is unavailable") from None
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput("the feed object is not JSON", field="body") from None
