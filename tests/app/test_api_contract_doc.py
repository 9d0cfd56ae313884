"""docs/api.md, the project's API contract, agrees with the OpenAPI document the app
serves, both ways (``scripts/api_doc.py`` is the checker; docs/api.md says how a
section reads and how to add one)."""

from __future__ import annotations

import copy

import pytest

from scripts import api_doc
from tests.helpers import body

SECTION = """
### POST /v1/things/{thing_id}

- **Who**: `official`
- **Responds**: `201` `{id, state}`
- **Errors**: 400, 401, 403, 404, 413, 415, 429, 503

| in | field | type | required | meaning |
| --- | --- | --- | --- | --- |
| path | `thing_id` | string | yes | the thing |
| body | `name` | string | yes | its name |
| body | `tags` | array of object | no | labels |
| body | `tags[].kind` | `a` / `b` | yes | which |
"""


def _document() -> dict:
    return {
        "paths": {
            "/v1/things/{thing_id}": {
                "post": {
                    "security": [{"bearer": []}],
                    "x-roles": ["official"],
                    "parameters": [
                        {
                            "name": "thing_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["name"],
                                    "properties": {
                                        "name": {"type": "string"},
                                        "tags": {
                                            "type": "array",
                                            "items": {
                                                "type": "object",
                                                "required": ["kind"],
                                                "properties": {"kind": {"enum": ["a", "b"]}},
                                            },
                                        },
                                    },
                                }
                            }
                        }
                    },
                    "responses": {
                        "201": {
                            "content": {
                                "application/json": {
                                    "schema": {"properties": {"id": {}, "state": {}}}
                                }
                            }
                        },
                        **{str(s): {} for s in (400, 401, 403, 404, 413, 415, 429, 503)},
                    },
                }
            }
        }
    }


def test_the_contract_describes_every_route_the_app_serves_and_nothing_else(client):
    document = body(client.http.get("/v1/openapi.json"))
    text = api_doc.DOC.read_text(encoding="utf-8")

    assert api_doc.problems(document, text) == []
    sections, _ = api_doc.parse(text)
    assert set(sections) == set(api_doc.operations(document))
    assert len(sections) >= 37


def test_the_served_document_is_the_one_the_script_checks(client):
    served = body(client.http.get("/v1/openapi.json"))  # the test stage serves every route

    assert (
        api_doc.operations(served).keys() == api_doc.operations(api_doc.current_document()).keys()
    )


def test_a_section_that_matches_passes():
    assert api_doc.problems(_document(), SECTION) == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (
            lambda t: t.replace("### POST /v1/things/{thing_id}", "### PUT /v1/things/{thing_id}"),
            "no section",
        ),
        (lambda t: t.replace("`official`", "`admin`"), "Who names ['admin']"),
        (
            lambda t: t.replace("`201` `{id, state}`", "`200` `{id, state}`"),
            "must start with `201`",
        ),
        (lambda t: t.replace("`{id, state}`", "`{id}`"), "Responds lists ['id']"),
        (lambda t: t.replace("400, 401, 403, 404,", "400, 401, 403,"), "Errors lists"),
        (
            lambda t: t.replace("| body | `name` | string | yes | its name |\n", ""),
            "lacks body `name`",
        ),
        (
            lambda t: t.replace("| body | `tags[].kind` | `a` / `b` | yes | which |\n", ""),
            "lacks body `tags[].kind`",
        ),
        (lambda t: t + "| body | `colour` | string | no | extra |\n", "which the schema does not"),
        (
            lambda t: t.replace("| string | yes | its name", "| string | no | its name"),
            "(string, no) in the table",
        ),
        (lambda t: t.replace("`a` / `b`", "`a`"), "(`a`, yes) in the table"),
        (lambda t: t.replace("| its name |", "| TODO |"), "no meaning written"),
        (lambda t: t + t, "twice"),
        (
            lambda t: t.replace("- **Errors**: 400, 401, 403, 404, 413, 415, 429, 503\n", ""),
            "no **Errors** line",
        ),
    ],
)
def test_each_kind_of_drift_is_caught(change, complaint):
    found = api_doc.problems(_document(), change(SECTION))

    assert any(complaint in problem for problem in found), found


def test_a_route_the_contract_does_not_know_is_named_with_the_command_to_write_it():
    document = _document()
    document["paths"]["/v1/other"] = {
        "get": copy.deepcopy(document["paths"]["/v1/things/{thing_id}"]["post"])
    }

    found = api_doc.problems(document, SECTION)

    assert found == [
        "GET /v1/other has no section in docs/api.md "
        "(python scripts/api_doc.py --skeleton GET /v1/other)"
    ]


def test_a_documented_route_that_is_not_routed_is_caught():
    found = api_doc.problems({"paths": {}}, SECTION)

    assert found == ["docs/api.md line 2: POST /v1/things/{thing_id} is not a route"]


def test_the_skeleton_of_a_route_passes_once_its_meanings_are_written():
    op = _document()["paths"]["/v1/things/{thing_id}"]["post"]
    skeleton = api_doc.skeleton(op, "POST", "/v1/things/{thing_id}")

    assert any("no meaning written" in p for p in api_doc.problems(_document(), skeleton))
    assert api_doc.problems(_document(), skeleton.replace("| TODO |", "| written |")) == []
