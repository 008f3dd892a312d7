"""The OpenAPI documents in docs/api/ are what the servers publish: regenerate with `renkei api openapi`."""

from __future__ import annotations

import json
from pathlib import Path

from renkei.runtime import Runtime
from renkei.runtime.openapi import documents, render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api"


def test_the_checked_in_openapi_documents_match_the_code(runtime: Runtime) -> None:
    found = documents(runtime)
    assert {"hub", "jukinet", "jpki", "node"} <= set(found)
    for name, document in found.items():
        path = DOCS / f"{name}.openapi.json"
        assert path.exists(), f"{path} is missing: run `renkei api openapi --out docs/api`"
        assert path.read_text(encoding="utf-8") == render(document), (
            f"{path} differs from the code: run `renkei api openapi --out docs/api`"
        )


def test_every_operation_documents_its_models_and_error_body(runtime: Runtime) -> None:
    for name, document in documents(runtime).items():
        for path, methods in document["paths"].items():
            post = methods["post"]
            assert path.split("/")[2] == "v1", path
            assert "requestBody" in post, f"{name} {path} has no request model"
            for status in ("403", "422"):
                schema = post["responses"][status]["content"]["application/json"]["schema"]
                assert schema["$ref"].endswith("/ErrorBody"), (name, path, status)
            assert "呼出元" in post["description"]
        json.dumps(document)  # serialisable as it is published


def test_no_operation_is_left_untyped(runtime: Runtime) -> None:
    """Every request and answer is a named model: no free-form object stands in for a schema."""
    for name, document in documents(runtime).items():
        schemas = document["components"]["schemas"]
        for path, methods in document["paths"].items():
            post = methods["post"]
            request = post["requestBody"]["content"]["application/json"]["schema"]
            answer = post["responses"]["200"]["content"]["application/json"]["schema"]
            for schema in (request, answer):
                assert "$ref" in schema, (name, path, schema)
                model = schemas[schema["$ref"].rsplit("/", 1)[-1]]
                assert model.get("additionalProperties") is not True, (name, path, model.get("title"))
                assert "properties" in model or model.get("title") == "Empty", (name, path, model)
    assert {"lgwan", "portal", "certificates"} <= set(documents(runtime))
