"""The health-code bench's world (``bench/codes.py``): one in-process moto world built
like ``tests/conftest.py``, a declared citizen's token and a checkpoint, and the timing
tools the code benchmarks share.

``world()`` yields the timed sides (``GET /v1/code``, ``POST /v1/verify`` and their
floors) and the other routes a morning peak calls; ``_median_of_rounds`` times sides
against each other, call by call, in CPU time of the bench's thread; ``_dynamo_calls``
lists the DynamoDB operations a call makes. ``YIMA_BENCH_ROOT`` points the world at
another tree's app (bench/baseline.py's, for the before side).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# YIMA_BENCH_ROOT: another tree's app (bench/baseline.py's, for the before side).
ROOT = Path(os.environ.get("YIMA_BENCH_ROOT") or Path(__file__).resolve().parents[1])
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # app, chalicelib and tests.helpers

FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "cn-northwest-1",
}

ENV = {
    "YIMA_STAGE": "test",
    "YIMA_REGION_CODE": "610100",
    "YIMA_TABLE_PREFIX": "yima-test-",
    "YIMA_SECRET_ID": "yima/test/app",
    "YIMA_KMS_KEY_ID": "alias/yima-test-data",
    "YIMA_FEED_BUCKET": "yima-test-feeds",
    "YIMA_FEED_KEY": "risk-areas/latest.json",
    "YIMA_QUEUE_NAME": "yima-test-recolour",
    "AWS_REGION": "cn-northwest-1",
    # The clock is frozen, so every request falls in one rate-limit window: the counters
    # still count (their cost is part of what is measured) but never refuse.
    "YIMA_LIMIT_CODE_SUBJECT": "999999999/60",
    "YIMA_LIMIT_CODE_IP": "999999999/60",
    "YIMA_LIMIT_SCAN_SUBJECT": "999999999/60",
    "YIMA_LIMIT_SCAN_IP": "999999999/60",
    "YIMA_LIMIT_SCAN_ALERT": "off",
    "YIMA_SCAN_RISK_CACHE_SECONDS": "30",  # as on the deployed stages
    "YIMA_LIMIT_LOGIN_SUBJECT": "999999999/60",
    "YIMA_LIMIT_LOGIN_IP": "999999999/60",
}

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # a fixed clock: tokens never expire mid-run
PNG_CAPTION = "11-20 10:00"
SVG_CAPTION = "2026-11-20 10:00:00 签发"

WARMUP = 20
ROUNDS = 7  # per run; two runs
PER_ROUND = 25
COST_CALLS = 51  # calls per route for the inside / outside DynamoDB split


def _median_of_rounds(
    sides: dict[str, Callable[[], object]], *, rounds: int, per_round: int, warmup: int
) -> dict[str, float]:
    """Seconds per call for each side: the median over rounds of each round's median."""
    for _ in range(warmup):
        for fn in sides.values():
            fn()
    per_side: dict[str, list[float]] = {name: [] for name in sides}
    clock = time.thread_time  # CPU time: what other processes take is not ours
    for _ in range(rounds):
        samples: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(per_round):
            for name, fn in sides.items():
                t = clock()
                fn()
                samples[name].append(clock() - t)
        for name, values in samples.items():
            per_side[name].append(statistics.median(values))
    return {name: statistics.median(values) for name, values in per_side.items()}


def _us(seconds: float) -> float:
    return round(seconds * 1e6, 1)


def _ms(seconds: float) -> float:
    return round(seconds * 1e3, 2)


@contextmanager
def _fake_aws() -> Iterator[None]:
    """Fake credentials before boto3 is imported (never look for real ones), then moto."""
    saved = {name: os.environ.get(name) for name in (*FAKE_AWS, "AWS_PROFILE")}
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(FAKE_AWS)
    try:
        from moto import mock_aws

        with mock_aws():
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _stdout_to_devnull() -> Iterator[None]:
    """Each request writes its log line(s) to stdout, as on Lambda; here they go to
    /dev/null at the descriptor level, so the formatting and the write are still paid
    but the terminal does not scroll (and the bench's own output stays readable)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _dynamo_calls(fn: Callable[[], object]) -> list[str]:
    """The DynamoDB requests one call makes (counted once, outside the timed loop), each
    as ``"<operation> <table>[.<index>][ consistent][ sets:<attributes>]"`` with the
    table's stage prefix dropped: what ``bench/capacity.py`` prices."""
    from pynamodb.connection.base import Connection

    original = Connection._make_api_call
    seen: list[str] = []
    prefix = ENV["YIMA_TABLE_PREFIX"]

    def counting(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
        table = str(operation_kwargs.get("TableName", "")).removeprefix(prefix)
        index = operation_kwargs.get("IndexName")
        call = f"{operation_name} {table}{'.' + index if index else ''}"
        if operation_kwargs.get("ConsistentRead"):
            call += " consistent"
        if operation_name == "UpdateItem":
            names = operation_kwargs.get("ExpressionAttributeNames", {})
            call += " sets:" + ",".join(sorted(names.values()))
        seen.append(call)
        return original(self, operation_name, operation_kwargs)

    Connection._make_api_call = counting  # type: ignore[method-assign]
    try:
        fn()
    finally:
        Connection._make_api_call = original  # type: ignore[method-assign]
    return seen


def _timed_dynamo(
    sides: dict[str, Callable[[], object]], *, calls: int, warmup: int
) -> dict[str, dict[str, float]]:
    """Per side, median seconds per call: in all, inside the DynamoDB client (pynamodb's
    ``_make_api_call``: botocore and moto) and outside it (ours, Chalice's, pynamodb's
    model layer). The outside part is the CPU a Lambda spends on the route; real
    DynamoDB replaces the inside part with its round trips. Sides alternate call by
    call, like ``_median_of_rounds``."""
    from pynamodb.connection.base import Connection

    original = Connection._make_api_call
    clock = time.thread_time
    inside = [0.0]

    def timing(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
        t = clock()
        try:
            return original(self, operation_name, operation_kwargs)
        finally:
            inside[0] += clock() - t

    samples: dict[str, dict[str, list[float]]] = {
        name: {"total": [], "dynamo": [], "own": []} for name in sides
    }
    Connection._make_api_call = timing  # type: ignore[method-assign]
    try:
        for n in range(warmup + calls):
            for name, fn in sides.items():
                inside[0] = 0.0
                t = clock()
                fn()
                total = clock() - t
                if n >= warmup:
                    samples[name]["total"].append(total)
                    samples[name]["dynamo"].append(inside[0])
                    samples[name]["own"].append(total - inside[0])
    finally:
        Connection._make_api_call = original  # type: ignore[method-assign]
    return {
        name: {part: statistics.median(values) for part, values in parts.items()}
        for name, parts in samples.items()
    }


def dynamo_item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it for capacity units, from its wire form
    (``Model.serialize()``): attribute names plus values; strings and binaries by
    their bytes, numbers about one byte per two significant digits plus one, booleans
    and nulls one byte, lists and maps 3 bytes plus their elements plus one byte each.
    (developer guide, "Item sizes and formats")."""

    def value(v: dict[str, Any]) -> int:
        ((kind, data),) = v.items()
        if kind == "S":
            return len(data.encode())
        if kind == "B":
            return len(data) if isinstance(data, bytes) else len(data.encode())
        if kind == "N":
            digits = data.lstrip("-").replace(".", "").strip("0") or "0"
            return (len(digits) + 1) // 2 + 1
        if kind in ("BOOL", "NULL"):
            return 1
        if kind in ("SS", "BS"):
            return sum(len(x.encode()) if isinstance(x, str) else len(x) for x in data)
        if kind == "NS":
            return sum(value({"N": x}) for x in data)
        if kind == "L":
            return 3 + sum(value(x) + 1 for x in data)
        if kind == "M":
            return 3 + sum(len(k.encode()) + value(x) + 1 for k, x in data.items())
        raise ValueError(f"unknown attribute type {kind}")

    return sum(len(name.encode()) + value(v) for name, v in item.items())


@dataclass
class World:
    """A declared citizen's token and the timed calls, in one moto world.

    ``sides`` are the two endpoints and their floors, timed against each other;
    ``routes`` the other routes a morning peak calls, for their costs."""

    token: str
    keys_doc: dict[str, Any]
    sides: dict[str, Callable[[], object]]
    routes: dict[str, Callable[[], object]]
    item_bytes: dict[str, int]


BENCH_VENUE = {
    "name": "小寨地铁站 A 口",
    "address": "长安中路",
    "region_code": "610113",
    "lat": 34.22,
    "lng": 108.95,
    "kind": "transport",
}


@contextmanager
def world() -> Iterator[World]:
    """Build the moto world like tests/conftest.py (also the entry point for profiling)."""
    with _fake_aws(), _stdout_to_devnull():
        from chalice.test import Client

        from app import app
        from chalicelib import bootstrap, cli
        from chalicelib.codes import token as healthcode
        from chalicelib.codes.store import ScanRecord
        from chalicelib.colours.store import ColourRecord
        from chalicelib.identity.store import IdentityRecord, UserRecord
        from chalicelib.kernel.settings import Settings
        from chalicelib.kernel.signing import ed25519_verify
        from chalicelib.officials.audit_store import AuditRecord
        from chalicelib.venues.store import AssignmentRecord
        from chalicelib.verify import verify_offline
        from tests.helpers import body, declaration, get, login, make_id_number, post

        settings = Settings.from_mapping(ENV)
        cli.create_tables(settings)
        cli.init_secrets(settings)
        cli.ensure_kms_key(settings)
        container = bootstrap.build(settings, clock=lambda: NOW)
        bootstrap.set_container(container)
        try:
            with Client(app) as client:
                citizen = login(client, "bench-holder", phone="13812345678")
                created = post(client, "/v1/declarations", declaration(), citizen)
                assert created.status_code == 201, created.body
                # The gate is posted at a registered venue (issue 29): a scan's venue and
                # district come from the post, one Query on the assignments table's key.
                official = login(client, "bench-official", role="official")
                venue = body(post(client, "/v1/admin/venues", BENCH_VENUE, official))
                gate = body(
                    post(client, "/v1/auth/dev", {"subject": "bench-gate", "role": "checkpoint"})
                )
                checkpoint, gate_id = gate["token"], gate["user"]["id"]
                posted = {"user_id": gate_id, "venue_id": venue["id"]}
                assert post(client, "/v1/admin/assignments", posted, official).status_code == 201
                shown = get(client, "/v1/code", citizen)
                assert shown.status_code == 200, shown.body
                token = body(shown)["token"]
                keys_doc = body(get(client, "/v1/keys"))

                # The floors work on exactly what the endpoints work on: the one stored
                # colour (the only declaration), the token's signing input, signature, key.
                person_id = next(iter(ColourRecord.scan())).person_id
                parsed = healthcode.parse(token)
                message = healthcode.signing_input(parsed.protected, parsed.payload)
                signer = container.codes.signer()
                public = next(k.key for k in signer.published(NOW) if k.kid == parsed.kid)
                holder = parsed.claims.holder
                assert ColourRecord.get(person_id).holder_id == holder
                verify_body = json.dumps({"token": token, "venue_id": venue["id"]})
                verify_headers = {
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {checkpoint}",
                }
                code_headers = {"Authorization": f"Bearer {citizen}"}

                def code_endpoint() -> None:
                    response = client.http.get("/v1/code", headers=code_headers)
                    assert response.status_code == 200

                def code_floor() -> None:
                    ColourRecord.get(person_id)
                    signer.sign(message)

                def verify_endpoint() -> None:
                    response = client.http.post(
                        "/v1/verify", headers=verify_headers, body=verify_body
                    )
                    assert response.status_code == 200

                scan_serial = iter(range(10**9))

                def verify_floor() -> None:
                    # The floor is what a verification cannot do without: the checkpoint's
                    # posts (one Query), the holder's one read, the scan-log write (the same
                    # item the endpoint writes, at a new key each time), one Ed25519 verify.
                    for _ in AssignmentRecord.query(gate_id):
                        pass
                    for _ in ColourRecord.by_holder.query(holder, limit=1):
                        pass
                    ScanRecord(
                        person_id,
                        f"{NOW.isoformat()}#floor{next(scan_serial):09d}",
                        venue_id=venue["id"],
                        region_code="610113",
                        region_day="610113#2026-11-20#3",
                        scanned_by="floor",
                        colour="green",
                        scanned_at=NOW,
                        expires=NOW,
                    ).save()
                    ed25519_verify(public, message, parsed.signature)

                no_venue_body = json.dumps({"token": token})

                def verify_no_venue() -> None:
                    response = client.http.post(
                        "/v1/verify", headers=verify_headers, body=no_venue_body
                    )
                    assert response.status_code == 200

                def image(path: str, accept: str) -> Callable[[], object]:
                    headers = {**code_headers, "Accept": accept}

                    def call() -> object:
                        response = client.http.get(path, headers=headers)
                        assert response.status_code == 200
                        return response.body

                    return call

                def one_pass() -> None:
                    assert client.http.get("/v1/pass", headers=code_headers).status_code == 200

                relogin_body = json.dumps({"subject": "bench-holder", "phone": "13812345678"})

                def relogin() -> None:
                    response = client.http.post(
                        "/v1/auth/dev",
                        headers={"Content-Type": "application/json"},
                        body=relogin_body,
                    )
                    assert response.status_code == 200

                assert body(post(client, "/v1/verify", {"token": token}, checkpoint))["valid"]
                assert verify_offline(token, keys_doc, now=NOW)["valid"]
                verify_endpoint()  # leaves one scan with its region, as a checkpoint would
                # A second citizen with three reasons: the colour item at its larger size.
                other = login(client, "bench-red", phone="13912345678")
                answers = declaration(
                    id_number=make_id_number("61011319850505321"),
                    phone="13912345678",
                    symptoms=["fever"],
                    contact_with_confirmed=True,
                    abroad_14d=True,
                )
                assert post(client, "/v1/declarations", answers, other).status_code == 201
                red = next(r for r in ColourRecord.scan() if r.person_id != person_id)
                yield World(
                    token=token,
                    keys_doc=keys_doc,
                    sides={
                        "code": code_endpoint,
                        "code_floor": code_floor,
                        "verify": verify_endpoint,
                        "verify_floor": verify_floor,
                    },
                    routes={
                        "verify_no_venue": verify_no_venue,
                        "png_route": image("/v1/code.png", "image/png"),
                        "svg_route": image("/v1/code.svg", "image/svg+xml"),
                        "pass": one_pass,
                        "login": relogin,
                    },
                    item_bytes={
                        "colour_green": dynamo_item_bytes(ColourRecord.get(person_id).serialize()),
                        f"colour_{red.colour}_{len(red.reasons)}_reasons": dynamo_item_bytes(
                            red.serialize()
                        ),
                        "user": dynamo_item_bytes(
                            UserRecord.get(ColourRecord.get(person_id).owner_user_id).serialize()
                        ),
                        "identity": dynamo_item_bytes(
                            IdentityRecord.get("dev:bench-holder").serialize()
                        ),
                        "audit": max(dynamo_item_bytes(r.serialize()) for r in AuditRecord.scan()),
                        "scan": max(
                            dynamo_item_bytes(r.serialize()) for r in ScanRecord.query(person_id)
                        ),
                    },
                )
        finally:
            bootstrap.set_container(None)


def _offline_sides(token: str, keys_doc: dict[str, Any]) -> dict[str, Callable[[], object]]:
    """The floor of an offline verify: the token's Ed25519 signature checked by
    libsodium (``crypto_sign_open``, what ``signing.ed25519_verify`` calls), nothing
    decoded or checked; and beside it OpenSSL's verify through ``cryptography`` with
    the key loaded, the one we used before (docs/codecs.md)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from nacl.bindings import crypto_sign_open

    from chalicelib.codes import token as healthcode
    from chalicelib.verify import load_keys

    parsed = healthcode.parse(token)
    message = healthcode.signing_input(parsed.protected, parsed.payload)
    raw = next(k.key for k in load_keys(keys_doc) if k.kid == parsed.kid)
    public = Ed25519PublicKey.from_public_bytes(raw)
    return {
        "ed25519": lambda: crypto_sign_open(parsed.signature + message, raw),
        "openssl": lambda: public.verify(parsed.signature, message),
    }
