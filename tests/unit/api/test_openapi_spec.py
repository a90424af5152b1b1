"""`specs/openapi.json` is what the app serves; regenerate with `unitgate api spec`."""

from __future__ import annotations

import json

from api.openapi_spec import SPEC_PATH, openapi_document


def test_committed_openapi_document_is_current() -> None:
    committed = SPEC_PATH.read_text(encoding="utf-8")
    assert committed == openapi_document(), "specs/openapi.json is stale: run `unitgate api spec`"


def test_document_is_openapi_31_with_bearer_auth_and_problem_details() -> None:
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["BearerToken"]["scheme"] == "Bearer"
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if path.startswith("/v1/") and path != "/v1/dev/tokens":
                assert "401" in op["responses"], (method, path)
                problem = op["responses"]["401"]["content"]
                assert "application/problem+json" in problem, (method, path)
