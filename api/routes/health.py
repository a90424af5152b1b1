"""`GET /health`: liveness, schema state and the policy serving."""

from __future__ import annotations

from datetime import datetime

from litestar import get
from litestar.di import NamedDependency
from pydantic import BaseModel

from engine.persistence import current_revision, head_revision
from engine.policy import PolicyStore
from engine.runtime import Runtime

__all__ = ["Health", "HealthPolicy", "HealthReloadError", "health"]


class HealthReloadError(BaseModel):
    """Why the policy files on disk are refused, in short (details: `GET /v1/policy`)."""

    at: datetime
    """When the refusal was first seen."""
    code: str
    """Why in one word: `not-a-file`, `yaml-syntax`, `invariant-violated`, ..."""
    file: str | None
    """The base name of the file at fault, when one is."""


class HealthPolicy(BaseModel):
    """The access policy serving and whether the files on disk are it."""

    version: str
    """The version deciding now."""
    loaded_at: datetime
    """When it was loaded."""
    checked_at: datetime
    """When the files were last read; it advances while reloading works."""
    reload_error: HealthReloadError | None
    """Set while the files on disk are refused (the old version keeps serving)."""


class Health(BaseModel):
    """Liveness, schema state and the policy serving."""

    status: str
    """`ok` while the service answers."""
    database: str
    """`sqlite` or `postgresql`."""
    schema_revision: str | None
    """The database's schema revision."""
    schema_current: bool
    """Whether it is the revision this code needs."""
    policy: HealthPolicy
    """The access policy serving (public: no file contents or paths, only names and codes)."""


@get("/health", tags=["service"], sync_to_thread=True)
def health(runtime: NamedDependency[Runtime], policies: NamedDependency[PolicyStore]) -> Health:
    """Whether the service runs, its database schema is current, and which policy serves."""
    revision = current_revision(runtime.db)
    status = policies.status
    refused = status.refused
    return Health(
        status="ok",
        database=runtime.db.dialect,
        schema_revision=revision,
        schema_current=revision == head_revision(),
        policy=HealthPolicy(
            version=status.policy.version,
            loaded_at=status.loaded_at,
            checked_at=status.checked_at,
            reload_error=(
                HealthReloadError(at=refused.at, code=refused.code or "rejected", file=refused.file)
                if refused is not None
                else None
            ),
        ),
    )
