"""The health code before and after the codec work of issue 15 (``bench/codes.py``).

Each codec call today, as it was (``bench/baseline.py``), and as the library of the
field would do it (``codec_*`` rows, in this process); and the request cost of three
routes with today's codecs and the old ones (``request_*_after_vs_before``): two
subprocesses (``bench/codes.py --serve-costs``), one per tree, each with its own moto
world, measuring a round in turn, so that both sides see the same machine.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from codes_world import NOW, WARMUP, _median_of_rounds, _us, world

# --- before / after the codec work (issue 15) -------------------------------------------

CODEC_ROUNDS = 11
CODEC_PER_ROUND = 100
COST_ROUTES = ("code", "verify", "login")
COST_ROUNDS = 11
COST_PER_ROUND = 15


def _codec_sides(
    token: str, keys_doc: dict[str, Any]
) -> dict[str, dict[str, Callable[[], object]]]:
    """Per codec: today's call, the baseline's, and the library's where one is the
    candidate, on the same input."""
    import baseline

    from chalicelib.codes import token as healthcode
    from chalicelib.declarations.schemas import DECLARE
    from chalicelib.kernel import geo, schema, session
    from chalicelib.kernel.roles import Role
    from chalicelib.kernel.signing import ed25519_verify
    from chalicelib.verify import load_keys, verify_offline
    from tests.helpers import declaration

    old_hc = baseline.module("chalicelib/codes/token.py")
    old_session = baseline.module("chalicelib/kernel/session.py")
    old_geo = baseline.module("chalicelib/kernel/geo.py")
    old_schema = baseline.module("chalicelib/kernel/schema.py")
    old_verify = baseline.module("chalicelib/verify.py")
    old_verify.verify, old_verify.TokenError = old_hc.verify, old_hc.TokenError  # its codec
    old_verify.PublicKey = old_hc.PublicKey

    text = token[len(healthcode.PREFIX) :]
    raw = healthcode.b45decode(text)
    keys, old_keys = load_keys(keys_doc), old_verify.load_keys(keys_doc)
    ring = session.KeyRing(keys={"s1": b"k" * 32}, active="s1")
    old_ring = old_session.KeyRing(keys={"s1": b"k" * 32}, active="s1")
    audience = "yima:test:610100"
    sid, _ = session.mint(
        ring,
        subject="u_1",
        role=Role.CITIZEN,
        audience=audience,
        now=NOW,
        ttl=timedelta(hours=2),
        session_id=session.new_session_id(),
    )
    body = declaration()
    sides: dict[str, dict[str, Callable[[], object]]] = {
        "base45_decode": {
            "after": lambda: healthcode.b45decode(text),
            "before": lambda: old_hc.b45decode(text),
        },
        "cbor_decode": {
            "after": lambda: healthcode.cbor_decode(raw),
            "before": lambda: old_hc.cbor_decode(raw),
        },
        "token_parse": {
            "after": lambda: healthcode.parse(token),
            "before": lambda: old_hc.parse(token),
        },
        "token_verify": {
            "after": lambda: healthcode.verify(token, keys, now=NOW, verifier=ed25519_verify),
            "before": lambda: old_hc.verify(token, old_keys, now=NOW, verifier=ed25519_verify),
        },
        "offline_verify": {
            "after": lambda: verify_offline(token, keys_doc, now=NOW),
            "before": lambda: old_verify.verify_offline(token, keys_doc, now=NOW),
        },
        "session_verify": {
            "after": lambda: session.verify(ring, sid, audience=audience, now=NOW),
            "before": lambda: old_session.verify(old_ring, sid, audience=audience, now=NOW),
        },
        "schema_declaration": {
            "after": lambda: schema.validate(body, DECLARE),
            "before": lambda: old_schema.validate(body, DECLARE),
        },
        "geohash_cells": {
            "after": lambda: geo.covering_cells(34.2, 108.9, 5000),
            "before": lambda: old_geo.covering_cells(34.2, 108.9, 5000),
        },
    }
    _add_libraries(sides, raw=raw, text=text, sid=sid, audience=audience, body=body)
    return sides


def _add_libraries(
    sides: dict[str, dict[str, Callable[[], object]]],
    *,
    raw: bytes,
    text: str,
    sid: str,
    audience: str,
    body: dict[str, Any],
) -> None:
    """The candidates docs/codecs.md weighs, where installed (requirements-dev.txt)."""
    try:
        import base45
        import cbor2
        import fastjsonschema
        import jwt
    except ImportError:
        return
    from chalicelib.declarations.schemas import DECLARE

    compiled = fastjsonschema.compile(DECLARE, use_formats=False)

    def pyjwt_verify() -> object:
        header = jwt.get_unverified_header(sid)
        return jwt.decode(
            sid,
            b"k" * 32 if header.get("kid") == "s1" else b"",
            algorithms=["HS256"],
            audience=audience,
            issuer="yima",
            options={"verify_exp": False, "verify_iat": False, "require": ["exp", "iat"]},
        )

    sides["base45_decode"]["library"] = lambda: base45.b45decode(text)
    sides["cbor_decode"]["library"] = lambda: cbor2.loads(raw)
    sides["session_verify"]["library"] = pyjwt_verify
    sides["schema_declaration"]["library"] = lambda: compiled(body)


def codec_rows(token: str, keys_doc: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        per_codec = _codec_sides(token, keys_doc)
    except Exception as exc:  # the baseline cannot be built here (no git, no commit)
        return [_unavailable("codec_before_after", exc)]
    rows = []
    for codec, sides in per_codec.items():
        # One codec at a time: a side that ran right after another codec's call (an
        # Ed25519 verify, say) would start with cold caches and lose to its twin.
        median = _rotating_medians(sides)
        us = {side: _us(seconds) for side, seconds in median.items()}
        detail: dict[str, Any] = {"after_us": us["after"], "before_us": us["before"]}
        if "library" in us:
            detail["library_us"] = us["library"]
            detail["library_vs_after"] = round(us["library"] / us["after"], 2)
        rows.append(
            {
                "name": f"codec_{codec}_after_vs_before",
                "value": round(us["after"] / us["before"], 2),
                "unit": "ratio",
                "goal": "informational",
                "detail": detail,
            }
        )
    return rows


def _rotating_medians(sides: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Like ``_median_of_rounds``, but the order of the sides turns call by call: the
    side that runs first after another side (a library's, with its own code and data
    in the caches) is not always the same one."""
    names = list(sides)
    for _ in range(CODEC_PER_ROUND):
        for fn in sides.values():
            fn()
    clock = time.thread_time
    per_side: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(CODEC_ROUNDS):
        samples: dict[str, list[float]] = {name: [] for name in names}
        for n in range(CODEC_PER_ROUND):
            for name in names[n % len(names) :] + names[: n % len(names)]:
                fn = sides[name]
                t = clock()
                fn()
                samples[name].append(clock() - t)
        for name, values in samples.items():
            per_side[name].append(statistics.median(values))
    return {name: statistics.median(values) for name, values in per_side.items()}


def _unavailable(name: str, exc: Exception) -> dict[str, Any]:
    return {
        "name": name,
        "value": 0,
        "unit": "",
        "goal": "informational: the baseline is unavailable",
        "detail": {"why": f"{type(exc).__name__}: {exc}"},
    }


def _cost_server(root: Path) -> Any:
    import subprocess

    env = {**os.environ, "YIMA_BENCH_ROOT": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve().with_name("codes.py")), "--serve-costs"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=root,
    )


def request_cost_rows() -> list[dict[str, Any]]:
    """GET /v1/code, POST /v1/verify and POST /v1/auth/dev with today's codecs and the
    baseline's: a server process per tree, a round each in turn, the median of rounds."""
    try:
        import baseline

        trees = {"after": Path(__file__).resolve().parents[1], "before": baseline.tree()}
    except Exception as exc:
        return [_unavailable("request_cost_before_after", exc)]
    servers = {side: _cost_server(root) for side, root in trees.items()}
    rounds: dict[str, dict[str, list[float]]] = {
        side: {route: [] for route in COST_ROUTES} for side in servers
    }
    try:
        for server in servers.values():
            if not server.stdout or server.stdout.readline().strip() != "ready":
                raise RuntimeError("a cost server did not start")
        for n in range(COST_ROUNDS):
            order = list(servers) if n % 2 == 0 else list(reversed(servers))
            for side in order:
                server = servers[side]
                assert server.stdin and server.stdout
                server.stdin.write("round\n")
                server.stdin.flush()
                for route, seconds in json.loads(server.stdout.readline()).items():
                    rounds[side][route].append(seconds)
    except (RuntimeError, ValueError, OSError) as exc:
        return [_unavailable("request_cost_before_after", exc)]
    finally:
        for server in servers.values():
            if server.stdin:
                server.stdin.close()
            server.wait(timeout=60)
    rows = []
    for route in COST_ROUTES:
        after = statistics.median(rounds["after"][route])
        before = statistics.median(rounds["before"][route])
        rows.append(
            {
                "name": f"request_{route}_after_vs_before",
                "value": round(after / before, 2),
                "unit": "ratio",
                "goal": "informational",
                "detail": {
                    "after_us": _us(after),
                    "before_us": _us(before),
                    "is": "median CPU time per call through chalice.test.Client on moto, "
                    "today's codecs vs the baseline's, in two processes taking turns",
                },
            }
        )
    return rows


def serve_costs() -> int:
    """``--serve-costs``: build a world, say ready, then time one round per line read."""
    out = os.fdopen(os.dup(1), "w")  # world() points fd 1 at /dev/null
    with world() as w:
        calls = {"code": w.sides["code"], "verify": w.sides["verify"], "login": w.routes["login"]}
        for fn in calls.values():
            for _ in range(WARMUP):
                fn()
        out.write("ready\n")
        out.flush()
        for line in sys.stdin:
            if line.strip() != "round":
                break
            result = _median_of_rounds(calls, rounds=1, per_round=COST_PER_ROUND, warmup=2)
            out.write(json.dumps(result) + "\n")
            out.flush()
    return 0
