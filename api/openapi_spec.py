"""The committed OpenAPI document (`specs/openapi.json`), generated from the app."""

from __future__ import annotations

import json
from pathlib import Path

from litestar.serialization import encode_json

from api.settings import Settings

__all__ = ["SPEC_PATH", "openapi_document"]

SPEC_PATH = Path(__file__).resolve().parent.parent / "specs" / "openapi.json"


def openapi_document() -> str:
    """The OpenAPI 3.1 document of every route (dev routes included), as stable JSON."""
    from api.app import create_app
    from engine.clock import ManualClock
    from engine.runtime import Runtime

    runtime = Runtime.create("sqlite:///:memory:", b"spec", clock=ManualClock())
    settings = Settings(
        database_url=runtime.db.url,
        audit_key="spec",
        jwt_secret="x" * 32,
        dev_tokens=True,
        policy_reload_seconds=0,
    )
    app = create_app(settings, runtime)
    schema = json.loads(encode_json(app.openapi_schema.to_schema()))
    runtime.db.dispose()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
