"""The OpenAPI document matches the routes, both ways, and is valid OpenAPI 3.1."""

from __future__ import annotations

from openapi_spec_validator import validate

from app import api, app
from tests.helpers import body


def test_document_is_served_and_valid_openapi_3_1(client):
    response = client.http.get("/v1/openapi.json")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    document = body(response)
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_route_is_documented_and_every_documented_path_is_routed(client):
    document = body(client.http.get("/v1/openapi.json"))
    documented = {
        (path, method.upper()) for path, ops in document["paths"].items() for method in ops
    }
    routed = {(path, method) for path, entries in app.routes.items() for method in entries}

    assert documented == routed


def test_every_path_is_under_v1():
    assert all(path.startswith("/v1/") for path in app.routes)


def test_every_operation_documents_the_error_shape_and_its_statuses(client):
    document = body(client.http.get("/v1/openapi.json"))
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            statuses = set(op["responses"])
            assert {"429", "503"} <= statuses, (path, method)
            if op["security"]:
                assert {"401", "403"} <= statuses, (path, method)
            if "requestBody" in op:
                assert {"400", "413", "415"} <= statuses, (path, method)
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}


def test_operation_ids_are_unique():
    ids = [op.operation_id for op in api.operations]

    assert len(ids) == len(set(ids))
