"""The service answers on /health and serves its docs page."""

from __future__ import annotations

from litestar.testing import TestClient

from engine.persistence import head_revision
from engine.runtime import Runtime
from tests.support.api import app_for


def test_health_reports_current_schema_and_the_policy_serving(runtime: Runtime) -> None:
    app = app_for(runtime)
    store = app.state["policies"]
    loaded = runtime.clock.now().isoformat().replace("+00:00", "Z")
    with TestClient(app) as client:
        body = client.get("/health").json()
    assert body == {
        "status": "ok",
        "database": runtime.db.dialect,
        "schema_revision": head_revision(),
        "schema_current": True,
        "policy": {
            "version": store.current.version,
            "loaded_at": loaded,
            "checked_at": loaded,
            "reload_error": None,
        },
    }


def test_docs_page_and_openapi_are_served(sqlite_runtime: Runtime) -> None:
    app = app_for(sqlite_runtime)
    with TestClient(app) as client:
        page = client.get("/docs")
        spec = client.get("/docs/openapi.json")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert spec.json()["openapi"].startswith("3.1")
    assert "/health" in spec.json()["paths"]
