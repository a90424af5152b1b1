"""`GET /health`: liveness and schema state."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from pydantic import BaseModel

from engine.persistence import current_revision, head_revision
from engine.runtime import Runtime

__all__ = ["Health", "health"]


class Health(BaseModel):
    """Liveness and schema state."""

    status: str
    database: str
    schema_revision: str | None
    schema_current: bool


@get("/health", tags=["service"], sync_to_thread=True)
def health(runtime: NamedDependency[Runtime]) -> Health:
    """Whether the service runs and its database schema is current."""
    revision = current_revision(runtime.db)
    return Health(
        status="ok",
        database=runtime.db.dialect,
        schema_revision=revision,
        schema_current=revision == head_revision(),
    )
