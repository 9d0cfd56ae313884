"""The risk-feed push's published JSON Schema, the feed parser and the docs agree.

- Every feed the project shows (the JSON examples in docs/risk-feeds.md and in
  docs/api.md's risk-area section, the demo feed under scripts/, the test data)
  is valid under the schema ``GET /v1/openapi.json`` publishes, checked with the
  ``jsonschema`` library, and parses with ``parse_feed``.
- The schema is as strict as the parser's checks of structure, both ways: a
  document wrong in shape is refused by jsonschema, by our validator and by the
  parser, the last two naming the same field; what the parser lets through
  (unknown keys, nulls, long names) all three let through. What needs the
  division table or a clock stays the parser's (PARSER_ONLY); a text or a list
  of the wrong type is the schema's alone, on purpose (SCHEMA_ONLY).
- Through ``chalice.test.Client``, a wrong-shaped push is ``400`` naming the field
  and stores nothing.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from app import api
from chalicelib.kernel.errors import InvalidInput
from chalicelib.kernel.openapi import build_document
from chalicelib.kernel.reference_data import divisions
from chalicelib.kernel.schema import validate
from chalicelib.risk.rules import MAX_ROWS, MAX_TEXT, parse_feed
from chalicelib.risk.schemas import RISK_FEED
from tests.helpers import assert_error, body, get, login, post

ROOT = Path(__file__).resolve().parents[2]
_JSON_BLOCK = re.compile(r"^```json\n(.*?)^```", re.S | re.M)


def published() -> dict[str, Any]:
    """The push's request schema, as the OpenAPI document publishes it."""
    operation = build_document(api.operations)["paths"]["/v1/feeds/risk-areas"]["post"]
    schema: dict[str, Any] = operation["requestBody"]["content"]["application/json"]["schema"]
    return schema


SCHEMA = published()
JSONSCHEMA = Draft202012Validator(SCHEMA)


def _blocks(text: str) -> list[Any]:
    return [json.loads(block) for block in _JSON_BLOCK.findall(text)]


def _doc_examples() -> list[tuple[str, Any]]:
    found = []
    feeds = (ROOT / "docs" / "risk-feeds.md").read_text(encoding="utf-8")
    found += [(f"docs/risk-feeds.md json block {n}", d) for n, d in enumerate(_blocks(feeds))]
    api_md = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    section = api_md.split("### Risk-area snapshots", 1)[1].split("\n### ", 1)[0]
    found += [(f"docs/api.md risk-area json block {n}", d) for n, d in enumerate(_blocks(section))]
    return found


def _is_feed(document: Any) -> bool:
    return isinstance(document, dict) and ("areas" in document or "data" in document)


def _file_feeds() -> list[tuple[str, Any]]:
    paths = sorted(ROOT.glob("scripts/**/*.json")) + sorted(ROOT.glob("tests/data/*risk*.json"))
    loaded = [(str(p.relative_to(ROOT)), json.loads(p.read_text(encoding="utf-8"))) for p in paths]
    return [(name, document) for name, document in loaded if _is_feed(document)]


DOC_EXAMPLES = _doc_examples()
FEEDS = DOC_EXAMPLES + _file_feeds()


def test_the_examples_are_found_in_both_shapes():
    """Guards the collection above: a renamed file or a changed fence must not leave
    the tests below with nothing to check."""
    in_docs = [name for name, d in DOC_EXAMPLES if name.startswith("docs/risk-feeds.md")]
    assert len(in_docs) >= 2
    assert all(_is_feed(d) for _, d in DOC_EXAMPLES)  # every json block there is a feed
    shapes = {"data" in d for name, d in DOC_EXAMPLES if name.startswith("docs/risk-feeds.md")}
    assert shapes == {True, False}
    names = {name for name, _ in FEEDS}
    assert "scripts/demo_data/risk-areas.json" in names
    assert "tests/data/national-risk-2022-04-20.json" in names


@pytest.mark.parametrize(("name", "document"), FEEDS, ids=[n for n, _ in FEEDS])
def test_every_example_feed_is_valid_under_the_published_schema(name, document):
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in JSONSCHEMA.iter_errors(document)]
    assert errors == []
    validate(document, SCHEMA)  # our validator agrees with the reference


@pytest.mark.parametrize(("name", "document"), FEEDS, ids=[n for n, _ in FEEDS])
def test_every_example_feed_parses(name, document):
    snapshot = parse_feed(document, divisions=divisions())

    assert snapshot.areas


def test_the_documented_national_example_has_the_one_unresolved_row_it_says():
    (national,) = [d for n, d in DOC_EXAMPLES if n.startswith("docs/risk-feeds") and "data" in d]

    snapshot = parse_feed(national, divisions=divisions())

    assert snapshot.feed_id == "national-2026-11-20T10"
    assert [u.county for u in snapshot.unresolved] == ["西安高新技术产业开发区"]
    assert ("110105", "酒仙桥街道") in {(a.region_code, a.area) for a in snapshot.areas}


def test_the_served_document_publishes_this_schema(client):
    document = body(get(client, "/v1/openapi.json"))
    operation = document["paths"]["/v1/feeds/risk-areas"]["post"]

    assert operation["requestBody"]["content"]["application/json"]["schema"] == SCHEMA
    assert SCHEMA == RISK_FEED and SCHEMA["then"] and SCHEMA["else"]


# --- as strict as the parser, both ways --------------------------------------------------

AREA = {
    "region_code": "610113",
    "area": "电子城街道",
    "level": "high",
    "since": "2026-11-18T00:00:00+08:00",
}
OURS = {
    "feed_id": "f-1",
    "published_at": "2026-11-20T10:00:00+08:00",
    "areas": [AREA, {**AREA, "area": "丈八沟街道", "level": "medium"}],
}
ROW = {"province": "陕西省", "city": "西安市", "county": "雁塔区", "communitys": ["电子城街道"]}
NATIONAL = {
    "code": 0,
    "data": {"end_update_time": "2026-11-20 10时", "highlist": [ROW], "lowlist": [ROW]},
}
_MISSING = object()


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``base`` with the value at a dotted path (``areas.1.level``) set, or removed."""
    document = copy.deepcopy(base)
    *parents, last = path.split(".")
    target: Any = document
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    key: Any = int(last) if isinstance(target, list) else last
    if value is _MISSING:
        del target[key]
    else:
        target[key] = value
    return document


WRONG = [
    # our shape
    (changed(OURS, "feed_id", _MISSING), "feed_id"),
    (changed(OURS, "feed_id", "a b"), "feed_id"),
    (changed(OURS, "feed_id", "x" * 65), "feed_id"),
    (changed(OURS, "feed_id", ""), "feed_id"),
    (changed(OURS, "feed_id", 7), "feed_id"),
    (changed(OURS, "published_at", _MISSING), "published_at"),
    (changed(OURS, "published_at", 20261120), "published_at"),
    (changed(OURS, "published_at", ""), "published_at"),
    (changed(OURS, "areas", _MISSING), "areas"),
    (changed(OURS, "areas", {"0": AREA}), "areas"),
    (changed(OURS, "areas", [AREA] * (MAX_ROWS + 1)), "areas"),
    (changed(OURS, "areas.0", "电子城街道"), "areas[0]"),
    (changed(OURS, "areas.1.level", "severe"), "areas[1].level"),
    (changed(OURS, "areas.1.level", _MISSING), "areas[1].level"),
    (changed(OURS, "areas.1.level", None), "areas[1].level"),
    (changed(OURS, "areas.0.region_code", "61011"), "areas[0].region_code"),
    (changed(OURS, "areas.0.region_code", 610113), "areas[0].region_code"),
    (changed(OURS, "areas.0.region_code", _MISSING), "areas[0].region_code"),
    (changed(OURS, "areas.0.since", _MISSING), "areas[0].since"),
    (changed(OURS, "areas.0.since", 1763568000), "areas[0].since"),
    # a data that is not an object leaves the document ours: its errors are ours
    ({**changed(OURS, "feed_id", _MISSING), "data": ["x"]}, "feed_id"),
    # the national list's shape
    (changed(NATIONAL, "data.end_update_time", _MISSING), "data.end_update_time"),
    (changed(NATIONAL, "data.end_update_time", "yesterday"), "data.end_update_time"),
    (changed(NATIONAL, "data.end_update_time", "2026-11-20 10:00"), "data.end_update_time"),
    (changed(NATIONAL, "data.end_update_time", 2026112010), "data.end_update_time"),
    (changed(NATIONAL, "code", 1), "code"),
    (changed(NATIONAL, "code", "-1"), "code"),
    (changed(NATIONAL, "data.highlist", "陕西省 西安市 雁塔区"), "data.highlist"),
    (changed(NATIONAL, "data.middlelist", [ROW] * (MAX_ROWS + 1)), "data.middlelist"),
    (changed(NATIONAL, "data.lowlist.0", "石牌街道"), "data.lowlist[0]"),
    (changed(NATIONAL, "data.highlist.0.communitys", "电子城街道"), "data.highlist[0].communitys"),
    # a feed_id beside a data object does not make it ours
    (
        {**changed(NATIONAL, "data.end_update_time", _MISSING), "feed_id": "f"},
        "data.end_update_time",
    ),
]


@pytest.mark.parametrize(("document", "field"), WRONG, ids=[f for _, f in WRONG])
def test_a_wrong_shape_is_refused_by_the_schema_and_the_parser_naming_one_field(document, field):
    assert not JSONSCHEMA.is_valid(document)
    with pytest.raises(InvalidInput) as by_schema:
        validate(document, SCHEMA)
    with pytest.raises(InvalidInput) as by_parser:
        parse_feed(document, divisions=divisions())

    assert (by_schema.value.field, by_parser.value.field) == (field, field)


LENIENT = [
    ({**OURS, "source": "district CDC", "note": None}, "unknown top-level keys"),
    (changed(OURS, "areas.0.comment", "from the district"), "unknown row keys"),
    (changed(OURS, "areas.0.area", _MISSING), "an area without a name"),
    (changed(OURS, "areas.0.area", None), "a null name"),
    (changed(OURS, "areas.0.area", "长" * (MAX_TEXT + 50)), "a name past MAX_TEXT"),
    (changed(OURS, "areas", []), "no areas at all"),
    (changed(OURS, "areas", [AREA] * MAX_ROWS), "MAX_ROWS areas"),
    (changed(OURS, "published_at", "2026-11-20T02:00:00Z"), "a Z offset"),
    ({**OURS, "data": []}, "a data that is not an object"),
    (changed(NATIONAL, "code", "0"), "code as text"),
    (changed(NATIONAL, "code", _MISSING), "no code"),
    (changed(NATIONAL, "data.highlist", None), "a null list"),
    (changed(NATIONAL, "data.lowlist", _MISSING), "a missing list"),
    (changed(NATIONAL, "data.highlist.0.communitys", None), "null communitys"),
    (changed(NATIONAL, "data.highlist.0", {}), "a row with no names (unresolved)"),
    (changed(NATIONAL, "data.hcount", 1), "the list's own counts"),
    (changed(NATIONAL, "data.end_update_time", " 2026-11-20 9时 "), "a one-digit hour, spaces"),
    ({**NATIONAL, "feed_id": "not an id!"}, "a feed_id beside data is ignored"),
]


@pytest.mark.parametrize(("document", "case"), LENIENT, ids=[c for _, c in LENIENT])
def test_what_the_parser_lets_through_the_schema_does_too(document, case):
    assert JSONSCHEMA.is_valid(document), case
    validate(document, SCHEMA)
    snapshot = parse_feed(document, divisions=divisions())

    assert all(len(a.area) <= MAX_TEXT for a in snapshot.areas)


PARSER_ONLY = [
    (changed(OURS, "areas.0.region_code", "999999"), "areas[0].region_code"),  # not in force
    (changed(OURS, "areas.0.region_code", "610000"), "areas[0].region_code"),  # a province
    (changed(OURS, "areas.0.since", "2026-11-21T00:00:00+08:00"), "areas[0].since"),
    (changed(OURS, "published_at", "2026-11-20 10:00"), "published_at"),  # no offset
    (changed(NATIONAL, "data.end_update_time", "2026-02-30 10时"), "data.end_update_time"),
]


@pytest.mark.parametrize(("document", "field"), PARSER_ONLY, ids=[f for _, f in PARSER_ONLY])
def test_what_needs_the_division_table_or_a_calendar_is_the_parser_alone(document, field):
    assert JSONSCHEMA.is_valid(document)
    validate(document, SCHEMA)
    with pytest.raises(InvalidInput) as caught:
        parse_feed(document, divisions=divisions())

    assert caught.value.field == field


# Where the schema is stricter on purpose (docs/risk-feeds.md): a text or a list of the
# wrong type, which the parser reads as empty, is a client's bug worth a 400.
SCHEMA_ONLY = [
    (changed(OURS, "areas.0.area", 42), "areas[0].area"),
    (changed(NATIONAL, "data.highlist.0.county", 0), "data.highlist[0].county"),
    (changed(NATIONAL, "data.highlist.0.communitys", False), "data.highlist[0].communitys"),
    (
        changed(NATIONAL, "data.highlist.0.communitys", ["电子城街道", 3]),
        "data.highlist[0].communitys[1]",
    ),
    (changed(NATIONAL, "data.lowlist", 0), "data.lowlist"),
]


@pytest.mark.parametrize(("document", "field"), SCHEMA_ONLY, ids=[f for _, f in SCHEMA_ONLY])
def test_a_text_or_list_of_the_wrong_type_is_refused_by_the_schema_alone(document, field):
    assert not JSONSCHEMA.is_valid(document)
    with pytest.raises(InvalidInput) as caught:
        validate(document, SCHEMA)
    parse_feed(document, divisions=divisions())  # a pulled feed still goes through

    assert caught.value.field == field


# --- through the API -----------------------------------------------------------------------

PUSHED = [
    (changed(OURS, "feed_id", "a b"), "feed_id", "invalid_input"),
    (changed(OURS, "published_at", _MISSING), "published_at", "missing_field"),
    (changed(OURS, "areas.1.level", "severe"), "areas[1].level", "invalid_input"),
    (changed(OURS, "areas.0.region_code", 610113), "areas[0].region_code", "wrong_type"),
    (changed(NATIONAL, "data.end_update_time", _MISSING), "data.end_update_time", "missing_field"),
    (changed(NATIONAL, "code", 1), "code", "invalid_input"),
    (changed(NATIONAL, "data.lowlist.0", "石牌街道"), "data.lowlist[0]", "wrong_type"),
]


@pytest.mark.parametrize(("document", "field", "code"), PUSHED, ids=[f for _, f, _ in PUSHED])
def test_a_wrong_shaped_push_is_400_naming_the_field_and_stores_nothing(
    client, document, field, code
):
    from chalicelib.risk.store import RiskFeedRecord

    official = login(client, "official-1", role="official")

    response = post(client, "/v1/feeds/risk-areas", document, official)

    error = assert_error(response, 400, code=code, field=field)
    assert field in error["message"]
    assert RiskFeedRecord.count() == 0


@pytest.mark.parametrize(
    ("name", "document"),
    [(n, d) for n, d in DOC_EXAMPLES if n.startswith("docs/risk-feeds.md")],
    ids=[n for n, _ in DOC_EXAMPLES if n.startswith("docs/risk-feeds.md")],
)
def test_each_documented_example_pushes_as_it_stands(client, name, document):
    official = login(client, "official-1", role="official")

    report = body(post(client, "/v1/feeds/risk-areas", document, official))

    assert report["state"] == "active"
    assert report["raised"] == len(parse_feed(document, divisions=divisions()).areas)
