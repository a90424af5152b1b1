"""The Litestar application factory."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from pydantic import BaseModel

from api.settings import Settings, load_settings
from engine.persistence import current_revision, head_revision
from engine.runtime import Runtime

__all__ = ["build_runtime", "create_app"]


class Health(BaseModel):
    """Liveness and schema state."""

    status: str
    database: str
    schema_revision: str | None
    schema_current: bool


def build_runtime(settings: Settings) -> Runtime:
    """The engine services for `settings`."""
    from datetime import timedelta

    return Runtime.create(
        settings.database_url,
        settings.audit_key_bytes(),
        emergency_max=timedelta(minutes=settings.emergency_max_minutes),
    )


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Litestar:
    """The unitgate HTTP API."""
    settings = settings or load_settings()
    runtime = runtime or build_runtime(settings)

    @get("/health", tags=["service"], sync_to_thread=True)
    def health() -> Health:
        """Whether the service runs and its database schema is current."""
        revision = current_revision(runtime.db)
        return Health(
            status="ok",
            database=runtime.db.dialect,
            schema_revision=revision,
            schema_current=revision == head_revision(),
        )

    return Litestar(
        route_handlers=[health],
        openapi_config=OpenAPIConfig(
            title="unitgate",
            version="0.1.0",
            description="Access control and unit lifecycle for self-storage facilities.",
            path="/docs",
            render_plugins=[ScalarRenderPlugin(path="/")],
        ),
        state={"runtime": runtime, "settings": settings},
        on_shutdown=[runtime.db.dispose],
    )
