"""The published test vectors: our verifier agrees with every step of every vector, and
so do third-party libraries (base45, cbor2, pycose) that share none of our code. The
health codes (``YM1:``) are ``tests/vectors/*.json``; the venue codes (``YV1:``)
``tests/vectors/venue/*.json``, checked with the venue token's own decoder."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.codes import token as hc
from chalicelib.kernel.signing import ed25519_verify
from chalicelib.venues import token as venue
from chalicelib.verify import OfflineVerifier, load_keys, verify_offline

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
FILES = sorted(VECTORS.glob("*.json"))
VENUE_FILES = sorted((VECTORS / "venue").glob("*.json"))
COLOURS = ["green", "pending", "yellow", "red"]  # the colour numbers 0..3 in the token


def _generator():
    spec = importlib.util.spec_from_file_location("vector_generator", VECTORS / "generate.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    return generator


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
    if key is None:
        return out
    out["signature"] = True
    out["key_valid"] = (
        key.region == claims.region
        and key.status == "active"
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


def test_there_are_valid_vectors_for_every_colour_and_kind():
    claims = [json.loads(f.read_text())["expected"].get("claims") for f in FILES]
    seen = {(c["colour"], c["kind"]) for c in claims if c}

    assert seen >= {(c, "live") for c in COLOURS} | {("pending", "printed")}


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
        assert result["kind"] == expected["claims"]["kind"]
        assert {
            "holder": claims.holder,
            "colour": claims.colour.value,
            "region": claims.region,
            "issued_at": claims.issued_at,
            "expires_at": claims.expires_at,
            "kind": claims.kind,
        } == {
            **expected["claims"],
            "issued_at": _when(expected["claims"]["issued_at"]),
            "expires_at": _when(expected["claims"]["expires_at"]),
        }


def test_the_generator_reproduces_the_published_files():
    generator = _generator()

    fresh = {f"{name}.json": generator.render(v) for name, v in generator.vectors().items()}
    fresh |= {
        f"venue/{name}.json": generator.render(v) for name, v in generator.venue_vectors().items()
    }

    assert fresh == {
        f.relative_to(VECTORS).as_posix(): f.read_text() for f in [*FILES, *VENUE_FILES]
    }


# --- the same vectors read by third-party libraries only: base45, cbor2, pycose ----------


def _cose(vector: dict, prefix: str = "YM1:") -> tuple[object, list]:
    """A vector's token as pycose reads it, and its claims as cbor2 reads them: none
    of our code. pycose decodes tagged messages only, so the COSE_Sign1 tag (18) that
    our tokens leave out is put in front (our verifier accepts either, docs/codecs.md)."""
    import base45
    import cbor2
    from pycose.messages import Sign1Message

    raw = base45.b45decode(vector["token"].removeprefix(prefix))
    message = Sign1Message.decode(cbor2.dumps(cbor2.CBORTag(18, cbor2.loads(raw))))
    return message, cbor2.loads(message.payload)


def _pycose_key(entry: dict) -> object:
    from pycose.keys import OKPKey
    from pycose.keys.curves import Ed25519

    raw = base64.urlsafe_b64decode(entry["public_key"] + "=" * (-len(entry["public_key"]) % 4))
    return OKPKey(crv=Ed25519, x=raw)


SIGNED = [f for f in FILES if json.loads(f.read_text())["expected"]["cbor"]]


@pytest.mark.parametrize("path", SIGNED, ids=[f.stem for f in SIGNED])
def test_pycose_verifies_exactly_the_signatures_the_vector_says_are_good(path):
    from pycose.algorithms import EdDSA
    from pycose.headers import KID, Algorithm

    vector = json.loads(path.read_text())
    expected = vector["expected"]
    message, claims = _cose(vector)

    assert message.phdr[Algorithm] is EdDSA and message.uhdr == {}
    entries = [k for k in vector["keys"]["keys"] if bytes.fromhex(k["kid"]) == message.phdr[KID]]
    good = []
    for entry in entries:
        message.key = _pycose_key(entry)
        good.append(message.verify_signature())
    assert any(good) is expected["signature"]
    assert bool(entries) is expected["key_known"]
    if expected["valid"]:
        holder, colour, iat, lifetime, region, *kind = claims
        assert kind in ([], [1])  # a sixth claim is the kind: 1, a printed code
        assert {
            "holder": holder.hex(),
            "colour": COLOURS[colour],
            "region": str(region),
            "issued_at": datetime.fromtimestamp(iat, UTC),
            "expires_at": datetime.fromtimestamp(iat + 60 * lifetime, UTC),
            "kind": "printed" if kind else "live",
        } == {
            **expected["claims"],
            "issued_at": _when(expected["claims"]["issued_at"]),
            "expires_at": _when(expected["claims"]["expires_at"]),
        }


def test_every_valid_vector_is_among_those_pycose_checks():
    valid = {f for f in FILES if json.loads(f.read_text())["expected"]["valid"]}

    assert valid and valid <= set(SIGNED)


def test_a_token_pycose_makes_verifies_with_ours():
    """The other direction: a COSE_Sign1 made by pycose (tagged, as it makes them) from our
    claims, signed with a published test key, passes our verifier."""
    import cbor2
    from pycose.algorithms import EdDSA
    from pycose.headers import KID, Algorithm
    from pycose.keys import OKPKey
    from pycose.keys.curves import Ed25519
    from pycose.messages import Sign1Message

    generator = _generator()
    vector = json.loads((VECTORS / "01-valid.json").read_text())
    seed = hashlib.sha256(b"yima test vector key 1").digest()  # the published test key
    kid = bytes.fromhex(vector["keys"]["keys"][0]["kid"])
    issued = int(_when(vector["expected"]["claims"]["issued_at"]).timestamp())
    message = Sign1Message(
        phdr={Algorithm: EdDSA, KID: kid},
        payload=cbor2.dumps([bytes.fromhex("8f3a2c71d4e05b96"), 3, issued, 5, 610100]),
    )
    message.key = OKPKey(crv=Ed25519, d=seed, x=generator.raw_public(generator.KEY))
    token = "YM1:" + hc.b45encode(message.encode())

    result = verify_offline(token, vector["keys"], now=_when(vector["now"]))

    assert result["valid"] is True and result["colour"] == "red"


def test_a_list_made_ready_once_answers_every_vector_as_verify_offline_does():
    """OfflineVerifier (the list checked and its keys loaded once, then code after code)
    gives each vector the answer verify_offline gives it."""
    for path in FILES:
        vector = json.loads(path.read_text())
        now = _when(vector["now"])
        ready = OfflineVerifier.from_document(vector["keys"], now=now)
        assert ready.verify(vector["token"], now=now) == verify_offline(
            vector["token"], vector["keys"], now=now
        ), path.name


def test_claims_a_verifier_must_refuse_are_well_signed():
    """The vectors whose claims break a rule (a printed code with a colour, a live code
    living 24 minutes, an unknown kind) carry a good signature: a verifier that checks
    only the signature would accept them, and must not."""
    import cbor2
    from pycose.headers import KID

    for name in ("21-printed-with-a-colour", "22-live-lifetime-too-long", "23-unknown-kind"):
        vector = json.loads((VECTORS / f"{name}.json").read_text())
        message, claims = _cose(vector)
        (entry,) = [
            k for k in vector["keys"]["keys"] if bytes.fromhex(k["kid"]) == message.phdr[KID]
        ]
        message.key = _pycose_key(entry)

        assert message.verify_signature(), name
        assert (
            cbor2.loads(message.payload) == claims and vector["expected"]["reason"] == "malformed"
        )


# --- the venue codes (YV1:), tests/vectors/venue/ ----------------------------------------

VENUE_STEPS = ("prefix", "base45", "cbor", "region", "key_known", "signature", "key_valid")


def venue_steps(token: str, keys_document: dict, region: str) -> dict[str, bool]:
    """How far a venue token gets, one step at a time, in the order venue.verify checks."""
    out = dict.fromkeys(VENUE_STEPS, False)
    if not token.startswith(venue.PREFIX):
        return out
    out["prefix"] = True
    try:
        hc.b45decode(token[len(venue.PREFIX) :])
    except ValueError:
        return out
    out["base45"] = True
    try:
        parsed = venue.parse(token)
    except hc.TokenError:
        return out
    out["cbor"] = True
    if not venue.inside(parsed.claims.region, region):
        return out
    out["region"] = True
    candidates = [k for k in load_keys(keys_document) if k.kid == parsed.kid]
    if not candidates:
        return out
    out["key_known"] = True
    message = hc.signing_input(parsed.protected, parsed.payload)
    key = next((k for k in candidates if ed25519_verify(k.key, message, parsed.signature)), None)
    if key is None:
        return out
    out["signature"] = True
    out["key_valid"] = key.status == "active"
    return out


def test_there_are_venue_vectors_for_every_outcome():
    reasons = {json.loads(f.read_text())["expected"]["reason"] for f in VENUE_FILES}

    assert reasons >= {
        None,
        "wrong_prefix",
        "malformed",
        "foreign_region",
        "unknown_key",
        "bad_signature",
        "revoked_key",
    }


@pytest.mark.parametrize("path", VENUE_FILES, ids=[f.stem for f in VENUE_FILES])
def test_venue_vector(path):
    vector = json.loads(path.read_text())
    expected = vector["expected"]
    keys = load_keys(vector["keys"])

    got = venue_steps(vector["token"], vector["keys"], vector["region"])
    try:
        claims = venue.verify(
            vector["token"], keys, region=vector["region"], verifier=ed25519_verify
        )
        reason = None
    except hc.TokenError as exc:
        claims, reason = None, exc.reason

    assert got == {k: expected[k] for k in VENUE_STEPS}
    assert reason == expected["reason"]
    assert (claims is not None) is expected["valid"]
    if claims is not None:
        assert {
            "venue_id": claims.venue_id,
            "region": claims.region,
            "generation": claims.generation,
            "issued_at": claims.issued_at,
        } == {**expected["claims"], "issued_at": _when(expected["claims"]["issued_at"])}


def test_a_health_code_vector_is_never_a_venue_code_nor_the_other_way_round():
    for path in FILES:
        token = json.loads(path.read_text())["token"]
        with pytest.raises(hc.TokenError):
            venue.parse(token)
    for path in VENUE_FILES:
        token = json.loads(path.read_text())["token"]
        with pytest.raises(hc.TokenError):
            hc.parse(token)


VENUE_SIGNED = [f for f in VENUE_FILES if json.loads(f.read_text())["expected"]["cbor"]]


@pytest.mark.parametrize("path", VENUE_SIGNED, ids=[f.stem for f in VENUE_SIGNED])
def test_pycose_verifies_exactly_the_venue_signatures_the_vector_says_are_good(path):
    """The venue codes read by base45, cbor2 and pycose alone: the same envelope as the
    health code's, the claims ``[venue (4 bytes), region, generation, iat]``."""
    from pycose.algorithms import EdDSA
    from pycose.headers import KID, Algorithm

    vector = json.loads(path.read_text())
    expected = vector["expected"]
    message, claims = _cose(vector, prefix="YV1:")

    assert message.phdr[Algorithm] is EdDSA and message.uhdr == {}
    entries = [k for k in vector["keys"]["keys"] if bytes.fromhex(k["kid"]) == message.phdr[KID]]
    good = []
    for entry in entries:
        message.key = _pycose_key(entry)
        good.append(message.verify_signature())
    if expected["region"]:  # a foreign venue is refused before its key is looked for
        assert bool(entries) is expected["key_known"]
        assert any(good) is expected["signature"]
    if expected["valid"]:
        local, region, generation, iat = claims
        assert {
            "venue_id": f"{region}-{local.hex()}",
            "region": str(region),
            "generation": generation,
            "issued_at": datetime.fromtimestamp(iat, UTC),
        } == {**expected["claims"], "issued_at": _when(expected["claims"]["issued_at"])}


def test_every_valid_venue_vector_is_among_those_pycose_checks():
    valid = {f for f in VENUE_FILES if json.loads(f.read_text())["expected"]["valid"]}

    assert valid and valid <= set(VENUE_SIGNED)


# --- docs/token.md's worked example is vector 01 ------------------------------------------


def _block_after(marker: str, text: str) -> str:
    """The fenced block that follows ``<!-- marker -->`` in a document."""
    after = text.split(f"<!-- {marker} -->", 1)[1]
    block = after.split("```", 2)[1]
    return block.split("\n", 1)[1].strip()  # past the fence's language (```text)


def test_the_worked_example_in_docs_token_md_is_vector_01():
    doc = (VECTORS.parents[1] / "docs" / "token.md").read_text(encoding="utf-8")
    vector = json.loads((VECTORS / "01-valid.json").read_text())
    raw = hc.b45decode(vector["token"].removeprefix(hc.PREFIX))
    protected, _, payload, signature = hc.cbor_decode(raw)

    assert _block_after("token-example", doc) == vector["token"]
    assert bytes.fromhex(_block_after("token-bytes", doc).replace("\n", " ")) == raw
    assert protected.hex() in doc and payload.hex() in doc
    assert f"{signature[:2].hex(' ')} … {signature[-2:].hex(' ')}" in doc
    assert vector["keys"]["keys"][0]["public_key"] in doc
