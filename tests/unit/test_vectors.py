"""The published test vectors: our verifier agrees with every step of every vector."""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime
from pathlib import Path

import pytest

from chalicelib.adapters.signing import ed25519_verify
from chalicelib.domain import healthcode as hc
from chalicelib.verify import load_keys, verify_offline

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
FILES = sorted(VECTORS.glob("*.json"))


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def steps(token: str, keys_document: dict, now: datetime) -> dict[str, bool]:
    """How far a token gets, one decoding step at a time."""
    out = dict.fromkeys(
        ("prefix", "base45", "cbor", "key_known", "signature", "key_valid", "time"), False
    )
    if not token.startswith(hc.PREFIX):
        return out
    out["prefix"] = True
    try:
        hc.b45decode(token[len(hc.PREFIX) :])
    except ValueError:
        return out
    out["base45"] = True
    try:
        parsed = hc.parse(token)
    except hc.TokenError:
        return out
    out["cbor"] = True
    candidates = [k for k in load_keys(keys_document) if k.kid == parsed.kid]
    if not candidates:
        return out
    out["key_known"] = True
    message = hc.signing_input(parsed.protected, parsed.payload)
    key = next((k for k in candidates if ed25519_verify(k.key, message, parsed.signature)), None)
    claims = parsed.claims
    if key is None or key.region != claims.region:
        return out
    out["signature"] = True
    out["key_valid"] = (
        key.status == "active"
        and (key.not_before is None or key.not_before <= claims.issued_at)
        and (key.not_after is None or claims.issued_at <= key.not_after)
    )
    if not out["key_valid"]:
        return out
    out["time"] = claims.issued_at <= now + hc.CLOCK_SKEW and now < claims.expires_at
    return out


def test_there_are_vectors_for_every_outcome():
    reasons = {json.loads(f.read_text())["expected"]["reason"] for f in FILES}

    assert reasons >= {
        None,
        "bad_signature",
        "unknown_key",
        "expired",
        "not_yet_valid",
        "malformed",
        "wrong_prefix",
        "revoked_key",
        "key_expired",
        "key_not_yet_valid",
    }


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_vector(path):
    vector = json.loads(path.read_text())
    expected = vector["expected"]
    now = _when(vector["now"])

    got = steps(vector["token"], vector["keys"], now)
    result = verify_offline(vector["token"], vector["keys"], now=now)

    assert got == {k: expected[k] for k in got}
    assert result["valid"] is expected["valid"]
    assert result.get("reason") == expected["reason"]
    if expected["valid"]:
        claims = hc.parse(vector["token"]).claims
        assert {
            "holder": claims.holder,
            "colour": claims.colour.value,
            "region": claims.region,
            "issued_at": claims.issued_at,
            "expires_at": claims.expires_at,
        } == {
            **expected["claims"],
            "issued_at": _when(expected["claims"]["issued_at"]),
            "expires_at": _when(expected["claims"]["expires_at"]),
        }


def test_the_generator_reproduces_the_published_files():
    spec = importlib.util.spec_from_file_location("vector_generator", VECTORS / "generate.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)

    fresh = {f"{name}.json": generator.render(v) for name, v in generator.vectors().items()}

    assert fresh == {f.name: f.read_text() for f in FILES}
